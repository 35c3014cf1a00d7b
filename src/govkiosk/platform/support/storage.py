"""Object storage for materials (申请材料): a local directory by default, an S3-compatible service optionally.

Keys are always generated here (`2026/11/28/<128 random bits, urlsafe>`), never taken from a client, and
checked against one strict pattern before they touch a path or a URL, so path traversal cannot happen.
`SealedStore` wraps either so that materials are sealed at rest (SM4-GCM, `core/sealing.py`): the bytes on
disk or in the bucket are ciphertext, while keys, sizes and SM3 digests are those of the plain material.
"""

import hashlib
import hmac
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit

import httpx

from govkiosk.crypto import sm3
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.core.errors import DomainError, InvalidInput, NotFound
from govkiosk.platform.core.sealing import Sealer

KEY_PATTERN = re.compile(r"^\d{4}/\d{2}/\d{2}/[A-Za-z0-9_-]{22}$")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class StorageError(DomainError):
    """The object store failed or refused a request."""

    status_code = 503
    code = "storage_unavailable"


@dataclass(frozen=True)
class StoredObject:
    """What `put` stored: the server-generated key, the SM3 digest (hex), the size and the content type."""

    key: str
    sm3: str
    size: int
    content_type: str


class ObjectStore(Protocol):
    """Where material bytes live."""

    def put(self, data: bytes, *, content_type: str) -> StoredObject: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


def new_key(now: datetime) -> str:
    """A fresh object key: the UTC date, then 128 random bits (22 urlsafe characters)."""
    return f"{now:%Y/%m/%d}/{secrets.token_urlsafe(16)}"


def check_key(key: str) -> str:
    """The key itself if it has the one shape keys have; otherwise `InvalidInput`."""
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise InvalidInput("invalid object key", code="invalid_object_key")
    return key


