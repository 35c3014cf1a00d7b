"""Sealing personal data with SM4-GCM: round trips, purpose binding, tampering, unknown keys, rotation."""

import base64

import pytest
from pydantic import SecretStr

from govkiosk.platform.core.sealing import Sealer, SealingError
from tests.conftest import make_settings

OLD, NEW = (
    bytes.fromhex("00112233445566778899aabbccddeeff"),
    bytes.fromhex("ffeeddccbbaa99887766554433221100"),
)
ID_NUMBER = b"44030419900101002X"


def test_a_sealed_value_opens_for_its_purpose_and_shows_its_key_id() -> None:
    sealer = Sealer({"k1": OLD}, "k1")
    sealed = sealer.seal(ID_NUMBER, purpose="cases.applicant_id_number")
    version, key_id, packed = sealed.split(":")
    assert (version, key_id) == ("v1", "k1") and ID_NUMBER not in sealed.encode()
    assert len(base64.urlsafe_b64decode(packed + "==")) == 12 + len(ID_NUMBER) + 16  # nonce, body, tag
    assert sealer.open(sealed, purpose="cases.applicant_id_number") == ID_NUMBER
    assert sealer.seal(ID_NUMBER, purpose="cases.applicant_id_number") != sealed  # a fresh nonce each time
    assert sealer.open(sealer.seal(b"", purpose="materials"), purpose="materials") == b""


def test_a_value_moved_to_another_column_does_not_open() -> None:
    sealer = Sealer({"k1": OLD}, "k1")
    sealed = sealer.seal(ID_NUMBER, purpose="cases.applicant_id_number")
    with pytest.raises(SealingError, match="cases.applicant_phone"):
        sealer.open(sealed, purpose="cases.applicant_phone")


def test_tampering_is_detected() -> None:
    sealer = Sealer({"k1": OLD, "k2": NEW}, "k1")
    sealed = sealer.seal(ID_NUMBER, purpose="cases.applicant_id_number")
    prefix, packed = sealed.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)))
    raw[14] ^= 0x01  # one bit of the ciphertext
    flipped = f"{prefix}:{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}"
    with pytest.raises(SealingError):
        sealer.open(flipped, purpose="cases.applicant_id_number")
    relabelled = sealed.replace(":k1:", ":k2:")  # the key id is bound too
    with pytest.raises(SealingError):
        sealer.open(relabelled, purpose="cases.applicant_id_number")
    for junk in ("44030419900101002X", "v1:k1:", "v2:k1:AAAA", "v1:k1:!!!!"):
        with pytest.raises(SealingError):
            sealer.open(junk, purpose="cases.applicant_id_number")


def test_an_unknown_key_id_is_a_clear_error() -> None:
    sealed = Sealer({"k1": OLD}, "k1").seal(ID_NUMBER, purpose="materials")
    with pytest.raises(SealingError, match="unknown data key 'k1'"):
        Sealer({"k2": NEW}, "k2").open(sealed, purpose="materials")


def test_rotation_reseals_old_values_with_the_current_key() -> None:
    before = Sealer({"k1": OLD}, "k1")
    sealed = before.seal(ID_NUMBER, purpose="cases.data")
    after = Sealer({"k1": OLD, "k2": NEW}, "k2")
    assert after.open(sealed, purpose="cases.data") == ID_NUMBER  # old data still opens
    rotated = after.rotate(sealed, purpose="cases.data")
    assert after.key_id_of(rotated) == "k2" and after.open(rotated, purpose="cases.data") == ID_NUMBER
    assert after.rotate(rotated, purpose="cases.data") == rotated  # already current: unchanged
    with pytest.raises(SealingError):
        Sealer({"k2": NEW}, "k2").open(sealed, purpose="cases.data")  # k1 retired too early


def test_keys_come_from_the_settings_or_are_derived_for_development() -> None:
    settings = make_settings(
        "sqlite://",
        data_keys={"2026a": SecretStr(OLD.hex()), "2026b": SecretStr(NEW.hex())},
        data_key_id="2026b",
    )
    configured = Sealer.from_settings(settings)
    assert configured.current == "2026b" and configured.key_ids == {"2026a", "2026b"}
    derived = Sealer.from_settings(make_settings("sqlite://"))
    again = Sealer.from_settings(make_settings("sqlite://"))
    sealed = derived.seal(ID_NUMBER, purpose="materials")
    assert derived.current.startswith("dev-") and again.open(sealed, purpose="materials") == ID_NUMBER
    other = Sealer.from_settings(make_settings("sqlite://", secret_key="another-secret-key-000000"))
    assert other.current != derived.current
    with pytest.raises(ValueError, match="32 hex"):
        Sealer.from_settings(make_settings("sqlite://", data_keys={"k": SecretStr("abcd")}))
    with pytest.raises(ValueError, match="not among"):
        Sealer({"k1": OLD}, "k9")
