"""Barcode/QR scanner on a serial port (pyserial): one code per CR/LF-terminated line."""

import asyncio
from typing import Any

import serial

from govkiosk.agent.devices.barcode_reader import BarcodeReaderDriver
from govkiosk.agent.devices.base import DeviceError
from govkiosk.agent.devices.drivers.hardware import DriverOptions, HardwareDriver, Reading
from govkiosk.contracts.devices import BarcodeData

SYMBOLOGIES = ("qrCode", "code128", "ean13", "pdf417", "dataMatrix")


def symbology(data: str, default: str) -> str:
    """The symbology of a code (scanners in plain serial mode send only the data, so this is a guess)."""
    if len(data) == 13 and data.isdigit():
        digits = [int(d) for d in data]
        if (sum(digits[0:12:2]) + 3 * sum(digits[1:12:2]) + digits[12]) % 10 == 0:
            return "ean13"
    return default


class SerialBarcodeReader(HardwareDriver, BarcodeReaderDriver):
    """A scanner that types each code as a line on a serial port (or USB CDC)."""

    vendor = "serial"
    model = "barcode scanner"

    def __init__(
        self,
        port: serial.SerialBase,
        *,
        encoding: str = "utf-8",
        default_symbology: str = "qrCode",
        **names: Any,
    ) -> None:
        super().__init__(**names)
        self.port = port
        self.encoding = encoding  # many Chinese scanners send GBK; set it in the devices file
        self.default_symbology = default_symbology
        self.buffer = bytearray()

    def check(self) -> Reading:
        try:
            if not self.port.is_open:
                self.port.open()
        except (serial.SerialException, OSError) as exc:
            return Reading("noDevice", f"serial port: {exc}")
        return Reading("online")

    async def read(self) -> BarcodeData:
        await self.poll()
        self.ensure_ready()
        while (line := self._take_line()) is None:
            # short reads in a thread so Common.Cancel and timeouts take effect between them
            self.buffer += await asyncio.to_thread(self._read_some)
        data = line.decode(self.encoding, errors="replace")
        return BarcodeData(symbology=symbology(data, self.default_symbology), data=data)  # type: ignore[arg-type]

    def _take_line(self) -> bytes | None:
        for i, byte in enumerate(self.buffer):
            if byte in b"\r\n":
                line = bytes(self.buffer[:i])
                del self.buffer[: i + 1]
                if line:
                    return line
                return self._take_line()
        return None

    def _read_some(self) -> bytes:
        try:
            return bytes(self.port.read(max(1, self.port.in_waiting)))
        except (serial.SerialException, OSError) as exc:
            self.port.close()
            raise DeviceError("deviceNotReady", f"serial port lost: {exc}") from exc


def create(device_class: str, raw: dict[str, Any]) -> SerialBarcodeReader:
    """The `serial-barcode` driver: {"port": "/dev/ttyACM0" or a pyserial URL, "baudrate": 9600}."""
    options = DriverOptions(device_class, "serial-barcode", raw)
    url = options.text("port", required=True)
    baudrate = options.integer("baudrate", 9600)
    encoding = options.text("encoding", "utf-8")
    default = options.choice("symbology", SYMBOLOGIES) or "qrCode"
    names = {"vendor": options.text("vendor"), "model": options.text("model")}
    options.done()
    try:
        "".encode(encoding)
    except LookupError:
        raise ValueError(f"{options.where}: unknown encoding {encoding!r}") from None
    port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.2, do_not_open=True)
    return SerialBarcodeReader(port, encoding=encoding, default_symbology=default, **names)
