"""SM2 signatures interoperate with OpenSSL's sm2 (signer ID 1234567812345678, SM3), and nonces are fresh."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from govkiosk.crypto import (
    CryptoError,
    SM2KeyPair,
    hmac_sm3,
    parse_public_key,
    signature_from_raw,
    signature_to_raw,
    sm3,
    verify,
)

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")
DISTID = "distid:1234567812345678"


def _openssl(*args: str) -> str:
    return subprocess.run(["openssl", *args], check=True, capture_output=True, text=True).stdout


def _openssl_key(tmp: Path) -> tuple[Path, SM2KeyPair]:
    key = tmp / "key.pem"
    _openssl("genpkey", "-algorithm", "SM2", "-out", str(key))
    text = _openssl("pkey", "-in", str(key), "-text", "-noout")
    blocks = re.findall(r"(priv|pub):\s*\n((?:\s+[0-9a-f:]+\n)+)", text)
    raw = {name: bytes.fromhex(re.sub(r"[\s:]", "", body)) for name, body in blocks}
    private = raw["priv"][-32:].rjust(32, b"\0")
    return key, SM2KeyPair(private_key=private, public_key=parse_public_key(raw["pub"].hex()))


def test_openssl_signature_verifies_here(tmp_path: Path) -> None:
    key, pair = _openssl_key(tmp_path)
    message = tmp_path / "msg"
    message.write_bytes("政务服务自助终端 challenge".encode())
    signature = tmp_path / "sig"
    _openssl(
        "pkeyutl",
        "-sign",
        "-inkey",
        str(key),
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        DISTID,
        "-in",
        str(message),
        "-out",
        str(signature),
    )
    assert verify(pair.public_key, message.read_bytes(), signature.read_bytes())
    assert not verify(pair.public_key, message.read_bytes() + b"!", signature.read_bytes())


def test_our_signature_verifies_in_openssl(tmp_path: Path) -> None:
    key, pair = _openssl_key(tmp_path)
    public = tmp_path / "pub.pem"
    public.write_text(_openssl("pkey", "-in", str(key), "-pubout"))
    message = tmp_path / "msg"
    message.write_bytes(b"challenge-from-the-platform")
    signature = tmp_path / "sig"
    signature.write_bytes(pair.sign(message.read_bytes()))
    out = _openssl(
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        str(public),
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        DISTID,
        "-in",
        str(message),
        "-sigfile",
        str(signature),
    )
    assert "Signature Verified Successfully" in out


def test_nonce_is_fresh_for_every_signature() -> None:
    pair = SM2KeyPair.generate()
    signatures = {pair.sign(b"same message") for _ in range(20)}
    assert len(signatures) == 20  # a repeated nonce would leak the private key
    r_values = {signature_to_raw(s)[:32] for s in signatures}
    assert len(r_values) == 20


def test_raw_and_der_round_trip() -> None:
    pair = SM2KeyPair.generate()
    signature = pair.sign(b"m")
    assert signature_from_raw(signature_to_raw(signature)) == signature
    with pytest.raises(CryptoError):
        signature_from_raw(b"short")


def test_off_curve_public_key_is_refused() -> None:
    with pytest.raises(CryptoError):
        parse_public_key("04" + "11" * 64)


def test_key_file_is_private(tmp_path: Path) -> None:
    pair = SM2KeyPair.generate()
    pair.save(tmp_path / "key")
    assert (tmp_path / "key").stat().st_mode & 0o777 == 0o600
    assert SM2KeyPair.load(tmp_path / "key") == pair


def test_sm3_and_hmac_known_answers() -> None:
    # GB/T 32905-2016 example 1
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert hmac_sm3(b"k", b"abc") != hmac_sm3(b"k2", b"abc")
