"""Printing the 受理回执 through the device layer, and the way forward the kiosk UI offers when it cannot.

`print_receipt` fetches a case's receipt from the platform (`GET {CASES_PATH}/{case}/receipt`, only the kiosk
that submitted the case may) and prints it on the kiosk's Printer in-process: A4 → the driver's `print_pdf`,
receipt paper → `print_receipt` with the text lines. `print_queued_slip` prints a local 已排队 slip for a
submission still waiting in the outbox. Nothing here writes the receipt to disk; only a masked name is printed
from what the agent knows.
"""

import asyncio
import logging
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from govkiosk.agent.devices.base import DeviceError
from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.printer import PrinterService, PrintJob
from govkiosk.agent.devices.simulated import SimulatedDevices
from govkiosk.agent.sync.client import TerminalClient
from govkiosk.agent.sync.outbox import OutboxEvent
from govkiosk.contracts.masking import mask_name
from govkiosk.contracts.terminal_api import CASES_PATH

log = logging.getLogger(__name__)

Paper = Literal["a4", "receipt"]
FailureReason = Literal[
    "out_of_paper",
    "printer_fault",
    "no_printer",
    "platform_unreachable",
    "receipt_unavailable",
    "document_not_ready",
    "document_unavailable",
]
PrintKind = Literal["receipt", "certificate"]  # a queued slip is printed as a "receipt"
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
COLUMNS = 48  # an 80 mm receipt at 12×24 dots: one CJK character takes two columns
QR_CAPTION = "扫码查询办理进度"
_URL_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")

REASONS: dict[FailureReason, tuple[str, str]] = {
    "out_of_paper": (
        "打印机缺纸，暂时无法打印回执。",
        "The printer is out of paper, so no receipt can be printed.",
    ),
    "printer_fault": (
        "打印机故障，暂时无法打印回执。",
        "The printer has a fault, so no receipt can be printed.",
    ),
    "no_printer": ("本机无法打印此回执。", "This kiosk cannot print this receipt."),
    "platform_unreachable": (
        "暂时无法连接政务服务平台，回执无法打印。",
        "The government service platform cannot be reached, so no receipt can be printed.",
    ),
    "receipt_unavailable": ("暂时无法获取回执。", "The receipt is not available at the moment."),
}
PRINTED = ("回执已打印，请取走。", "Your receipt has been printed: please take it.")
SLIP_PRINTED = ("排队凭条已打印，请取走。", "Your queue slip has been printed: please take it.")


@dataclass(frozen=True)
class Fallback:
    """What the UI shows instead of paper: the case (or queue entry) number, a QR code, an SMS offer."""

    case_number: str | None
    qr_url: str | None
    sms: bool
    entry_id: str | None = None

    def as_dict(self) -> dict[str, str | bool | None]:
        """The fallback as JSON for the kiosk UI."""
        return asdict(self)


@dataclass(frozen=True)
class PrintOutcome:
    """Printed (job id, pages), or not printed with a reason, a plain message and the fallback to offer."""

    printed: bool
    message_zh: str
    message_en: str
    job_id: int | None = None
    pages: int | None = None
    reason: FailureReason | None = None
    fallback: Fallback | None = None
    simulated: bool = False
    detail: str | None = None  # for logs and operators: never personal
    kind: PrintKind = "receipt"


