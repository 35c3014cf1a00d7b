"""National cryptography (国密) shared by the platform and the agent: SM2 signatures and SM3 digests.

SM2 comes from gmssl-pyx, a C extension over GmSSL 3.2 (the reference implementation): its nonce comes
from the operating system's CSPRNG, and signatures use the standard signer ID 1234567812345678.
See docs/decisions.md (D-003)."""

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from gmssl_pyx import normalize_sm2_public_key, sm2_key_generate, sm2_sign, sm2_verify, sm3_hash, sm3_hmac
from gmssl_pyx.gmsslext import InvalidValueError

SM2_SIGNER_ID = b"1234567812345678"


class CryptoError(ValueError):
    """A key or signature that is not well-formed."""


@dataclass(frozen=True)
class SM2KeyPair:
    """An SM2 key pair: 32-byte private scalar, 64-byte public point x||y."""

    private_key: bytes
    public_key: bytes

    @classmethod
    def generate(cls) -> "SM2KeyPair":
        public_key, private_key = sm2_key_generate()
        return cls(private_key=private_key, public_key=public_key)

    @property
    def public_hex(self) -> str:
        return self.public_key.hex()

    def sign(self, message: bytes) -> bytes:
        """A DER-encoded SM2 signature over SM3(Z || message), Z from the standard signer ID."""
        return sm2_sign(self.private_key, self.public_key, message, signer_id=SM2_SIGNER_ID)

    def save(self, path: Path) -> None:
        """Write the private key (hex) readable by the owner only (mode 0600)."""
        write_private(path, self.private_key.hex() + "\n" + self.public_key.hex() + "\n")

    @classmethod
    def load(cls, path: Path) -> "SM2KeyPair":
        private_hex, public_hex = path.read_text().split()
        return cls(private_key=bytes.fromhex(private_hex), public_key=bytes.fromhex(public_hex))


def write_private(path: Path, text: str) -> None:
    """Write a secret to a file only its owner can read: mode 0600 from creation, and again if the file
    existed with looser bits."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def parse_public_key(value: str) -> bytes:
    """A public key given as hex (64 bytes x||y, or 65 bytes with the 04 prefix), checked on the curve."""
    try:
        return normalize_sm2_public_key(value)
    except (InvalidValueError, ValueError) as exc:
        raise CryptoError("not an SM2 public key on the curve") from exc


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether `signature` (DER) is a valid SM2 signature of `message` under `public_key`."""
    try:
        return bool(sm2_verify(public_key, message, signature, signer_id=SM2_SIGNER_ID))
    except (InvalidValueError, ValueError):
        return False


def signature_to_raw(signature: bytes) -> bytes:
    """DER (r, s) → the 64-byte r||s form some vendors' SDKs use."""
    r, s = decode_dss_signature(signature)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def signature_from_raw(raw: bytes) -> bytes:
    """64-byte r||s → DER."""
    if len(raw) != 64:
        raise CryptoError("a raw SM2 signature has 64 bytes")
    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))


def sm3(data: bytes) -> bytes:
    """The SM3 digest of `data`."""
    return sm3_hash(data)


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC-SM3 of `data` under `key`."""
    return sm3_hmac(key, data)
