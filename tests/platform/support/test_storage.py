"""Object storage: local directory (atomic, private, traversal-proof) and S3 (SigV4 against AWS's vectors)."""

import hashlib
import hmac
import os
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from govkiosk.crypto import sm3
from govkiosk.platform.core.errors import InvalidInput, NotFound
from govkiosk.platform.support import storage
from govkiosk.platform.support.storage import (
    LocalStore,
    S3Store,
    SigV4Credentials,
    StorageError,
    signing_key,
    sigv4_authorization,
)

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)

# ---- local directory -----------------------------------------------------------------------------


def test_local_roundtrip_with_server_generated_key(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects", clock=lambda: NOW)
    stored = store.put(b"%PDF-1.4 hello", content_type="application/pdf")
    assert stored.key.startswith("2026/11/28/") and len(stored.key.rsplit("/", 1)[1]) == 22
    assert stored.sm3 == sm3(b"%PDF-1.4 hello").hex() and stored.size == 14
    assert store.exists(stored.key) and store.get(stored.key) == b"%PDF-1.4 hello"
    assert store.put(b"x", content_type="image/png").key != stored.key
    store.delete(stored.key)
    store.delete(stored.key)  # idempotent
    assert not store.exists(stored.key)
    with pytest.raises(NotFound):
        store.get(stored.key)


def test_local_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        store = LocalStore(tmp_path / "objects", clock=lambda: NOW)
        stored = store.put(b"secret", content_type="image/png")
    finally:
        os.umask(old)
    path = store.root / stored.key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for directory in [store.root, *[p for p in path.parents if p.is_relative_to(store.root)]]:
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory


def test_a_failed_rename_leaves_no_partial_object(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalStore(tmp_path / "objects", clock=lambda: NOW)

    def crash(src: str, dst: str) -> None:
        raise OSError("simulated crash before rename")

    monkeypatch.setattr(os, "rename", crash)
    with pytest.raises(OSError, match="simulated crash"):
        store.put(b"half written", content_type="image/png")
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        "2026/11/28/../../../../etc/passwd",
        "/etc/passwd",
        "2026/11/28/aaaaaaaaaaaaaaaaaaaaa/",
        "2026/11/28/aaaaaaaaaaaaaaaaaaaa..",
        "2026/11/28/aaaaaaaaaaaaaaaaaaaaaa\n",
        "2026\\11\\28\\aaaaaaaaaaaaaaaaaaaaaa",
        "2026/11/28/passport.pdf",
        "",
    ],
)
def test_traversal_and_foreign_keys_rejected(tmp_path: Path, key: str) -> None:
    store = LocalStore(tmp_path / "objects")
    for call in (store.get, store.delete, store.exists):
        with pytest.raises(InvalidInput):
            call(key)


# ---- SigV4, re-derived here from the AWS documentation ------------------------------------------------


def _derive(secret: str, scope: list[str]) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in scope:
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def reference_signature(secret: str, amz_date: str, scope: str, creq: str) -> str:
    """Signature of a canonical request, written independently of the code under test."""
    sts = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(creq.encode()).hexdigest()}"
    return hmac.new(_derive(secret, scope.split("/")), sts.encode(), hashlib.sha256).hexdigest()


SUITE = SigV4Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service")
S3_DOCS = SigV4Credentials(
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3"
)
EMPTY = storage.EMPTY_SHA256


def test_signing_key_matches_the_documented_derivation() -> None:
    key = signing_key(SUITE.secret_key, "20150830", "us-east-1", "iam")
    assert key.hex() == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
    assert key == _derive(SUITE.secret_key, ["20150830", "us-east-1", "iam", "aws4_request"])


def test_the_fake_servers_reference_reproduces_get_vanilla() -> None:
    creq = "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EMPTY
    signature = reference_signature(
        SUITE.secret_key, "20150830T123600Z", "20150830/us-east-1/service/aws4_request", creq
    )
    assert signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"


@pytest.mark.parametrize(
    ("query", "signature"),
    [
        ((), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),  # get-vanilla
        (
            (("Param2", "value2"), ("Param1", "value1")),  # get-vanilla-query-order-key-case
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        ),
    ],
)
def test_sigv4_test_suite_vectors(query: tuple[tuple[str, str], ...], signature: str) -> None:
    headers = {"Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z"}
    value = sigv4_authorization(
        method="GET", path="/", query=query, headers=headers, payload_hash=EMPTY, credentials=SUITE
    )
    assert value == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={signature}"
    )