class NotPrinted(Exception):
    """A step failed for `reason`; `detail` is for logs."""

    def __init__(self, reason: FailureReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason: FailureReason = reason
        self.detail = detail


# --- entry points ---------------------------------------------------------------------------------------


async def print_receipt(
    client: TerminalClient,
    token: str,
    devices: DeviceSet | SimulatedDevices,
    case_number: str,
    *,
    paper: Paper,
    qr_url: str | None = None,
    phone_known: bool = False,
    print_timeout_s: float = 60.0,
) -> PrintOutcome:
    """Fetch the case's receipt and print it; on any failure an outcome with the way forward."""
    text: str | None = None
    try:
        printer = printer_of(devices)
        check_ready(printer)
        document = await _fetch(client, token, case_number, "pdf" if paper == "a4" else "text")
        if paper == "receipt":
            text = _decode(document)
        job = await print_job(printer, document, text, print_timeout_s)
    except NotPrinted as failure:
        if qr_url is None and text is not None:
            qr_url = query_url_of(text)
        if qr_url is None and failure.reason not in ("platform_unreachable", "receipt_unavailable"):
            qr_url = await query_url(client, token, case_number)
        sms = phone_known and failure.reason != "platform_unreachable"  # the platform sends the SMS
        return failed(failure, Fallback(case_number, qr_url, sms))
    log.info("receipt_printed case=%s paper=%s job=%s pages=%s", case_number, paper, job.job_id, job.pages)
    return printed_outcome(job, printer, PRINTED)


async def print_queued_slip(
    devices: DeviceSet | SimulatedDevices,
    event: OutboxEvent,
    *,
    item_name: str,
    applicant_name: str | None = None,
    queued_at: datetime | None = None,
    print_timeout_s: float = 60.0,
) -> PrintOutcome:
    """Print a local 已排队 slip for a submission still in the outbox (no case number yet)."""
    text = "\n".join(queued_slip_lines(event, item_name, applicant_name, queued_at or datetime.now(UTC)))
    try:
        printer = printer_of(devices)
        check_ready(printer)
        job = await print_job(printer, b"", text, print_timeout_s)
    except NotPrinted as failure:
        return failed(failure, Fallback(None, None, sms=False, entry_id=event.entry_id))
    log.info("queued_slip_printed entry=%s job=%s", event.entry_id, job.job_id)
    return printed_outcome(job, printer, SLIP_PRINTED)


# --- the platform ---------------------------------------------------------------------------------------


async def _fetch(client: TerminalClient, token: str, case_number: str, fmt: Literal["pdf", "text"]) -> bytes:
    """The receipt as the platform renders it; `NotPrinted` when it cannot be had."""
    url = f"{client.base}{CASES_PATH}/{quote(case_number, safe='')}/receipt"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        response = await client.http.get(url, params={"format": fmt}, headers=headers)
    except httpx.HTTPError as exc:
        raise NotPrinted("platform_unreachable", type(exc).__name__) from exc
    if response.status_code >= 500:
        raise NotPrinted("platform_unreachable", f"HTTP {response.status_code}")
    if response.status_code >= 400:
        raise NotPrinted("receipt_unavailable", f"HTTP {response.status_code}")
    if fmt == "pdf" and not response.content.startswith(b"%PDF-"):
        raise NotPrinted("platform_unreachable", "unreadable receipt: not a PDF")
    return response.content


def _decode(document: bytes) -> str:
    """The text receipt, or `platform_unreachable` when it is not UTF-8 (an answer we cannot read)."""
    try:
        return document.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotPrinted("platform_unreachable", "unreadable receipt: not UTF-8") from exc


async def query_url(client: TerminalClient, token: str, case_number: str) -> str | None:
    """The progress page's URL from the text receipt, or None when it cannot be had."""
    try:
        return query_url_of(_decode(await _fetch(client, token, case_number, "text")))
    except NotPrinted:
        return None


def query_url_of(text: str) -> str | None:
    """The progress URL printed under the receipt's QR caption (re-joined when it was wrapped)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(QR_CAPTION):
            parts = []
            for part in lines[i + 1 :]:
                if not _URL_CHARS.match(part):
                    break
                parts.append(part)
            url = "".join(parts)
            return url if url.startswith(("https://", "http://")) else None
    return None


# --- the printer ----------------------------------------------------------------------------------------


def printer_of(devices: DeviceSet | SimulatedDevices) -> PrinterService:
    """The kiosk's Printer service, or `no_printer`."""
    device_set = devices.device_set if isinstance(devices, SimulatedDevices) else devices
    service = device_set.services.get("Printer")
    if not isinstance(service, PrinterService):
        raise NotPrinted("no_printer", "this kiosk has no Printer")
    return service


def check_ready(printer: PrinterService) -> None:
    """Refuse early, before fetching anything, when the printer already says it cannot print."""
    status = printer.driver.status()
    if status.device == "noDevice":
        raise NotPrinted("no_printer", status.detail or "noDevice")
    if status.device != "online":
        raise NotPrinted("printer_fault", status.detail or status.device)
    if any(s.name == "paper" and s.level == "out" for s in status.supplies):
        raise NotPrinted("out_of_paper", "paper out")


async def print_job(printer: PrinterService, pdf: bytes, text: str | None, timeout_s: float) -> PrintJob:
    """One job on the driver under the service's lock (the local device protocol's rule)."""
    driver = printer.driver
    operation = (
        driver.print_receipt(text, cut=True)
        if text is not None
        else driver.print_pdf(pdf, copies=1, duplex=False)
    )
    try:
        async with printer.lock:
            return await asyncio.wait_for(operation, timeout=timeout_s)
    except TimeoutError as exc:
        raise NotPrinted("printer_fault", f"no answer in {timeout_s:g} s") from exc
    except DeviceError as exc:
        raise NotPrinted(_reason_of(exc), f"{exc.code}: {exc.description}") from exc


def _reason_of(error: DeviceError) -> FailureReason:
    """The outcome reason of a driver's failure."""
    if "paper out" in error.description:
        return "out_of_paper"
    if error.code == "unsupportedCommand" or (
        error.code == "deviceNotReady" and error.description in ("not present", "unplugged")
    ):
        return "no_printer"
    return "printer_fault"


# --- outcomes -------------------------------------------------------------------------------------------


def printed_outcome(
    job: PrintJob, printer: PrinterService, message: tuple[str, str], kind: PrintKind = "receipt"
) -> PrintOutcome:
    """A finished print job as the outcome the kiosk UI reads."""
    return PrintOutcome(
        printed=True, message_zh=message[0], message_en=message[1], job_id=job.job_id, pages=job.pages,
        simulated=printer.simulated, kind=kind,
    )  # fmt: skip


def failed(
    failure: NotPrinted,
    fallback: Fallback,
    *,
    reasons: dict[FailureReason, tuple[str, str]] = REASONS,
    kind: PrintKind = "receipt",
) -> PrintOutcome:
    """Nothing printed: the reason said plainly (in `reasons`' words) and the way forward."""
    log.warning("not_printed kind=%s reason=%s detail=%s case=%s entry=%s", kind, failure.reason,
                failure.detail, fallback.case_number, fallback.entry_id)  # fmt: skip
    zh, en = reasons[failure.reason]
    way_zh, way_en = way_forward(fallback)
    return PrintOutcome(
        printed=False, message_zh=zh + way_zh, message_en=f"{en} {way_en}", reason=failure.reason,
        fallback=fallback, detail=failure.detail, kind=kind,
    )  # fmt: skip


def way_forward(fallback: Fallback) -> tuple[str, str]:
    """What the citizen can do instead of taking paper, in Chinese and English."""
    if fallback.case_number is not None:
        zh, en = ["请记下屏幕上的办件编号"], ["Please note the case number on the screen"]
    else:
        zh, en = ["请记下屏幕上的排队编号"], ["Please note the queue number on the screen"]
    if fallback.qr_url:
        zh.append("或用手机扫描屏幕上的二维码查询办理进度")
        en.append("or scan the QR code on the screen to follow the progress")
    if fallback.sms:
        zh.append("也可选择以短信发送到您的手机")
        en.append("or have it sent to your phone by SMS")
    return "，".join(zh) + "。", ", ".join(en) + "."


# --- the queued slip ------------------------------------------------------------------------------------


def queued_slip_lines(
    event: OutboxEvent, item_name: str, applicant_name: str | None, queued_at: datetime
) -> list[str]:
    """The 已排队 slip: item, masked name, time, entry id and the outbox's plain message; nothing else."""
    rule = "-" * COLUMNS
    blocks = ["政务服务自助终端", "申请排队凭条", rule, "*** 已排队 ***", rule, f"事项名称：{item_name}"]
    if applicant_name:
        blocks.append(f"申请人：{mask_name(applicant_name)}")
    blocks += [f"排队时间：{local_time(queued_at)}", f"排队编号：{event.entry_id}", rule]
    blocks += [event.message_zh, event.message_en, rule]
    blocks.append("本凭条不是受理回执。提交成功后生成办件编号，可凭身份证在自助终端查询办理进度。")
    return [line for block in blocks for line in wrap(block, COLUMNS)]


def local_time(moment: datetime) -> str:
    """An aware instant as Shenzhen local time (2026-11-28 10:15)."""
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def wrap(text: str, columns: int) -> list[str]:
    """Line breaking by display columns (CJK characters count two); Latin words break at a space."""
    lines, line = [], ""
    for char in text:
        if _width(line + char) <= columns:
            line += char
            continue
        cut = line.rfind(" ") if char.isascii() and char != " " and line[-1:].isascii() else -1
        lines.append(line[:cut] if cut > 0 else line)
        line = (line[cut + 1 :] if cut > 0 else "") + ("" if char == " " else char)
    return [*lines, line]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
