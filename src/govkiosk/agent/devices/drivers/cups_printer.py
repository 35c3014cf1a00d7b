"""A4 printer through CUPS (pycups): PDF jobs on a named queue, followed until completed; queue status.

pycups is an optional extra (`devices-real`); it is imported only when the driver is built. Receipts
(`PrintRaw`/`PrintForm`) are the receipt printer's job, not this one's.
"""

import asyncio
import contextlib
import os
import tempfile
from typing import Any

from govkiosk.agent.devices.base import DeviceError, EmitEvent
from govkiosk.agent.devices.drivers.hardware import DriverOptions, HardwareDriver, Reading
from govkiosk.agent.devices.images import pdf_page_count
from govkiosk.agent.devices.printer import PrinterDriver, PrintJob
from govkiosk.contracts.terminal_api import DeviceState, SupplyLevel

IDLE, PROCESSING, STOPPED = 3, 4, 5  # printer-state
JOB_CANCELED, JOB_ABORTED, JOB_COMPLETED = 7, 8, 9  # job-state
JOB_EVENT = "Printer.PrintJobEvent"
SEVERITY = ("-error", "-warning", "-report")  # printer-state-reasons may carry one of these suffixes


def reasons_of(attributes: dict[str, Any]) -> set[str]:
    """printer-state-reasons keywords without their severity suffix (`media-empty-error` → `media-empty`)."""
    raw = attributes.get("printer-state-reasons") or []
    if isinstance(raw, str):
        raw = [raw]
    found = set()
    for reason in raw:
        for suffix in SEVERITY:
            reason = reason.removesuffix(suffix)
        found.add(reason)
    return found - {"none"}


def read_status(attributes: dict[str, Any]) -> Reading:
    """The device state, paper and toner levels a queue's printer attributes describe."""
    reasons = reasons_of(attributes)
    state = attributes.get("printer-state")
    message = attributes.get("printer-state-message") or None
    paper: SupplyLevel = (
        "out" if reasons & {"media-empty", "media-needed"} else "low" if "media-low" in reasons else "ok"
    )
    toner: SupplyLevel = "out" if "toner-empty" in reasons else "low" if "toner-low" in reasons else "ok"
    supplies = {"paper": paper, "toner": toner}
    if reasons & {"cover-open", "door-open"}:
        return Reading("userError", "cover open", supplies)
    if "media-jam" in reasons:
        return Reading("userError", "paper jam", supplies)
    if "offline" in reasons:
        return Reading("offline", "printer offline", supplies)
    if state == STOPPED:
        return Reading("offline", f"queue stopped: {message}" if message else "queue stopped", supplies)
    if paper == "out":
        return Reading("online", "paper out", supplies)
    if toner == "out":
        return Reading("online", "toner empty", supplies)
    device: DeviceState = "deviceBusy" if state == PROCESSING else "online"
    low = [name for name, level in supplies.items() if level == "low"]
    return Reading(device, f"{' and '.join(low)} low" if low else None, supplies)


