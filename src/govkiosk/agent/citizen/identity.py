"""Who the citizen is, through the device layer: ID card + face (人证核验), or the mobile app code.

Devices are reached in-process through their drivers (the `DeviceSet`'s services), holding each service's
lock as the local device protocol does, so the kiosk UI and this code never drive one device at the same time.
"""

import asyncio
import base64
import binascii
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from govkiosk.agent.citizen.errors import IdentityError
from govkiosk.agent.citizen.face import FaceComparer
from govkiosk.agent.citizen.mobile import MobileIdentityProvider, code_of
from govkiosk.agent.devices.barcode_reader import BarcodeReaderService
from govkiosk.agent.devices.base import DeviceError, DeviceService
from govkiosk.agent.devices.biometric import BiometricService
from govkiosk.agent.devices.camera import CameraService
from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.id_card_reader import IdCardReaderService
from govkiosk.contracts.devices import (
    BarcodeData,
    IdCardData,
    ImageResult,
    LivenessResult,
    TakePictureCommand,
)
from govkiosk.contracts.masking import mask_id_number
from govkiosk.contracts.terminal_api import DeviceClass

log = logging.getLogger(__name__)

S = TypeVar("S", bound=DeviceService)
T = TypeVar("T")
Method = Literal["idcard_face", "mobile_app"]
Assurance = Literal["substantial", "high"]


@dataclass
class IdentityResult:
    """Who the citizen is; the image buffers are bytearrays so the session can zero them when it ends."""

    name: str
    id_number: str
    method: Method
    assurance: Assurance
    simulated: bool
    face_score: float | None = None
    card_photo: bytearray = field(default_factory=bytearray, repr=False)
    live_image: bytearray = field(default_factory=bytearray, repr=False)

    def __repr__(self) -> str:
        masked = mask_id_number(self.id_number)
        return f"IdentityResult(id_number={masked!r}, method={self.method!r}, simulated={self.simulated})"

    def wipe(self) -> None:
        """Zero the image buffers and forget the personal fields."""
        for buffer in (self.card_photo, self.live_image):
            buffer[:] = bytes(len(buffer))
            buffer.clear()
        self.name = self.id_number = ""


def _noop_emit(name: str, payload: BaseModel | dict[str, Any]) -> None:
    """Device events are not needed here (the UI follows the device service itself)."""


async def _run(service: DeviceService, operation: Awaitable[T], timeout_s: float) -> T:
    """Run one device operation under the service's lock, mapping device failures to identity errors."""
    try:
        async with service.lock:
            return await asyncio.wait_for(operation, timeout=timeout_s)
    except TimeoutError as exc:
        raise IdentityError("no_card" if service.device_class == "IdCardReader" else "device_unavailable",
                            f"{service.device_class} timed out") from exc  # fmt: skip
    except DeviceError as exc:
        if service.device_class == "IdCardReader" and "removed" in exc.description:
            raise IdentityError("card_removed", exc.description) from exc
        raise IdentityError("device_unavailable", f"{service.device_class}: {exc.code}") from exc


def _service(devices: DeviceSet, device_class: DeviceClass, kind: type[S]) -> S:
    """The device service of a class, of the expected kind, or `device_unavailable`."""
    try:
        service = devices.get(device_class)
    except ValueError as exc:
        raise IdentityError("device_unavailable", f"no {device_class}") from exc
    if not isinstance(service, kind):
        raise IdentityError("device_unavailable", f"{device_class} is not a {kind.__name__}")
    return service


def _b64(data: str | None) -> bytearray:
    try:
        return bytearray(base64.b64decode(data or "", validate=True))
    except binascii.Error as exc:
        raise IdentityError("device_unavailable", "unreadable image") from exc


