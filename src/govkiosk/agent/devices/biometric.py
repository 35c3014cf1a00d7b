"""Biometric: face liveness, and matching the live face against a reference (the ID card photo)."""

import base64
import binascii
import hashlib
from typing import ClassVar

from govkiosk.agent.devices.base import DeviceError, DeviceService, Driver, EmitEvent, command
from govkiosk.agent.devices.simulated_driver import SimulatedDriver
from govkiosk.contracts.devices import FaceMatchCommand, FaceMatchResult, LivenessResult


class BiometricDriver(Driver):
    """Hardware (and algorithm) interface of a face verification unit."""

    async def liveness(self) -> LivenessResult:
        raise NotImplementedError

    async def match(self, reference: bytes) -> float:
        """The similarity (0…1) of the live face and the reference image."""
        raise NotImplementedError


class SimulatedBiometric(SimulatedDriver, BiometricDriver):
    """Deterministic scores: 0.90–0.99 from the reference's hash; `face_mismatch` gives 0.30–0.39."""

    model = "simulated face verification"
    class_faults: ClassVar[frozenset[str]] = frozenset({"face_mismatch"})

    async def liveness(self) -> LivenessResult:
        await self.operate(0.02)
        return LivenessResult(live=True, score=0.97)

    async def match(self, reference: bytes) -> float:
        await self.operate(0.02)
        jitter = hashlib.sha256(reference).digest()[0] % 10 / 100
        return round((0.30 if "face_mismatch" in self.faults else 0.90) + jitter, 2)


class BiometricService(DeviceService):
    """The Biometric service."""

    device_class = "Biometric"
    events = ("Biometric.PresentSubjectEvent",)
    driver: BiometricDriver

    @command("Biometric.Liveness")
    async def liveness(self, payload: None, emit: EmitEvent) -> LivenessResult:
        """Check that a live person is in front of the camera."""
        emit("Biometric.PresentSubjectEvent", {"prompt": "lookAtCamera"})
        return await self.driver.liveness()

    @command("Biometric.Match", FaceMatchCommand)
    async def match(self, payload: FaceMatchCommand, emit: EmitEvent) -> FaceMatchResult:
        """Check liveness, then compare the face with the reference against the threshold."""
        try:
            reference = base64.b64decode(payload.reference, validate=True)
        except binascii.Error as exc:
            raise DeviceError("invalidData", "reference is not base64") from exc
        emit("Biometric.PresentSubjectEvent", {"prompt": "lookAtCamera"})
        live = await self.driver.liveness()
        score = await self.driver.match(reference)
        return FaceMatchResult(
            match=live.live and score >= payload.threshold,
            score=score,
            threshold=payload.threshold,
            live=live.live,
        )
