"""Signed webhooks: HMAC-SM3 and SM2 both ways, the time window, replays, tampering."""

import pytest

from govkiosk.crypto import SM2KeyPair
from govkiosk.crypto.signing import NonceCache, SignatureInvalid, sign_headers, verify_headers

BODY = b'{"case_number": "K440304-20261128-000123-7"}'


def test_hmac_sm3_round_trip_and_tampering() -> None:
    key = b"k" * 32
    headers = sign_headers("POST", "/hook", BODY, hmac_key=key, now=1_000)
    verify_headers("POST", "/hook", BODY, headers, hmac_key=key, now=1_010)
    for changed in (("POST", "/hook", BODY + b" "), ("POST", "/other", BODY), ("PUT", "/hook", BODY)):
        with pytest.raises(SignatureInvalid, match="does not match"):
            verify_headers(*changed, headers, hmac_key=key, now=1_010)
    with pytest.raises(SignatureInvalid, match="does not match"):
        verify_headers("POST", "/hook", BODY, headers, hmac_key=b"x" * 32, now=1_010)


def test_sm2_round_trip_and_a_wrong_key() -> None:
    sender, other = SM2KeyPair.generate(), SM2KeyPair.generate()
    headers = sign_headers("POST", "/hook", BODY, sm2_key=sender, now=1_000)
    verify_headers("POST", "/hook", BODY, headers, sm2_public_key=sender.public_key, now=1_000)
    with pytest.raises(SignatureInvalid, match="does not match"):
        verify_headers("POST", "/hook", BODY, headers, sm2_public_key=other.public_key, now=1_000)
    with pytest.raises(SignatureInvalid, match="scheme"):
        verify_headers("POST", "/hook", BODY, headers, hmac_key=b"k", now=1_000)


def test_old_messages_and_replays_are_refused() -> None:
    key = b"k" * 32
    headers = sign_headers("POST", "/hook", BODY, hmac_key=key, now=1_000)
    with pytest.raises(SignatureInvalid, match="window"):
        verify_headers("POST", "/hook", BODY, headers, hmac_key=key, now=1_000 + 301)
    nonces = NonceCache()
    verify_headers("POST", "/hook", BODY, headers, hmac_key=key, nonces=nonces, now=1_001)
    with pytest.raises(SignatureInvalid, match="replayed"):
        verify_headers("POST", "/hook", BODY, headers, hmac_key=key, nonces=nonces, now=1_002)
    with pytest.raises(SignatureInvalid, match="missing header"):
        verify_headers("POST", "/hook", BODY, {}, hmac_key=key)