def test_s3_documentation_examples() -> None:
    base = {"Host": "examplebucket.s3.amazonaws.com", "x-amz-date": "20130524T000000Z"}
    get = sigv4_authorization(
        method="GET",
        path="/test.txt",
        headers={**base, "Range": "bytes=0-9", "x-amz-content-sha256": EMPTY},
        payload_hash=EMPTY,
        credentials=S3_DOCS,
    )
    assert get.endswith(
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
    body_hash = hashlib.sha256(b"Welcome to Amazon S3.").hexdigest()
    assert body_hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
    put = sigv4_authorization(
        method="PUT",
        path="/test$file.text",
        headers={
            **base,
            "Date": "Fri, 24 May 2013 00:00:00 GMT",
            "x-amz-content-sha256": body_hash,
            "x-amz-storage-class": "REDUCED_REDUNDANCY",
        },
        payload_hash=body_hash,
        credentials=S3_DOCS,
    )
    assert put.endswith("Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    listing = sigv4_authorization(
        method="GET",
        path="/",
        query=[("max-keys", "2"), ("prefix", "J")],
        headers={**base, "x-amz-content-sha256": EMPTY},
        payload_hash=EMPTY,
        credentials=S3_DOCS,
    )
    assert listing.endswith("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")


# ---- a fake S3 server that checks signatures its own way ------------------------------------------------


class FakeS3:
    """Path-style PUT/GET/HEAD/DELETE of one bucket; 403 for a request whose signature does not verify."""

    def __init__(self, access_key: str, secret_key: str) -> None:
        self.credentials = {access_key: secret_key}
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.requests: list[tuple[str, str]] = []

    def verify(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> bool:
        auth = headers.get("authorization", "")
        algorithm, _, rest = auth.partition(" ")
        fields = dict(part.strip().split("=", 1) for part in rest.split(","))
        access_key, scope = fields["Credential"].split("/", 1)
        signed = fields["SignedHeaders"].split(";")
        if algorithm != "AWS4-HMAC-SHA256" or access_key not in self.credentials:
            return False
        if hashlib.sha256(body).hexdigest() != headers.get("x-amz-content-sha256"):
            return False
        if not {"host", "x-amz-date", "x-amz-content-sha256"} <= set(signed):
            return False
        path, _, query = raw_path.partition("?")
        canonical_query = "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(query, keep_blank_values=True)))
        canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed)
        creq = "\n".join(
            [
                method,
                path,
                canonical_query,
                canonical_headers,
                ";".join(signed),
                headers["x-amz-content-sha256"],
            ]
        )
        expected = reference_signature(self.credentials[access_key], headers["x-amz-date"], scope, creq)
        return hmac.compare_digest(expected, fields["Signature"])

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        self.requests.append((method, raw_path))
        if not self.verify(method, raw_path, headers, body):
            return 403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>"
        key = urlsplit(raw_path).path
        if method == "PUT":
            self.objects[key] = (body, headers.get("content-type", ""))
            return 200, b""
        if method == "DELETE":
            self.objects.pop(key, None)
            return 204, b""
        if key not in self.objects:
            return 404, b"<Error><Code>NoSuchKey</Code></Error>"
        return 200, self.objects[key][0]


@pytest.fixture
def fake_s3() -> Iterator[tuple[FakeS3, str]]:
    fake = FakeS3(S3_DOCS.access_key, S3_DOCS.secret_key)

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload = fake.handle(self.command, self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_PUT = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_s3_roundtrip_against_fake_server(fake_s3: tuple[FakeS3, str]) -> None:
    fake, endpoint = fake_s3
    store = S3Store(endpoint=endpoint, bucket="materials", credentials=S3_DOCS, clock=lambda: NOW)
    stored = store.put(b"\x89PNG\r\n\x1a\nrest", content_type="image/png")
    assert stored.key.startswith("2026/11/28/")
    assert fake.objects[f"/materials/{stored.key}"] == (b"\x89PNG\r\n\x1a\nrest", "image/png")
    assert store.exists(stored.key) and store.get(stored.key) == b"\x89PNG\r\n\x1a\nrest"
    store.delete(stored.key)
    assert not store.exists(stored.key)
    with pytest.raises(NotFound):
        store.get(stored.key)
    assert [m for m, _ in fake.requests] == ["PUT", "HEAD", "GET", "DELETE", "HEAD", "GET"]


def test_s3_wrong_secret_is_refused(fake_s3: tuple[FakeS3, str]) -> None:
    fake, endpoint = fake_s3
    wrong = SigV4Credentials(S3_DOCS.access_key, "not-the-secret", "us-east-1", "s3")
    store = S3Store(endpoint=endpoint, bucket="materials", credentials=wrong)
    with pytest.raises(StorageError, match="403"):
        store.put(b"%PDF-1.7", content_type="application/pdf")
    assert fake.objects == {}


def test_s3_rejects_bad_keys_before_any_request() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request should be sent")

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    store = S3Store(endpoint="http://s3.local", bucket="b", credentials=S3_DOCS, client=client)
    with pytest.raises(InvalidInput):
        store.get("../other-bucket/secret")


def test_s3_unreachable_is_a_storage_error() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = httpx.Client(transport=httpx.MockTransport(down))
    store = S3Store(endpoint="http://s3.local", bucket="b", credentials=S3_DOCS, client=client)
    with pytest.raises(StorageError, match="unreachable"):
        store.put(b"%PDF-1.7", content_type="application/pdf")
