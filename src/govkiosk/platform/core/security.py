"""Secrets: password hashing (argon2), random tokens stored as hashes, signed terminal tokens."""

import base64
import hashlib
import hmac
import json
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from govkiosk.crypto import hmac_sm3

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches; constant-time inside argon2."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token(nbytes: int = 32) -> str:
    """A random URL-safe secret."""
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """What the database stores instead of a secret token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Signs small claims with HMAC-SM3, so terminal tokens and challenges need no database read."""

    def __init__(self, key: bytes):
        self._key = key

    def sign(self, claims: dict, *, ttl_s: int, purpose: str) -> str:
        body = dict(claims, exp=int(time.time()) + ttl_s, pur=purpose)
        payload = _b64(json.dumps(body, separators=(",", ":")).encode())
        return payload + "." + _b64(hmac_sm3(self._key, payload.encode()))

    def verify(self, token: str, *, purpose: str) -> dict | None:
        """The claims of a valid, unexpired token of this purpose; None otherwise."""
        payload, _, mac = token.partition(".")
        if not mac:
            return None
        try:
            expected = hmac_sm3(self._key, payload.encode())
            if not hmac.compare_digest(expected, _unb64(mac)):
                return None
            claims = json.loads(_unb64(payload))
        except (ValueError, TypeError):
            return None
        if claims.get("pur") != purpose or claims.get("exp", 0) < time.time():
            return None
        return claims
