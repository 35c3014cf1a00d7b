"""DocumentScanner (高拍仪): scans a document at a dpi, in colour/grey/bw, cropped and deskewed."""

import asyncio
import base64

from govkiosk.agent.devices.base import DeviceService, Driver, EmitEvent, command
from govkiosk.agent.devices.images import Pixel, pdf, png, rgb_rows
from govkiosk.agent.devices.jpeg import jpeg
from govkiosk.agent.devices.simulated_driver import SimulatedDriver
from govkiosk.contracts.devices import ImageResult, ScanCommand

A4_INCHES = (8.27, 11.69)
PREVIEW_LIMIT = 160  # simulated images are generated at most this wide, whatever the dpi


class DocumentScannerDriver(Driver):
    """Hardware interface of a document camera."""

    async def scan(self, request: ScanCommand) -> ImageResult:
        raise NotImplementedError


class SimulatedDocumentScanner(SimulatedDriver, DocumentScannerDriver):
    """Returns a generated page (a red letterhead and ruled lines), small whatever the dpi."""

    model = "simulated document camera"

    async def scan(self, request: ScanCommand) -> ImageResult:
        await self.operate(0.03)
        width = min(PREVIEW_LIMIT, int(A4_INCHES[0] * request.dpi))
        height = int(width * A4_INCHES[1] / A4_INCHES[0])
        if not request.crop:
            width, height = width + 40, height + 40

        def pixel(x: int, y: int) -> Pixel:
            ink = y % 24 < 2 and 20 < x < width - 20
            shade = 40 if ink else 245
            if request.color == "color" and y < 30:
                return (200, 30, 30)  # a red letterhead
            if request.color == "bw":
                shade = 0 if ink else 255
            return (shade, shade, shade)

        def encode() -> bytes:
            if request.format == "pdf":
                return pdf(["simulated scan"], image=(width, height, rgb_rows(width, height, pixel)))
            return (jpeg if request.format == "jpeg" else png)(width, height, pixel)

        data = await asyncio.to_thread(encode)  # keeps the event loop free for other connections
        return ImageResult(
            format=request.format,
            width=width,
            height=height,
            dpi=request.dpi,
            data=base64.b64encode(data).decode(),
        )


class DocumentScannerService(DeviceService):
    """The DocumentScanner service."""

    device_class = "DocumentScanner"
    events = ("DocumentScanner.MediaDetectedEvent",)
    driver: DocumentScannerDriver

    @command("DocumentScanner.Scan", ScanCommand)
    async def scan(self, payload: ScanCommand, emit: EmitEvent) -> ImageResult:
        """Scan the document under the camera."""
        emit("DocumentScanner.MediaDetectedEvent", {"media": "document"})
        return await self.driver.scan(payload)
