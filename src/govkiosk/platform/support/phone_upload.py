"""Material upload from the citizen's phone (手机扫码上传): the kiosk shows a QR code of a one-time link.

The handshake: the kiosk asks for a session for one material slot and shows `https://<platform>/u/<token>`
as a QR code; the phone posts the file to that link once before it expires; the kiosk polls `uploaded`
for the stored material. Session state sits behind `UploadSessionStore`: `InMemoryUploadSessionStore`
serves one platform node and tests; a database-backed store (needed when several nodes share the work)
comes with the cases domain. Stores key sessions by the token's SM3 digest, never the token itself.
"""

import secrets
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from govkiosk.contracts.terminal_api import MaterialRef
from govkiosk.crypto import sm3
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.core.errors import Conflict, Gone, InvalidInput, NotFound
from govkiosk.platform.support.materials import DEFAULT_ALLOWED, DEFAULT_MAX_BYTES, check_material
from govkiosk.platform.support.storage import ObjectStore

MAX_TTL_S = 3600


@dataclass(frozen=True)
class UploadSession:
    """One QR upload link: which slot it fills, until when, and what was uploaded through it."""

    token_digest: str
    slot: str
    expires_at: datetime
    claimed_at: datetime | None = None
    material: MaterialRef | None = None


class UploadSessionStore(Protocol):
    """Where upload sessions live; `claim` must be atomic, so two uploads cannot both win."""

    def add(self, session: UploadSession) -> None: ...

    def get(self, token_digest: str) -> UploadSession | None: ...

    def claim(self, token_digest: str, *, now: datetime) -> UploadSession | None:
        """Mark an unclaimed, unexpired session claimed and return it; None when that is not possible."""
        ...

    def complete(self, token_digest: str, material: MaterialRef) -> None: ...

    def release(self, token_digest: str) -> None:
        """Undo a claim whose upload could not be stored, so the citizen can try again."""
        ...

    def purge_expired(self, *, now: datetime) -> int: ...


class InMemoryUploadSessionStore:
    """Upload sessions in this process's memory (one node, tests)."""

    def __init__(self) -> None:
        self._sessions: dict[str, UploadSession] = {}
        self._lock = threading.Lock()

    def add(self, session: UploadSession) -> None:
        with self._lock:
            self._sessions[session.token_digest] = session

    def get(self, token_digest: str) -> UploadSession | None:
        with self._lock:
            return self._sessions.get(token_digest)

    def claim(self, token_digest: str, *, now: datetime) -> UploadSession | None:
        with self._lock:
            session = self._sessions.get(token_digest)
            if session is None or session.claimed_at is not None or session.expires_at <= now:
                return None
            self._sessions[token_digest] = replace(session, claimed_at=now)
            return self._sessions[token_digest]

    def complete(self, token_digest: str, material: MaterialRef) -> None:
        with self._lock:
            self._sessions[token_digest] = replace(self._sessions[token_digest], material=material)

    def release(self, token_digest: str) -> None:
        with self._lock:
            self._sessions[token_digest] = replace(self._sessions[token_digest], claimed_at=None)

    def purge_expired(self, *, now: datetime) -> int:
        """Forget sessions past their expiry; the number forgotten."""
        with self._lock:
            expired = [k for k, s in self._sessions.items() if s.expires_at <= now]
            for key in expired:
                del self._sessions[key]
            return len(expired)


def token_digest(token: str) -> str:
    """The SM3 digest (hex) under which a session is stored."""
    return sm3(token.encode()).hex()


class PhoneUploads:
    """Phone-upload sessions: create one per slot, accept one checked file per session."""

    def __init__(
        self,
        *,
        store: ObjectStore,
        sessions: UploadSessionStore,
        public_base_url: str,
        max_bytes: int = DEFAULT_MAX_BYTES,
        allowed: Collection[str] = DEFAULT_ALLOWED,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._sessions = sessions
        self._base = public_base_url.rstrip("/")
        self._max_bytes = max_bytes
        self._allowed = allowed
        self._clock = clock

    def create_upload_session(self, slot: str, ttl_s: int = 600) -> tuple[str, datetime]:
        """A new one-time token for `slot` and when it expires."""
        if not slot or len(slot) > 100:
            raise InvalidInput("a material slot name has 1 to 100 characters")
        if not 0 < ttl_s <= MAX_TTL_S:
            raise InvalidInput(f"ttl_s must be between 1 and {MAX_TTL_S}")
        token = secrets.token_urlsafe(32)
        expires_at = self._clock() + timedelta(seconds=ttl_s)
        self._sessions.add(UploadSession(token_digest=token_digest(token), slot=slot, expires_at=expires_at))
        return token, expires_at

    def upload_url(self, token: str) -> str:
        """The link the QR code shows."""
        return f"{self._base}/u/{token}"

    def accept_upload(self, token: str, data: bytes, content_type: str | None) -> MaterialRef:
        """Check and store the phone's file; a link works once and only until it expires."""
        digest = token_digest(token)
        self._usable(digest)
        sniffed = check_material(
            data, declared_type=content_type, max_bytes=self._max_bytes, allowed=self._allowed
        )
        session = self._sessions.claim(digest, now=self._clock())
        if session is None:
            self._usable(digest)  # lost a race or expired meanwhile: say which
            raise Conflict("上传链接已被使用 / this upload link has already been used", code="upload_used")
        try:
            stored = self._store.put(data, content_type=sniffed)
        except BaseException:
            self._sessions.release(digest)
            raise
        material = MaterialRef(
            slot=session.slot,
            object_key=stored.key,
            sm3=stored.sm3,
            size=stored.size,
            content_type=stored.content_type,
            source="phone_upload",
        )
        self._sessions.complete(digest, material)
        return material

    def uploaded(self, token: str) -> MaterialRef | None:
        """What the phone uploaded through this link so far (the kiosk polls this)."""
        session = self._sessions.get(token_digest(token))
        if session is None:
            raise NotFound("no such upload link")
        return session.material

    def _usable(self, digest: str) -> UploadSession:
        session = self._sessions.get(digest)
        if session is None:
            raise NotFound("上传链接无效 / unknown upload link", code="upload_unknown")
        if session.claimed_at is not None:
            raise Conflict("上传链接已被使用 / this upload link has already been used", code="upload_used")
        if session.expires_at <= self._clock():
            raise Gone(
                "上传链接已过期，请在终端上重新扫码 / the upload link has expired", code="upload_expired"
            )
        return session
