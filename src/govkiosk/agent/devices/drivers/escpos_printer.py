"""Receipt printer over ESC/POS (python-escpos): GB18030 text, cut, DLE EOT status on links that read back."""

import contextlib
from typing import Any

from escpos.escpos import Escpos
from escpos.printer import Dummy, Network, Serial, Usb

from govkiosk.agent.devices.base import DeviceError, EmitEvent
from govkiosk.agent.devices.drivers.hardware import DriverOptions, HardwareDriver, Reading
from govkiosk.agent.devices.printer import PrinterDriver, PrintJob
from govkiosk.contracts.terminal_api import SupplyLevel

INIT = b"\x1b@"  # ESC @: reset modes, clear the buffer
# FS &: Chinese character mode. Chinese-market ESC/POS printers then read GB18030 double/four-byte
# characters directly, so we encode the text ourselves and send raw bytes; python-escpos's codepage
# machinery (magic encode) picks single-byte code pages and has no GB18030 table.
CHINESE_MODE = b"\x1c&"
ENCODING = "gb18030"
DLE_EOT = b"\x10\x04"
CONNECTIONS = ("usb", "serial", "network")

# DLE EOT n response bits (Epson ESC/POS reference; bits 1 and 4 are always set)
OFFLINE = 0x08  # n=1
COVER_OPEN, PAPER_END_STOP, ERROR = 0x04, 0x20, 0x40  # n=2
CUTTER_ERROR, UNRECOVERABLE, AUTO_RECOVERABLE = 0x04, 0x08, 0x20  # n=3
PAPER_NEAR_END, PAPER_END = 0x0C, 0x60  # n=4


def receipt_bytes(text: str) -> bytes:
    """The ESC/POS bytes of a receipt's text (without the cut)."""
    body = text.replace("\r\n", "\n").rstrip("\n") + "\n"
    return INIT + CHINESE_MODE + body.encode(ENCODING, errors="replace")


def read_status(n1: int, n2: int, n3: int, n4: int) -> Reading:
    """The device state and paper level the four DLE EOT status bytes describe."""
    paper: SupplyLevel = "out" if n4 & PAPER_END else "low" if n4 & PAPER_NEAR_END else "ok"
    if n2 & COVER_OPEN:
        return Reading("userError", "cover open", {"paper": paper})
    if n2 & ERROR or n3 & (CUTTER_ERROR | UNRECOVERABLE | AUTO_RECOVERABLE):
        cause = "autocutter error" if n3 & CUTTER_ERROR else "printer error"
        return Reading("hardwareError", cause, {"paper": paper})
    if paper == "out" or n2 & PAPER_END_STOP:
        return Reading("online", "paper out", {"paper": "out"})
    if n1 & OFFLINE:
        return Reading("offline", "printer offline", {"paper": paper})
    return Reading("online", "paper low" if paper == "low" else None, {"paper": paper})


class EscposPrinter(HardwareDriver, PrinterDriver):
    """A receipt printer on USB, serial or the network; A4 PDFs are not its job."""

    vendor = "ESC/POS"
    model = "receipt printer"

    def __init__(
        self,
        printer: Escpos,
        *,
        readable: bool,
        cut_mode: str = "FULL",
        vendor: str | None = None,
        model: str | None = None,
    ) -> None:
        super().__init__(vendor=vendor, model=model)
        self.printer = printer
        self.readable = readable  # USB links are write-only here: no status, paper level unknown
        self.cut_mode = cut_mode
        self.jobs = 0
        self.is_open = False
        if not readable:
            self.supplies = {"paper": "unknown"}

    def check(self) -> Reading:
        try:
            self._open()
            if not self.readable:
                return Reading("online", "status not readable on this link", {"paper": "unknown"})
            return read_status(*(self._query(n) for n in (1, 2, 3, 4)))
        except DeviceError as exc:
            return Reading("offline", exc.description, {})

    async def print_receipt(self, text: str, *, cut: bool) -> PrintJob:
        await self.poll()
        self.ensure_ready()
        if self.supplies.get("paper") == "out":
            raise DeviceError("commandErrorCode", "paper out")
        await self.run_locked(self._send, receipt_bytes(text), cut)
        self.jobs += 1
        if self.readable:
            await self.poll()  # the paper may have reached the near-end sensor
        return PrintJob(job_id=self.jobs, kind="receipt", text=text, cut=cut)

    async def print_pdf(
        self, data: bytes, *, copies: int, duplex: bool, emit: EmitEvent | None = None
    ) -> PrintJob:
        raise DeviceError("unsupportedCommand", "a receipt printer does not print A4 PDFs")

    def _send(self, data: bytes, cut: bool) -> None:
        try:
            self._open()
            self.printer._raw(data)
            if cut:
                self.printer.cut(mode=self.cut_mode)
        except DeviceError:
            raise
        except Exception as exc:  # escpos, socket and serial errors all mean the link broke
            self._drop()
            raise DeviceError("hardwareError", f"printer link failed: {exc}") from exc

    def _query(self, n: int) -> int:
        try:
            self.printer._raw(DLE_EOT + bytes([n]))
            answer = self.printer._read()
        except Exception as exc:
            self._drop()
            raise DeviceError("deviceNotReady", f"no status reply: {exc}") from exc
        if not answer:
            self._drop()
            raise DeviceError("deviceNotReady", "no status reply")
        return answer[-1]

    def _open(self) -> None:
        if self.is_open:
            return
        try:
            self.printer.open()
        except Exception as exc:
            raise DeviceError("deviceNotReady", f"printer not reachable: {exc}") from exc
        self.is_open = True

    def _drop(self) -> None:
        self.is_open = False
        with contextlib.suppress(Exception):  # closing a broken link may fail too; we reopen next time
            self.printer.close()


def connect(options: DriverOptions) -> tuple[Escpos, bool]:
    """The python-escpos printer object the options describe, and whether it can read back."""
    connection = options.choice("connection", (*CONNECTIONS, "dummy"), required=True)
    timeout = options.number("timeout", 3.0)
    printer: Any
    if connection == "network":
        printer = Network(options.text("host", required=True), options.integer("port", 9100), timeout=timeout)
        return printer, True
    if connection == "serial":
        device = options.text("device", required=True)
        printer = Serial(device, baudrate=options.integer("baudrate", 9600), timeout=timeout)
        return printer, True
    if connection == "usb":
        vendor_id = options.integer("vendorId", required=True)
        product_id = options.integer("productId", required=True)
        if not Usb.is_usable():
            raise ValueError(f"{options.where}: a USB printer needs pyusb (pip install pyusb)")
        return Usb(vendor_id, product_id), False
    return Dummy(), False


def create(device_class: str, raw: dict[str, Any]) -> EscposPrinter:
    """The `escpos` driver of the devices file (Printer only)."""
    options = DriverOptions(device_class, "escpos", raw)
    printer, readable = connect(options)
    driver = EscposPrinter(
        printer,
        readable=readable,
        cut_mode=options.choice("cut", ("FULL", "PART")) or "FULL",
        vendor=options.text("vendor"),
        model=options.text("model"),
    )
    options.done()
    return driver
