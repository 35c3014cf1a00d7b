"""The OpenCV camera and document camera against a fake cv2 module (numpy-free frames)."""

import base64
from pathlib import Path
from typing import Any

import pytest

from govkiosk.agent.devices.camera import CameraService
from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.document_scanner import DocumentScannerService
from govkiosk.agent.devices.drivers.opencv_camera import OpencvCamera, OpencvDocumentScanner, create
from tests.agent.devices.client import client, code, running_server
from tests.agent.devices.drivers.devices_file import write_devices
from tests.agent.devices.test_device_classes import run

PNG, JPEG = b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0"


class Frame:
    """An image as far as the driver looks at it: shape, slicing, raw bytes."""

    def __init__(self, rows: int, columns: int, channels: int = 3) -> None:
        self.shape = (rows, columns, channels) if channels > 1 else (rows, columns)

    def __getitem__(self, key: tuple[slice, slice]) -> "Frame":
        rows, columns = key
        return Frame(rows.stop - rows.start, columns.stop - columns.start, self.channels)

    @property
    def channels(self) -> int:
        return self.shape[2] if len(self.shape) == 3 else 1

    def tobytes(self) -> bytes:
        return b"\x80" * (self.shape[0] * self.shape[1] * 3)


class FakeCapture:
    def __init__(self, cv2: "FakeCv2", index: int) -> None:
        self.cv2, self.index = cv2, index
        self.opened = cv2.plugged
        self.size = [640, 480]

    def isOpened(self) -> bool:  # noqa: N802 — OpenCV's names
        return self.opened

    def set(self, prop: int, value: int) -> bool:
        self.size[prop - 3] = value
        return True

    def read(self) -> tuple[bool, Any]:
        if self.cv2.fail_reads or not self.cv2.plugged:
            self.cv2.fail_reads = max(0, self.cv2.fail_reads - 1)
            return False, None
        return True, Frame(self.size[1], self.size[0])

    def release(self) -> None:
        self.opened = False
        self.cv2.released += 1


class FakeCv2:
    CAP_PROP_FRAME_WIDTH, CAP_PROP_FRAME_HEIGHT = 3, 4
    COLOR_BGR2GRAY, COLOR_GRAY2RGB, COLOR_BGR2RGB = 6, 8, 4
    THRESH_BINARY, THRESH_OTSU = 0, 8
    RETR_EXTERNAL, CHAIN_APPROX_SIMPLE = 0, 2

    def __init__(self) -> None:
        self.plugged = True
        self.fail_reads = 0
        self.opened: list[int] = []
        self.released = 0
        self.encoded: list[tuple[str, Any]] = []
        self.conversions: list[int] = []
        self.page: tuple[int, int, int, int] | None = (
            100,
            80,
            1200,
            900,
        )  # x, y, w, h of the largest contour

    def VideoCapture(self, index: int) -> FakeCapture:  # noqa: N802
        self.opened.append(index)
        return FakeCapture(self, index)

    def imencode(self, extension: str, image: Any) -> tuple[bool, bytes]:
        self.encoded.append((extension, image))
        return True, (JPEG if extension == ".jpg" else PNG) + b"fake"

    def cvtColor(self, image: Frame, conversion: int) -> Frame:  # noqa: N802
        self.conversions.append(conversion)
        return Frame(image.shape[0], image.shape[1], 1 if conversion == self.COLOR_BGR2GRAY else 3)

    def threshold(self, image: Frame, low: int, high: int, kind: int) -> tuple[float, Frame]:
        return 127.0, image

    def findContours(self, mask: Frame, mode: int, method: int) -> tuple[list[Any], None]:  # noqa: N802
        return ([("small", (0, 0, 5, 5)), ("page", self.page)] if self.page else []), None

    def contourArea(self, contour: Any) -> float:  # noqa: N802
        _, (_, _, w, h) = contour
        return float(w * h)

    def boundingRect(self, contour: Any) -> tuple[int, int, int, int]:  # noqa: N802
        return contour[1]


def data_of(done: dict[str, Any]) -> bytes:
    return base64.b64decode(done["payload"]["data"])


async def test_take_picture_opens_sets_size_and_encodes_png() -> None:
    cv2 = FakeCv2()
    devices = DeviceSet([CameraService(create("Camera", {"index": 2}, cv2_module=cv2))])
    done, _ = await run(devices, "Camera", "Camera.TakePicture", {"width": 800, "height": 600})
    assert done["header"]["completionCode"] == "success"
    assert cv2.opened == [2]
    assert done["payload"]["format"] == "png" and (done["payload"]["width"], done["payload"]["height"]) == (
        800,
        600,
    )
    assert data_of(done).startswith(PNG)