class CupsPrinter(HardwareDriver, PrinterDriver):
    """An A4 printer behind a CUPS queue."""

    vendor = "CUPS"
    model = "A4 printer"

    def __init__(
        self,
        cups_module: Any,
        *,
        printer: str,
        poll_s: float = 1.0,
        job_timeout_s: float = 600.0,
        **names: Any,
    ) -> None:
        super().__init__(**names)
        self.cups = cups_module  # .Connection()
        self.printer = printer
        self.poll_s = poll_s
        self.job_timeout_s = job_timeout_s
        self.connection: Any = None

    def _connect(self) -> Any:
        if self.connection is None:
            try:
                self.connection = self.cups.Connection()
            except Exception as exc:  # cupsd down: "failed to connect to server"
                raise DeviceError("deviceNotReady", f"CUPS not answering: {exc}") from exc
        return self.connection

    def check(self) -> Reading:
        try:
            connection = self._connect()
        except DeviceError as exc:
            return Reading("offline", exc.description)
        try:
            attributes = connection.getPrinterAttributes(self.printer)
        except Exception as exc:  # IPPError: no such queue; or the connection broke
            self.connection = None
            return Reading("noDevice", f"no CUPS queue {self.printer!r}: {exc}")
        return read_status(attributes)

    async def print_receipt(self, text: str, *, cut: bool) -> PrintJob:
        raise DeviceError("unsupportedCommand", "an A4 printer does not print receipts")

    async def print_pdf(
        self, data: bytes, *, copies: int, duplex: bool, emit: EmitEvent | None = None
    ) -> PrintJob:
        await self.poll()
        self.ensure_ready()
        if self.supplies.get("paper") == "out":
            raise DeviceError("commandErrorCode", "paper out")
        if self.supplies.get("toner") == "out":
            raise DeviceError("commandErrorCode", "toner empty")
        options = {"copies": str(copies), "sides": "two-sided-long-edge" if duplex else "one-sided"}
        job_id: int = await self.run_locked(self._submit, data, options)
        if emit:
            emit(JOB_EVENT, {"jobId": job_id, "state": "queued"})
        try:
            await self._wait(job_id)
        except asyncio.CancelledError:
            # the protocol command was cancelled (Common.Cancel, client gone): cancel the CUPS job too
            with contextlib.suppress(Exception):
                await self.run_locked(self._cancel, job_id)
            raise
        if emit:
            emit(JOB_EVENT, {"jobId": job_id, "state": "completed"})
        return PrintJob(job_id=job_id, kind="pdf", pdf=data, pages=pdf_page_count(data) * copies)

    def _submit(self, data: bytes, options: dict[str, str]) -> int:
        fd, path = tempfile.mkstemp(prefix="govkiosk-", suffix=".pdf")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            connection = self._connect()
            try:
                return int(connection.printFile(self.printer, path, "govkiosk", options))
            except Exception as exc:
                self.connection = None
                raise DeviceError("hardwareError", f"CUPS refused the job: {exc}") from exc
        finally:
            with contextlib.suppress(OSError):  # CUPS has the file's contents once printFile returns
                os.unlink(path)

    def _job(self, job_id: int) -> dict[str, Any]:
        try:
            attributes: dict[str, Any] = self._connect().getJobAttributes(job_id)
        except DeviceError:
            raise
        except Exception as exc:
            self.connection = None
            raise DeviceError("hardwareError", f"job {job_id} lost: {exc}") from exc
        return attributes

    def _cancel(self, job_id: int) -> None:
        self._connect().cancelJob(job_id)

    async def _wait(self, job_id: int) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.job_timeout_s
        while True:
            attributes = await self.run_locked(self._job, job_id)
            state = attributes.get("job-state")
            if state == JOB_COMPLETED:
                return
            if state in (JOB_CANCELED, JOB_ABORTED):
                reasons = attributes.get("job-state-reasons") or []
                text = ", ".join([reasons] if isinstance(reasons, str) else reasons) or "no reason given"
                what = "canceled" if state == JOB_CANCELED else "aborted"
                raise DeviceError("hardwareError", f"job {job_id} {what}: {text}")
            if loop.time() > deadline:
                with contextlib.suppress(Exception):
                    await self.run_locked(self._cancel, job_id)
                raise DeviceError("hardwareError", f"job {job_id} not done after {self.job_timeout_s:g} s")
            await asyncio.sleep(self.poll_s)


def pycups() -> Any:
    """The pycups module, or a clear error when the optional extra is missing."""
    try:
        import cups  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        raise ValueError("driver 'cups' needs pycups: pip install 'govkiosk[devices-real]'") from exc
    return cups


def create(device_class: str, raw: dict[str, Any], cups_module: Any = None) -> CupsPrinter:
    """The `cups` driver: {"printer": "<queue>", "poll_s": 1.0, "job_timeout_s": 600} (Printer only)."""
    options = DriverOptions(device_class, "cups", raw)
    printer = options.text("printer", required=True)
    poll_s = options.number("poll_s", 1.0)
    job_timeout_s = options.number("job_timeout_s", 600.0)
    names = {"vendor": options.text("vendor"), "model": options.text("model")}
    options.done()
    return CupsPrinter(
        cups_module or pycups(), printer=printer, poll_s=poll_s, job_timeout_s=job_timeout_s, **names
    )
