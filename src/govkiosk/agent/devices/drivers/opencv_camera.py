"""Camera and document camera (高拍仪) through OpenCV: a UVC device by index, frames encoded PNG/JPEG/PDF.

opencv-python-headless is an optional extra (`devices-real`); it is imported only when the driver is
built. An unplugged camera shows as `noDevice`; a failed frame grab as `hardwareError`, and the next
poll opens the device again (unplug/replug recovery).

Scans are cropped to the largest contour (the page on a plain mat) when it covers a good part of the
frame; deskew is not applied, and the dpi depends on the camera's field of view, so it is not reported.
"""

import base64
import contextlib
from typing import Any, ClassVar

from govkiosk.agent.devices.base import DeviceError
from govkiosk.agent.devices.camera import CameraDriver
from govkiosk.agent.devices.document_scanner import DocumentScannerDriver
from govkiosk.agent.devices.drivers.hardware import DriverOptions, HardwareDriver, Reading
from govkiosk.agent.devices.images import pdf
from govkiosk.contracts.devices import ImageResult, ScanCommand, TakePictureCommand

CROP_MIN_SHARE = 0.2  # a contour smaller than this share of the frame is not the page
EXTRA = {"crop": "largest contour, bounding box", "deskew": "not applied", "dpi": "not controlled"}


class OpencvCamera(HardwareDriver):
    """One `cv2.VideoCapture(index)`; the class drivers below add the commands."""

    vendor = "OpenCV"
    model = "UVC camera"
    extra: ClassVar[dict[str, Any]] = {}

    def __init__(
        self, cv2_module: Any, *, index: int = 0, width: int = 1920, height: int = 1080, **names: Any
    ) -> None:
        super().__init__(**names)
        self.cv2 = cv2_module
        self.index = index
        self.width, self.height = width, height  # capture size of scans
        self.capture: Any = None

    def _open(self) -> Any:
        if self.capture is not None and self.capture.isOpened():
            return self.capture
        self._release()
        capture = self.cv2.VideoCapture(self.index)
        if not capture.isOpened():
            with contextlib.suppress(Exception):
                capture.release()
            raise DeviceError("deviceNotReady", f"no camera at index {self.index}")
        self.capture = capture
        return capture

    def _release(self) -> None:
        if self.capture is not None:
            with contextlib.suppress(Exception):  # releasing an unplugged device may fail too
                self.capture.release()
        self.capture = None

    def check(self) -> Reading:
        try:
            self._open()
        except DeviceError as exc:
            return Reading("noDevice", exc.description)
        return Reading("online")

    def _grab(self, width: int, height: int) -> Any:
        """One frame at (about) this size; blocking, runs holding the link."""
        capture = self._open()
        capture.set(self.cv2.CAP_PROP_FRAME_WIDTH, width)
        capture.set(self.cv2.CAP_PROP_FRAME_HEIGHT, height)
        ok, frame = capture.read()
        if not ok or frame is None:
            self._release()  # the next poll opens it again
            raise DeviceError("hardwareError", f"camera {self.index} gave no frame")
        return frame

    def _encode(self, image: Any, extension: str) -> bytes:
        ok, buffer = self.cv2.imencode(extension, image)
        if not ok:
            raise DeviceError("hardwareError", f"could not encode the frame as {extension}")
        return bytes(buffer)

    async def _capture(self, work: Any, *args: Any) -> Any:
        """Run `work` after a fresh poll; a failed grab is `hardwareError` until the next poll."""
        await self.poll()
        self.ensure_ready()
        try:
            return await self.run_locked(work, *args)
        except DeviceError as exc:
            if exc.code == "hardwareError":
                self.update(Reading("hardwareError", exc.description))
            raise


class OpencvPictureCamera(OpencvCamera, CameraDriver):
    """`Camera.TakePicture` at the asked size (the camera picks its nearest mode)."""

    async def take_picture(self, request: TakePictureCommand) -> ImageResult:
        data, width, height = await self._capture(self._picture, request.width, request.height)
        return ImageResult(format="png", width=width, height=height, data=base64.b64encode(data).decode())

    def _picture(self, width: int, height: int) -> tuple[bytes, int, int]:
        frame = self._grab(width, height)
        rows, columns = frame.shape[:2]
        return self._encode(frame, ".png"), columns, rows


class OpencvDocumentScanner(OpencvCamera, DocumentScannerDriver):
    """`DocumentScanner.Scan` at the configured capture size, grey/black-and-white, cropped to the page."""

    model = "UVC document camera"
    extra = EXTRA

    async def scan(self, request: ScanCommand) -> ImageResult:
        data, width, height = await self._capture(self._scan, request)
        return ImageResult(
            format=request.format, width=width, height=height, data=base64.b64encode(data).decode()
        )

    def _scan(self, request: ScanCommand) -> tuple[bytes, int, int]:
        cv2 = self.cv2
        image = self._grab(self.width, self.height)
        if request.crop:
            image = self._crop(image)
        if request.color != "color":
            image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
            if request.color == "bw":
                _, image = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        rows, columns = image.shape[:2]
        if request.format == "pdf":
            rgb = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB if len(image.shape) == 2 else cv2.COLOR_BGR2RGB)
            return pdf([], image=(columns, rows, rgb.tobytes())), columns, rows
        return self._encode(image, ".jpg" if request.format == "jpeg" else ".png"), columns, rows

    def _crop(self, frame: Any) -> Any:
        """The bounding box of the largest contour (the page on a contrasting mat), if big enough."""
        cv2 = self.cv2
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        _, mask = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        contours = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[-2]
        if not contours:
            return frame
        x, y, w, h = cv2.boundingRect(max(contours, key=cv2.contourArea))
        rows, columns = frame.shape[:2]
        if w * h < CROP_MIN_SHARE * rows * columns:
            return frame
        return frame[y : y + h, x : x + w]


def opencv() -> Any:
    """The cv2 module, or a clear error when the optional extra is missing."""
    try:
        import cv2  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        raise ValueError("driver 'opencv' needs opencv: pip install 'govkiosk[devices-real]'") from exc
    return cv2


def create(device_class: str, raw: dict[str, Any], cv2_module: Any = None) -> OpencvCamera:
    """The `opencv` driver: {"index": 0, "width": 1920, "height": 1080} (Camera, DocumentScanner)."""
    options = DriverOptions(device_class, "opencv", raw)
    kind = {"Camera": OpencvPictureCamera, "DocumentScanner": OpencvDocumentScanner}.get(device_class)
    if kind is None:
        raise ValueError(f"{options.where}: only Camera and DocumentScanner")
    index = options.integer("index", 0)
    width, height = options.integer("width", 1920), options.integer("height", 1080)
    names = {"vendor": options.text("vendor"), "model": options.text("model")}
    options.done()
    return kind(cv2_module or opencv(), index=index, width=width, height=height, **names)