@pytest.mark.parametrize(("fmt", "signature", "extension"), [("png", PNG, ".png"), ("jpeg", JPEG, ".jpg")])
async def test_scan_is_cropped_to_the_page_and_encoded(fmt: str, signature: bytes, extension: str) -> None:
    cv2 = FakeCv2()
    devices = DeviceSet(
        [DocumentScannerService(create("DocumentScanner", {"width": 1600, "height": 1200}, cv2_module=cv2))]
    )
    done, _ = await run(devices, "DocumentScanner", "DocumentScanner.Scan", {"format": fmt})
    assert done["header"]["completionCode"] == "success"
    assert data_of(done).startswith(signature)
    assert (done["payload"]["width"], done["payload"]["height"]) == (1200, 900)  # the largest contour's box
    assert cv2.encoded[-1][0] == extension and cv2.encoded[-1][1].shape == (900, 1200, 3)


async def test_scan_without_crop_keeps_the_frame_and_small_contours_are_ignored() -> None:
    cv2 = FakeCv2()
    scanner = create("DocumentScanner", {"width": 1600, "height": 1200}, cv2_module=cv2)
    assert isinstance(scanner, OpencvDocumentScanner)
    devices = DeviceSet([DocumentScannerService(scanner)])
    done, _ = await run(devices, "DocumentScanner", "DocumentScanner.Scan", {"crop": False})
    assert (done["payload"]["width"], done["payload"]["height"]) == (1600, 1200)
    cv2.page = (0, 0, 100, 100)  # under a fifth of the frame: not the page
    done, _ = await run(devices, "DocumentScanner", "DocumentScanner.Scan", {})
    assert (done["payload"]["width"], done["payload"]["height"]) == (1600, 1200)
    assert scanner.extra["deskew"] == "not applied"


async def test_gray_scan_converts_and_pdf_wraps_the_page() -> None:
    cv2 = FakeCv2()
    devices = DeviceSet(
        [DocumentScannerService(create("DocumentScanner", {"width": 32, "height": 24}, cv2_module=cv2))]
    )
    done, _ = await run(devices, "DocumentScanner", "DocumentScanner.Scan", {"color": "gray", "crop": False})
    assert cv2.conversions == [cv2.COLOR_BGR2GRAY] and cv2.encoded[-1][1].shape == (24, 32)
    done, _ = await run(
        devices, "DocumentScanner", "DocumentScanner.Scan", {"format": "pdf", "crop": False, "color": "bw"}
    )
    assert done["header"]["completionCode"] == "success"
    document = data_of(done)
    assert document.startswith(b"%PDF-") and b"/Width 32 /Height 24" in document


async def test_unplugged_camera_is_no_device_then_recovers_on_poll() -> None:
    cv2 = FakeCv2()
    cv2.plugged = False
    camera = create("Camera", {}, cv2_module=cv2)
    await camera.poll()
    assert camera.status().device == "noDevice"
    done, _ = await run(DeviceSet([CameraService(camera)]), "Camera", "Camera.TakePicture", {})
    assert done["header"]["completionCode"] == "deviceNotReady"
    cv2.plugged = True
    await camera.poll()
    assert camera.status().device == "online"


async def test_failed_read_is_a_hardware_error_and_the_next_poll_reopens() -> None:
    cv2 = FakeCv2()
    camera = create("Camera", {}, cv2_module=cv2)
    assert isinstance(camera, OpencvCamera)
    cv2.fail_reads = 1
    async with running_server(DeviceSet([CameraService(camera)])) as server, client(server, "Camera") as c:
        done = await c.call("Camera.TakePicture", 1, {})
        assert code(done) == "hardwareError"
        assert camera.status().device == "hardwareError" and cv2.released == 1
        done = await c.call("Camera.TakePicture", 2, {})  # polls first: opens the camera again
        assert code(done) == "success"
    assert cv2.opened == [0, 0]


def test_devices_file_selects_opencv(tmp_path: Path) -> None:
    spec = {"driver": "opencv", "index": "first"}
    with pytest.raises(ValueError, match="'index' must be an integer"):
        DeviceSet.from_file(write_devices(tmp_path, {"Camera": spec}))
    with pytest.raises(ValueError, match="driver 'opencv'|not available|opencv"):
        DeviceSet.from_file(write_devices(tmp_path, {"Printer": {"driver": "opencv"}}))


async def test_capabilities_say_what_the_document_camera_does_not_do() -> None:
    scanner = create("DocumentScanner", {}, cv2_module=FakeCv2())
    devices = DeviceSet([DocumentScannerService(scanner)])
    async with running_server(devices) as server, client(server, "DocumentScanner") as c:
        capabilities = await c.call("Common.Capabilities", 1)
    assert capabilities["payload"]["simulated"] is False
    assert capabilities["payload"]["extra"]["deskew"] == "not applied"
