"""Camera: takes a picture (face, document or scene camera)."""

import asyncio
import base64

from govkiosk.agent.devices.base import DeviceService, Driver, EmitEvent, command
from govkiosk.agent.devices.images import Pixel, png
from govkiosk.agent.devices.simulated_driver import SimulatedDriver
from govkiosk.contracts.devices import ImageResult, TakePictureCommand


class CameraDriver(Driver):
    """Hardware interface of a kiosk camera."""

    async def take_picture(self, request: TakePictureCommand) -> ImageResult:
        raise NotImplementedError


def face_png(width: int, height: int) -> bytes:
    """A generated 'face' picture: a skin-coloured oval on a blue background."""
    cx, cy, rx, ry = width / 2, height / 2, width / 4, height / 3

    def pixel(x: int, y: int) -> Pixel:
        inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1
        return (225, 185, 155) if inside else (60, 110, 190)

    return png(width, height, pixel)


class SimulatedCamera(SimulatedDriver, CameraDriver):
    """Returns a generated picture at the asked size (at most 320×240, to stay quick)."""

    model = "simulated camera"

    async def take_picture(self, request: TakePictureCommand) -> ImageResult:
        await self.operate(0.02)
        width, height = min(request.width, 320), min(request.height, 240)
        data = base64.b64encode(await asyncio.to_thread(face_png, width, height)).decode()
        return ImageResult(format="png", width=width, height=height, data=data)


class CameraService(DeviceService):
    """The Camera service."""

    device_class = "Camera"
    driver: CameraDriver

    @command("Camera.TakePicture", TakePictureCommand)
    async def take_picture(self, payload: TakePictureCommand, emit: EmitEvent) -> ImageResult:
        """Take one picture."""
        return await self.driver.take_picture(payload)
