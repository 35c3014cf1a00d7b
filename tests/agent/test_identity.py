"""Identity through the simulated devices: ID card + face, the mobile app code, and every failure path."""

import json
from typing import Any

import httpx
import pytest

from govkiosk.agent.citizen.errors import MESSAGES, IdentityError
from govkiosk.agent.citizen.face import (
    HttpFaceComparer,
    SimulatedFaceComparer,
    SimulatedFaceFault,
    hmac_matches,
    signing_string,
)
from govkiosk.agent.citizen.identity import IdCardFaceIdentifier, MobileAppIdentifier
from govkiosk.agent.citizen.mobile import SimulatedMobileIdentityProvider
from govkiosk.agent.devices.barcode_reader import SimulatedBarcodeReader
from govkiosk.agent.devices.biometric import SimulatedBiometric
from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.id_card_reader import synthetic_cards
from govkiosk.contracts.devices import BarcodeData, LivenessResult
from govkiosk.crypto import SM2KeyPair, verify

CARD = synthetic_cards()[0]


def kiosk() -> DeviceSet:
    return DeviceSet.simulated(["IdCardReader", "Biometric", "Camera", "BarcodeReader"])


async def failure_of(identifier: IdCardFaceIdentifier | MobileAppIdentifier) -> IdentityError:
    with pytest.raises(IdentityError) as caught:
        await identifier.identify()
    error = caught.value
    assert (
        (error.message_zh, error.message_en) == MESSAGES[error.code] and error.message_zh and error.message_en
    )
    return error


# --- ID card + face --------------------------------------------------------------------------------


async def test_card_and_face_establish_a_high_assurance_simulated_identity() -> None:
    result = await IdCardFaceIdentifier(kiosk(), SimulatedFaceComparer()).identify()
    assert (result.name, result.id_number, result.method) == (CARD.name, CARD.idNumber, "idcard_face")
    assert result.assurance == "high" and result.simulated is True
    assert result.face_score is not None and 0.9 <= result.face_score <= 0.99
    assert result.card_photo.startswith(b"\x89PNG") and result.live_image.startswith(b"\x89PNG")


async def test_the_simulated_comparer_is_deterministic_and_says_so() -> None:
    comparer = SimulatedFaceComparer()
    first, second = await comparer.compare(b"card", b"face"), await comparer.compare(b"card", b"face")
    assert first == second and first.simulated and first.decision == "match"


async def test_card_removed_mid_read() -> None:
    devices = kiosk()
    devices.inject("IdCardReader", "card_removed")
    assert (await failure_of(IdCardFaceIdentifier(devices, SimulatedFaceComparer()))).code == "card_removed"


async def test_no_card_until_the_timeout() -> None:
    devices = kiosk()
    devices.inject("IdCardReader", "no_media")
    identifier = IdCardFaceIdentifier(devices, SimulatedFaceComparer(), timeout_s=0.05)
    assert (await failure_of(identifier)).code == "no_card"


async def test_a_broken_camera_is_device_unavailable() -> None:
    devices = kiosk()
    devices.inject("Camera", "hardware_error")
    assert (
        await failure_of(IdCardFaceIdentifier(devices, SimulatedFaceComparer()))
    ).code == "device_unavailable"


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("mismatch", "face_mismatch"),
        ("liveness_failure", "liveness_failed"),
        ("unavailable", "provider_unavailable"),
    ],
)
async def test_face_comparer_faults(fault: SimulatedFaceFault, code: str) -> None:
    comparer = SimulatedFaceComparer(fault=fault)
    assert (await failure_of(IdCardFaceIdentifier(kiosk(), comparer))).code == code
    assert comparer.calls == 1


async def test_a_failed_device_liveness_check_stops_before_comparing() -> None:
    class NotLive(SimulatedBiometric):
        async def liveness(self) -> LivenessResult:
            return LivenessResult(live=False, score=0.1)

    devices = kiosk()
    devices.get("Biometric").driver = NotLive()
    comparer = SimulatedFaceComparer()
    assert (await failure_of(IdCardFaceIdentifier(devices, comparer))).code == "liveness_failed"
    assert comparer.calls == 0


# --- the real-service adapter against a fake server ------------------------------------------------


