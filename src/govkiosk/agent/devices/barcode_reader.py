"""BarcodeReader: one read, or continuous scanning with a ReadEvent per code."""

from typing import ClassVar

from govkiosk.agent.devices.base import DeviceService, Driver, EmitEvent, command
from govkiosk.agent.devices.simulated_driver import SimulatedDriver
from govkiosk.contracts.devices import BarcodeData, BarcodeScanCommand


class BarcodeReaderDriver(Driver):
    """Hardware interface of a barcode/QR reader."""

    async def read(self) -> BarcodeData:
        raise NotImplementedError


class SimulatedBarcodeReader(SimulatedDriver, BarcodeReaderDriver):
    """Reads a fixed cycle of test codes (an appointment QR, a case number, a product code)."""

    model = "simulated barcode reader"
    class_faults: ClassVar[frozenset[str]] = frozenset({"no_media"})
    codes = (
        BarcodeData(symbology="qrCode", data="https://example.invalid/appointment/TEST-0001"),
        BarcodeData(symbology="code128", data="TESTCASE20260001"),
        BarcodeData(symbology="ean13", data="6901234567892"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.next_code = 0

    async def read(self) -> BarcodeData:
        await self.operate(3600 if "no_media" in self.faults else 0.01)
        code = self.codes[self.next_code % len(self.codes)]
        self.next_code += 1
        return code


class BarcodeReaderService(DeviceService):
    """The BarcodeReader service."""

    device_class = "BarcodeReader"
    events = ("BarcodeReader.ReadEvent",)
    driver: BarcodeReaderDriver

    @command("BarcodeReader.Read")
    async def read(self, payload: None, emit: EmitEvent) -> BarcodeData:
        """Wait for one code."""
        return await self.driver.read()

    @command("BarcodeReader.Scan", BarcodeScanCommand)
    async def scan(self, payload: BarcodeScanCommand, emit: EmitEvent) -> dict[str, int]:
        """Scan continuously: a ReadEvent per code, until `count` codes or Common.Cancel."""
        for _ in range(payload.count):
            emit("BarcodeReader.ReadEvent", await self.driver.read())
        return {"count": payload.count}