class IdCardFaceIdentifier:
    """ID card + face: read the card, check liveness, capture the face, compare it with the card photo."""

    def __init__(self, devices: DeviceSet, comparer: FaceComparer, *, timeout_s: float = 30.0) -> None:
        self.devices = devices
        self.comparer = comparer
        self.timeout_s = timeout_s

    async def identify(self) -> IdentityResult:
        """An identity of assurance `high`, or an IdentityError saying what went wrong."""
        reader = _service(self.devices, "IdCardReader", IdCardReaderService)
        biometric = _service(self.devices, "Biometric", BiometricService)
        camera = _service(self.devices, "Camera", CameraService)
        read = reader.driver.read(with_photo=True, card_index=None, emit=_noop_emit)
        card: IdCardData = await _run(reader, read, self.timeout_s)
        card_photo = _b64(card.photo)
        live: LivenessResult = await _run(biometric, biometric.driver.liveness(), self.timeout_s)
        if not live.live:
            raise IdentityError("liveness_failed", "device liveness check")
        capture = camera.driver.take_picture(TakePictureCommand(camera="face"))
        picture: ImageResult = await _run(camera, capture, self.timeout_s)
        result = IdentityResult(
            name=card.name, id_number=card.idNumber, method="idcard_face", assurance="high",
            simulated=any(s.simulated for s in (reader, biometric, camera)) or self.comparer.simulated,
            card_photo=card_photo, live_image=_b64(picture.data),
        )  # fmt: skip
        await self._compare(result)
        log.info("identity_established method=idcard_face id=%s simulated=%s", mask_id_number(card.idNumber),
                 result.simulated)  # fmt: skip
        return result

    async def _compare(self, result: IdentityResult) -> None:
        try:
            comparison = await self.comparer.compare(bytes(result.card_photo), bytes(result.live_image))
        except BaseException:
            result.wipe()
            raise
        result.face_score = comparison.score
        if comparison.decision != "match":
            result.wipe()  # nothing of a failed attempt is kept
            raise IdentityError("liveness_failed" if comparison.decision == "not_live" else "face_mismatch",
                                f"score {comparison.score:.2f}")  # fmt: skip


class MobileAppIdentifier:
    """The mobile government app: scan the one-time code on the citizen's phone and resolve it."""

    def __init__(
        self, devices: DeviceSet, provider: MobileIdentityProvider, *, timeout_s: float = 30.0
    ) -> None:
        self.devices = devices
        self.provider = provider
        self.timeout_s = timeout_s

    async def identify(self) -> IdentityResult:
        """The identity the app vouches for, or an IdentityError."""
        scanner = _service(self.devices, "BarcodeReader", BarcodeReaderService)
        scanned: BarcodeData = await _run(scanner, scanner.driver.read(), self.timeout_s)
        if scanned.symbology != "qrCode":
            raise IdentityError("code_invalid", f"symbology {scanned.symbology}")
        return await self.identify_code(scanned.data, scanner_simulated=scanner.simulated)

    async def identify_code(self, qr_payload: str, *, scanner_simulated: bool = False) -> IdentityResult:
        """The identity behind a code the citizen typed (or `identify` scanned)."""
        claims = await self.provider.resolve(code_of(qr_payload))
        masked = mask_id_number(claims.id_number)
        log.info("identity_established method=mobile_app id=%s simulated=%s", masked, self.provider.simulated)
        return IdentityResult(
            name=claims.name, id_number=claims.id_number, method="mobile_app", assurance=claims.assurance,
            simulated=scanner_simulated or self.provider.simulated,
        )  # fmt: skip


async def read_id_number(devices: DeviceSet, *, timeout_s: float = 30.0) -> str:
    """The ID number on the card on the reader (no photo, no face: for looking up one's own cases)."""
    reader = _service(devices, "IdCardReader", IdCardReaderService)
    card: IdCardData = await _run(
        reader, reader.driver.read(with_photo=False, card_index=None, emit=_noop_emit), timeout_s
    )
    log.info("id_card_read id=%s", mask_id_number(card.idNumber))
    return card.idNumber
