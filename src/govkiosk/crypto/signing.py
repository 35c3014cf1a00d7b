"""Signed HTTP messages between the platform and department business systems (webhooks both ways).

The signed string is `timestamp \\n nonce \\n method \\n path \\n SM3(body)`; the signature is HMAC-SM3 with a
shared secret, or SM2 with the sender's private key. The receiver checks the time window (default 300 s)
and that it has not seen the nonce within the window, so a captured request cannot be replayed."""

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from govkiosk.crypto import CryptoError, SM2KeyPair, hmac_sm3, sm3, verify

TIMESTAMP = "X-GK-Timestamp"
NONCE = "X-GK-Nonce"
SIGNATURE = "X-GK-Signature"  # "hmac-sm3=<hex>" or "sm2=<hex DER>"
WINDOW_S = 300


class SignatureInvalid(ValueError):
    """A message whose signature, time or nonce does not check out; the message says which."""


def signed_string(timestamp: str, nonce: str, method: str, path: str, body: bytes) -> bytes:
    """What is signed: the parts joined by newlines, the body by its SM3 digest."""
    return "\n".join([timestamp, nonce, method.upper(), path, sm3(body).hex()]).encode()


def sign_headers(
    method: str,
    path: str,
    body: bytes,
    *,
    hmac_key: bytes | None = None,
    sm2_key: SM2KeyPair | None = None,
    now: float | None = None,
) -> dict[str, str]:
    """The three headers that sign one request, with HMAC-SM3 or SM2 (exactly one key)."""
    if (hmac_key is None) == (sm2_key is None):
        raise ValueError("sign with exactly one of hmac_key and sm2_key")
    timestamp = str(int(time.time() if now is None else now))
    nonce = secrets.token_hex(16)
    message = signed_string(timestamp, nonce, method, path, body)
    if hmac_key is not None:
        signature = "hmac-sm3=" + hmac_sm3(hmac_key, message).hex()
    else:
        assert sm2_key is not None
        signature = "sm2=" + sm2_key.sign(message).hex()
    return {TIMESTAMP: timestamp, NONCE: nonce, SIGNATURE: signature}


@dataclass
class NonceCache:
    """Nonces seen within the time window (per receiving process; a database table where nodes share)."""

    window_s: int = WINDOW_S
    _seen: dict[str, float] = field(default_factory=dict)

    def add(self, nonce: str, now: float) -> bool:
        """Remember a nonce; False when it was already seen inside the window."""
        if len(self._seen) > 10_000:
            self._seen = {n: t for n, t in self._seen.items() if now - t <= self.window_s}
        if nonce in self._seen and now - self._seen[nonce] <= self.window_s:
            return False
        self._seen[nonce] = now
        return True


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    raise SignatureInvalid(f"missing header {name}")


def verify_headers(
    method: str,
    path: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    hmac_key: bytes | None = None,
    sm2_public_key: bytes | None = None,
    nonces: NonceCache | None = None,
    now: float | None = None,
) -> None:
    """Check a signed request; raise SignatureInvalid saying what is wrong."""
    now = time.time() if now is None else now
    timestamp, nonce, signature = (_header(headers, h) for h in (TIMESTAMP, NONCE, SIGNATURE))
    if not timestamp.isdigit() or abs(now - int(timestamp)) > (nonces.window_s if nonces else WINDOW_S):
        raise SignatureInvalid("timestamp outside the allowed window (check the clocks)")
    message = signed_string(timestamp, nonce, method, path, body)
    scheme, _, value = signature.partition("=")
    if scheme == "hmac-sm3" and hmac_key is not None:
        good = secrets.compare_digest(hmac_sm3(hmac_key, message).hex(), value.lower())
    elif scheme == "sm2" and sm2_public_key is not None:
        try:
            good = verify(sm2_public_key, message, bytes.fromhex(value))
        except (ValueError, CryptoError):
            good = False
    else:
        raise SignatureInvalid(f"signature scheme {scheme or '?'} is not the one agreed for this sender")
    if not good:
        raise SignatureInvalid("signature does not match")
    if nonces is not None and not nonces.add(nonce, now):
        raise SignatureInvalid("nonce already used (a replayed request)")
