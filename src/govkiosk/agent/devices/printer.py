"""Printer: A4 PDFs and receipts (text and named forms, with cut); paper/toner thresholds as events."""

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from govkiosk.agent.devices.base import DeviceError, DeviceService, Driver, EmitEvent, command
from govkiosk.agent.devices.images import pdf_page_count
from govkiosk.agent.devices.simulated_driver import SimulatedDriver
from govkiosk.contracts.devices import (
    PaperThresholdPayload,
    PrintFormCommand,
    PrintPdfCommand,
    PrintRawCommand,
    PrintResult,
)
from govkiosk.contracts.terminal_api import SupplyLevel

FORMS: dict[str, str] = {
    "queueTicket": "{office}\n排队号 {number}\n业务 {service}\n前面还有 {waiting} 人\n{time}",
    "receipt": "{office}\n事项 {service}\n办件号 {caseNumber}\n{time}\n请妥善保管本回执",
}
PAPER_UNITS = 200  # receipt lengths a full roll holds (an A4 sheet counts as one)
PAPER_LOW_AT = 20


@dataclass
class PrintJob:
    """One finished print job as the simulated printer keeps it."""

    job_id: int
    kind: str  # "receipt" or "pdf"
    text: str | None = None
    pdf: bytes | None = None
    cut: bool = False
    pages: int = 1


class PrinterDriver(Driver):
    """Hardware interface of a kiosk printer (receipt and A4)."""

    async def print_receipt(self, text: str, *, cut: bool) -> PrintJob:
        raise NotImplementedError

    async def print_pdf(
        self, data: bytes, *, copies: int, duplex: bool, emit: EmitEvent | None = None
    ) -> PrintJob:
        """Print an A4 PDF; a driver that queues jobs may emit `Printer.PrintJobEvent`s."""
        raise NotImplementedError


KEPT_JOBS = 10


class SimulatedPrinter(SimulatedDriver, PrinterDriver):
    """Keeps its last few jobs in `jobs` (receipts carry a citizen's masked data: no more than a real
    printer's memory would); `write_output(folder)` saves them for tests to read."""

    model = "simulated receipt + A4 printer"
    supplies_when_full: ClassVar[dict[str, SupplyLevel]] = {"paper": "ok", "toner": "ok"}

    def __init__(self, paper_units: int = PAPER_UNITS) -> None:
        super().__init__()
        self.jobs: list[PrintJob] = []
        self.printed = 0
        self.paper_units = paper_units

    def recover(self) -> list:  # type: ignore[type-arg]
        self.paper_units = PAPER_UNITS
        return super().recover()

    async def print_receipt(self, text: str, *, cut: bool) -> PrintJob:
        return await self._print(PrintJob(job_id=0, kind="receipt", text=text, cut=cut), units=1)

    async def print_pdf(
        self, data: bytes, *, copies: int, duplex: bool, emit: EmitEvent | None = None
    ) -> PrintJob:
        pages = pdf_page_count(data) * copies
        sheets = (pages + 1) // 2 if duplex else pages
        return await self._print(PrintJob(job_id=0, kind="pdf", pdf=data, pages=pages), units=sheets)

    async def _print(self, job: PrintJob, *, units: int) -> PrintJob:
        if self.supplies.get("paper") == "out":
            raise DeviceError("commandErrorCode", "paper out")
        await self.operate(0.02)
        self.printed += 1
        job.job_id = self.printed
        self.jobs.append(job)
        del self.jobs[:-KEPT_JOBS]
        self._use_paper(units)
        return job

    def _use_paper(self, units: int) -> None:
        before = self.supplies["paper"]
        self.paper_units = max(0, self.paper_units - units)
        level: SupplyLevel = (
            "out" if self.paper_units == 0 else "low" if self.paper_units <= PAPER_LOW_AT else "ok"
        )
        if level != before and before != "out":
            self.supplies["paper"] = level
            self.changed({"paper": level})

    def write_output(self, folder: Path) -> list[Path]:
        """Write every job to `folder` (`job-0001.txt` receipts, `job-0002.pdf` documents)."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for job in self.jobs:
            if job.kind == "pdf" and job.pdf is not None:
                path = folder / f"job-{job.job_id:04d}.pdf"
                path.write_bytes(job.pdf)
            else:
                path = folder / f"job-{job.job_id:04d}.txt"
                path.write_text((job.text or "") + ("\n--- cut ---\n" if job.cut else "\n"), encoding="utf-8")
            paths.append(path)
        return paths


class PrinterService(DeviceService):
    """The Printer service."""

    device_class = "Printer"
    events = ("Printer.PaperThresholdEvent", "Printer.TonerThresholdEvent", "Printer.PrintJobEvent")
    driver: PrinterDriver

    @command("Printer.PrintRaw", PrintRawCommand)
    async def print_raw(self, payload: PrintRawCommand, emit: EmitEvent) -> PrintResult:
        """Print receipt text, then cut."""
        job = await self.driver.print_receipt(payload.text, cut=payload.cut)
        return PrintResult(jobId=job.job_id, pages=job.pages)

    @command("Printer.PrintForm", PrintFormCommand)
    async def print_form(self, payload: PrintFormCommand, emit: EmitEvent) -> PrintResult:
        """Print a named receipt form with its fields."""
        if payload.form not in FORMS:
            raise DeviceError("commandErrorCode", f"unknown form {payload.form!r}; known: {', '.join(FORMS)}")
        text = FORMS[payload.form].format_map(_Blank(payload.fields))
        job = await self.driver.print_receipt(text, cut=payload.cut)
        return PrintResult(jobId=job.job_id, pages=job.pages)

    @command("Printer.PrintPdf", PrintPdfCommand)
    async def print_pdf(self, payload: PrintPdfCommand, emit: EmitEvent) -> PrintResult:
        """Print an A4 PDF."""
        try:
            data = base64.b64decode(payload.pdf, validate=True)
        except binascii.Error as exc:
            raise DeviceError("invalidData", "pdf is not base64") from exc
        if not data.startswith(b"%PDF-"):
            raise DeviceError("invalidData", "not a PDF")
        job = await self.driver.print_pdf(data, copies=payload.copies, duplex=payload.duplex, emit=emit)
        return PrintResult(jobId=job.job_id, pages=job.pages)

    def supply_changed(self, supply: str, level: SupplyLevel) -> None:
        event = {"paper": "Printer.PaperThresholdEvent", "toner": "Printer.TonerThresholdEvent"}.get(supply)
        if event:
            self.publish(event, PaperThresholdPayload(supply=supply, level=level))


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""
