"""Personal data sealed at rest with SM4-GCM (GB/T 32907 block cipher, GCM mode), keys from the settings.

A sealed value reads `v1:<key id>:<base64url(nonce || ciphertext || tag)>`: a 12-byte random nonce, a
16-byte tag. The associated data binds the version, the key id and the value's purpose (its column, such as
`cases.applicant_id_number`), so a value copied into another column, or relabelled with another key id, no
longer opens. The key id travels with the value, so keys rotate: new data uses the current key, old data
opens with the key it names until `rotate` re-seals it.
"""

import base64
import re
import secrets
from collections.abc import Mapping

import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from govkiosk.crypto import hmac_sm3, sm3
from govkiosk.platform.core.errors import DomainError
from govkiosk.platform.core.settings import Settings

log = structlog.get_logger("govkiosk.sealing")
VERSION = "v1"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
PURPOSE = re.compile(r"^[a-z0-9_.]{1,64}$")
_DERIVATION_LABEL = b"govkiosk data key v1"


class SealingError(DomainError):
    """A sealed value could not be opened: unknown key, wrong purpose, damaged or not a sealed value."""

    status_code = 500
    code = "sealing_failed"


def _check_purpose(purpose: str) -> bytes:
    if not PURPOSE.fullmatch(purpose):
        raise ValueError(f"invalid sealing purpose {purpose!r}")
    return purpose.encode()


class Sealer:
    """Seals and opens values with SM4-GCM under named keys; new values use the current key."""

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        for key_id, key in keys.items():
            if not KEY_ID.fullmatch(key_id):
                raise ValueError(f"invalid data key id {key_id!r} (letters, digits, . _ -; at most 32)")
            if len(key) != 16:
                raise ValueError(f"data key {key_id!r} must be 16 bytes (32 hex characters)")
        if current not in keys:
            raise ValueError(f"the current data key {current!r} is not among the configured keys")
        self._keys = dict(keys)
        self.current = current

    @classmethod
    def from_settings(cls, settings: Settings) -> "Sealer":
        """The configured keys; without any, a development key derived from `secret_key` (with a warning)."""
        if settings.data_keys:
            keys = {k: _parse_key(k, v.get_secret_value()) for k, v in settings.data_keys.items()}
            current = settings.data_key_id or next(iter(keys))
            return cls(keys, current)
        # Without a secret_key either, a fixed well-known seed: fine for a demo, worthless as protection.
        seed = settings.secret_key.encode() or b"govkiosk development only"
        key = hmac_sm3(seed, _DERIVATION_LABEL)[:16]
        key_id = f"dev-{sm3(key).hex()[:8]}"  # another secret gives another id: a clear error, not a bad tag
        log.warning(
            "no data keys configured: personal data is sealed with a key derived from secret_key; "
            "set GOVKIOSK_DATA_KEYS and GOVKIOSK_DATA_KEY_ID in production",
            key_id=key_id,
            secret_key_set=bool(settings.secret_key),
        )
        return cls({key_id: key}, key_id)

    @property
    def key_ids(self) -> frozenset[str]:
        """The ids of every key this sealer can open with."""
        return frozenset(self._keys)

    def seal(self, plaintext: bytes, *, purpose: str) -> str:
        """`plaintext` sealed under the current key for one purpose."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        encryptor = Cipher(algorithms.SM4(self._keys[self.current]), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(_associated(self.current, purpose))
        body = encryptor.update(plaintext) + encryptor.finalize()
        packed = base64.urlsafe_b64encode(nonce + body + encryptor.tag).rstrip(b"=").decode()
        return f"{VERSION}:{self.current}:{packed}"

    def open(self, sealed: str, *, purpose: str) -> bytes:
        """The plaintext of a value sealed for `purpose`; `SealingError` if it is not exactly that."""
        key_id, raw = self._split(sealed)
        nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
        decryptor = Cipher(algorithms.SM4(self._keys[key_id]), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(_associated(key_id, purpose))
        try:
            return decryptor.update(body) + decryptor.finalize()
        except InvalidTag:
            raise SealingError(
                f"sealed value does not open for {purpose!r}: damaged, moved from another purpose, "
                f"or key {key_id!r} is not the key it was sealed with"
            ) from None

    def seal_text(self, text: str, *, purpose: str) -> str:
        """A string sealed (UTF-8)."""
        return self.seal(text.encode(), purpose=purpose)

    def open_text(self, sealed: str, *, purpose: str) -> str:
        """A sealed string opened (UTF-8)."""
        return self.open(sealed, purpose=purpose).decode()

    def key_id_of(self, sealed: str) -> str:
        """The id of the key a value was sealed with (without opening it)."""
        return self._split(sealed)[0]

    def rotate(self, sealed: str, *, purpose: str) -> str:
        """The value re-sealed under the current key (unchanged if it already uses it)."""
        if self.key_id_of(sealed) == self.current:
            return sealed
        return self.seal(self.open(sealed, purpose=purpose), purpose=purpose)

    def _split(self, sealed: str) -> tuple[str, bytes]:
        parts = sealed.split(":") if isinstance(sealed, str) else []
        if len(parts) != 3 or parts[0] != VERSION:
            raise SealingError("not a sealed value (expected v1:<key id>:<data>)")
        key_id, packed = parts[1], parts[2]
        if key_id not in self._keys:
            raise SealingError(
                f"sealed with unknown data key {key_id!r}; configured: {', '.join(sorted(self._keys))}"
            )
        try:
            raw = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        except ValueError:
            raise SealingError("sealed value is not valid base64url") from None
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise SealingError("sealed value is too short")
        return key_id, raw


def _associated(key_id: str, purpose: str) -> bytes:
    return f"{VERSION}:{key_id}:".encode() + _check_purpose(purpose)


def _parse_key(key_id: str, text: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise ValueError(f"data key {key_id!r} is not hexadecimal") from None
    if len(key) != 16:
        raise ValueError(f"data key {key_id!r} must be 32 hex characters (a 16-byte SM4 key)")
    return key