def face_service(check: Any, answer: dict[str, Any] | None = None, status: int = 200) -> httpx.AsyncClient:
    def handle(request: httpx.Request) -> httpx.Response:
        check(request)
        return httpx.Response(status, json=answer or {"score": 0.93, "decision": "match"})

    return httpx.AsyncClient(transport=httpx.MockTransport(handle))


def _signed_text(request: httpx.Request) -> bytes:
    headers = request.headers
    return signing_string(
        request.url.path, headers["x-app-id"], headers["x-timestamp"], headers["x-nonce"], request.content
    )


async def test_http_comparer_signs_with_sm2() -> None:
    keys, seen = SM2KeyPair.generate(), []

    def check(request: httpx.Request) -> None:
        assert request.headers["x-signature-method"] == "SM2"
        assert verify(keys.public_key, _signed_text(request), bytes.fromhex(request.headers["x-signature"]))
        seen.append(json.loads(request.content))

    async with face_service(check) as http:
        comparer = HttpFaceComparer(
            http, endpoint="https://face.test/v1/compare", app_id="kiosk-app", sm2_key=keys
        )
        result = await comparer.compare(b"card", b"live")
    assert result.decision == "match" and result.simulated is False and seen[0]["card_photo"] == "Y2FyZA=="


async def test_http_comparer_signs_with_hmac_sm3_and_applies_our_threshold() -> None:
    key = b"shared-secret-16"

    def check(request: httpx.Request) -> None:
        assert request.headers["x-signature-method"] == "HMAC-SM3"
        assert hmac_matches(key, _signed_text(request), request.headers["x-signature"])

    async with face_service(check, {"score": 0.5, "decision": "match"}) as http:
        comparer = HttpFaceComparer(http, endpoint="https://face.test/v1/compare", app_id="a", hmac_key=key)
        assert (await comparer.compare(b"c", b"l")).decision == "mismatch"


@pytest.mark.parametrize("status", [500, 503])
async def test_http_comparer_outage_is_provider_unavailable(status: int) -> None:
    async with face_service(lambda request: None, status=status) as http:
        comparer = HttpFaceComparer(http, endpoint="https://face.test/c", app_id="a", hmac_key=b"k" * 16)
        with pytest.raises(IdentityError) as caught:
            await comparer.compare(b"c", b"l")
    assert caught.value.code == "provider_unavailable"


# --- mobile government app -------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def present(devices: DeviceSet, payload: str, symbology: str = "qrCode") -> None:
    """The citizen holds their phone to the scanner."""
    driver = devices.get("BarcodeReader").driver
    assert isinstance(driver, SimulatedBarcodeReader)
    driver.codes = (BarcodeData(symbology=symbology, data=payload),)  # type: ignore[arg-type]
    driver.next_code = 0


async def test_a_mobile_code_establishes_identity_once() -> None:
    devices, provider = kiosk(), SimulatedMobileIdentityProvider(clock=Clock())
    present(devices, provider.issue("测试李四", CARD.idNumber))
    result = await MobileAppIdentifier(devices, provider).identify()
    assert (result.name, result.method, result.assurance, result.simulated) == (
        "测试李四", "mobile_app", "high", True,
    )  # fmt: skip
    assert result.card_photo == bytearray() and result.live_image == bytearray()
    assert (await failure_of(MobileAppIdentifier(devices, provider))).code == "code_used"


async def test_an_expired_mobile_code() -> None:
    clock = Clock()
    devices, provider = kiosk(), SimulatedMobileIdentityProvider(ttl_s=60, clock=clock)
    present(devices, provider.issue("测试李四", CARD.idNumber))
    clock.now += 61
    assert (await failure_of(MobileAppIdentifier(devices, provider))).code == "code_expired"


@pytest.mark.parametrize(
    ("payload", "symbology"), [("https://example.invalid/appointment/1", "qrCode"), ("GKID:x", "code128")]
)
async def test_a_code_that_is_not_an_identity_code(payload: str, symbology: str) -> None:
    devices, provider = kiosk(), SimulatedMobileIdentityProvider()
    present(devices, payload, symbology)
    assert (await failure_of(MobileAppIdentifier(devices, provider))).code == "code_invalid"


async def test_the_mobile_identity_service_unavailable() -> None:
    devices, provider = kiosk(), SimulatedMobileIdentityProvider()
    present(devices, provider.issue("测试李四", CARD.idNumber))
    provider.fault = "unavailable"
    assert (await failure_of(MobileAppIdentifier(devices, provider))).code == "provider_unavailable"