class LocalStore:
    """Objects as files under `root`: written atomically, files 0600, directories 0700."""

    def __init__(self, root: Path, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.root = Path(root).resolve()
        self._clock = clock
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)

    def put(self, data: bytes, *, content_type: str) -> StoredObject:
        """Store `data` under a new key (temp file, fsync, rename, fsync of the directory)."""
        key = new_key(self._clock())
        path = self._path(key)
        self._make_dirs(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mkstemp creates mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.rename(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)
        return StoredObject(key=key, sm3=sm3(data).hex(), size=len(data), content_type=content_type)

    def get(self, key: str) -> bytes:
        """The bytes stored under `key`."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound("no such object") from None

    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""
        return self._path(key).is_file()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):  # defence in depth; the pattern already forbids it
            raise InvalidInput("invalid object key", code="invalid_object_key")
        return path

    def _make_dirs(self, directory: Path) -> None:
        missing = [
            d for d in [directory, *directory.parents] if d.is_relative_to(self.root) and not d.exists()
        ]
        for d in reversed(missing):
            d.mkdir(mode=0o700, exist_ok=True)
            os.chmod(d, 0o700)  # mkdir's mode is filtered by the umask


class SealedStore:
    """An object store whose objects are sealed at rest; callers see plain bytes, digests and sizes."""

    PURPOSE = "materials"

    def __init__(self, inner: ObjectStore, sealer: Sealer) -> None:
        self.inner = inner
        self._sealer = sealer

    def put(self, data: bytes, *, content_type: str) -> StoredObject:
        """Seal `data` and store it; the digest and size returned are those of the plain bytes."""
        sealed = self._sealer.seal(data, purpose=self.PURPOSE).encode()
        stored = self.inner.put(sealed, content_type=content_type)
        return StoredObject(key=stored.key, sm3=sm3(data).hex(), size=len(data), content_type=content_type)

    def get(self, key: str) -> bytes:
        """The plain bytes stored under `key`."""
        return self._sealer.open(self.inner.get(key).decode("ascii"), purpose=self.PURPOSE)

    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        self.inner.delete(key)

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""
        return self.inner.exists(key)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- AWS Signature Version 4 -------------------------------------------------------------------------


@dataclass(frozen=True)
class SigV4Credentials:
    """An access key pair and the scope it signs for."""

    access_key: str
    secret_key: str
    region: str = "us-east-1"
    service: str = "s3"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """The derived SigV4 signing key for one day (`YYYYMMDD`), region and service."""
    key = _hmac(f"AWS4{secret_key}".encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


def _uri_encode(text: str, *, keep_slash: bool) -> str:
    return quote(text, safe="-_.~/" if keep_slash else "-_.~")


def canonical_request(
    method: str, path: str, query: Sequence[tuple[str, str]], headers: Mapping[str, str], payload_hash: str
) -> tuple[str, str]:
    """The canonical request and the signed-headers list; `path` is not yet URI-encoded (S3 encodes once)."""
    pairs = sorted((_uri_encode(k, keep_slash=False), _uri_encode(v, keep_slash=False)) for k, v in query)
    canonical_query = "&".join(f"{k}={v}" for k, v in pairs)
    normalised = sorted((name.lower().strip(), " ".join(value.split())) for name, value in headers.items())
    canonical_headers = "".join(f"{name}:{value}\n" for name, value in normalised)
    signed = ";".join(name for name, _ in normalised)
    request = "\n".join(
        [method, _uri_encode(path, keep_slash=True), canonical_query, canonical_headers, signed, payload_hash]
    )
    return request, signed


def sigv4_authorization(
    *,
    method: str,
    path: str,
    query: Sequence[tuple[str, str]] = (),
    headers: Mapping[str, str],
    payload_hash: str,
    credentials: SigV4Credentials,
) -> str:
    """The `Authorization` header value signing every header in `headers` (which must hold X-Amz-Date)."""
    amz_date = next((v for k, v in headers.items() if k.lower() == "x-amz-date"), None)
    if amz_date is None:
        raise ValueError("SigV4 signs an X-Amz-Date header; none was given")
    request, signed = canonical_request(method, path, query, headers, payload_hash)
    scope = f"{amz_date[:8]}/{credentials.region}/{credentials.service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(request.encode()).hexdigest()])
    key = signing_key(credentials.secret_key, amz_date[:8], credentials.region, credentials.service)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed}, Signature={signature}"
    )


class S3Store:
    """Objects in a bucket of an S3-compatible service (path-style URLs, SigV4-signed, payload hashed)."""

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        credentials: SigV4Credentials,
        client: httpx.Client | None = None,
        timeout_s: float = 10.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"not an http(s) endpoint: {endpoint!r}")
        self._base = f"{parts.scheme}://{parts.netloc}"
        self._host = parts.netloc
        self._bucket = bucket
        self._credentials = credentials
        self._client = client or httpx.Client(timeout=timeout_s)
        self._clock = clock

    def put(self, data: bytes, *, content_type: str) -> StoredObject:
        """Upload `data` under a new key; the SM3 digest is also kept as object metadata."""
        key = new_key(self._clock())
        digest = sm3(data).hex()
        extra = {"Content-Type": content_type, "x-amz-meta-sm3": digest}
        self._expect(self._send("PUT", key, data, extra), {200})
        return StoredObject(key=key, sm3=digest, size=len(data), content_type=content_type)

    def get(self, key: str) -> bytes:
        """The bytes stored under `key`."""
        return self._expect(self._send("GET", key), {200}).content

    def delete(self, key: str) -> None:
        """Remove the object (S3 answers 204 whether or not it existed)."""
        self._expect(self._send("DELETE", key), {200, 204})

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""
        response = self._send("HEAD", key)
        if response.status_code == 404:
            return False
        self._expect(response, {200})
        return True

    def _send(
        self, method: str, key: str, body: bytes = b"", extra: Mapping[str, str] | None = None
    ) -> httpx.Response:
        path = f"/{self._bucket}/{check_key(key)}"
        payload_hash = hashlib.sha256(body).hexdigest()
        headers = {
            "Host": self._host,
            "x-amz-content-sha256": payload_hash,
            "x-amz-date": f"{self._clock():%Y%m%dT%H%M%SZ}",
            **(extra or {}),
        }
        headers["Authorization"] = sigv4_authorization(
            method=method,
            path=path,
            headers=headers,
            payload_hash=payload_hash,
            credentials=self._credentials,
        )
        url = self._base + _uri_encode(path, keep_slash=True)
        try:
            return self._client.request(method, url, content=body if body else None, headers=headers)
        except httpx.HTTPError as exc:
            raise StorageError(f"object store unreachable: {type(exc).__name__}") from exc

    @staticmethod
    def _expect(response: httpx.Response, ok: set[int]) -> httpx.Response:
        if response.status_code in ok:
            return response
        if response.status_code == 404:
            raise NotFound("no such object")
        raise StorageError(f"object store answered {response.status_code}")
