"""SignaturePad: captures a signature as an image and its strokes."""

import base64

from govkiosk.agent.devices.base import DeviceService, Driver, EmitEvent, command
from govkiosk.agent.devices.images import Pixel, png
from govkiosk.agent.devices.simulated_driver import SimulatedDriver
from govkiosk.contracts.devices import ImageResult, SignatureResult, Stroke

WIDTH, HEIGHT = 200, 60


class SignaturePadDriver(Driver):
    """Hardware interface of a signature pad."""

    async def capture(self, emit: EmitEvent) -> SignatureResult:
        raise NotImplementedError


class SimulatedSignaturePad(SimulatedDriver, SignaturePadDriver):
    """Returns the same zig-zag signature every time."""

    model = "simulated signature pad"

    async def capture(self, emit: EmitEvent) -> SignatureResult:
        await self.operate(0.02)
        points = [(20 + 20 * i, 20 if i % 2 else 40) for i in range(9)]
        emit("SignaturePad.StrokeEvent", {"points": len(points)})

        def pixel(x: int, y: int) -> Pixel:
            on_line = any(abs(x - px) < 2 and abs(y - py) < 2 for px, py in points)
            return (0, 0, 0) if on_line else (255, 255, 255)

        image = ImageResult(
            format="png",
            width=WIDTH,
            height=HEIGHT,
            data=base64.b64encode(png(WIDTH, HEIGHT, pixel)).decode(),
        )
        return SignatureResult(image=image, strokes=[Stroke(points=points)])


class SignaturePadService(DeviceService):
    """The SignaturePad service."""

    device_class = "SignaturePad"
    events = ("SignaturePad.StrokeEvent",)
    driver: SignaturePadDriver

    @command("SignaturePad.Capture")
    async def capture(self, payload: None, emit: EmitEvent) -> SignatureResult:
        """Wait for the citizen to sign and confirm."""
        return await self.driver.capture(emit)
