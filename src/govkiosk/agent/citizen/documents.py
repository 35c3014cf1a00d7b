"""Printing a case's result document (办理结果, e.g. a 参保证明) through the device layer.

`print_document` waits a short while for the department to deliver the document (polling the terminal API's
`GET {CASES_PATH}/{case}/document`, which answers only the kiosk that submitted the case), then prints it on
A4 like the receipt. When it does not come in time or the printer cannot print, the outcome says so plainly
with the case number, the progress QR code and the SMS offer. The PDF lives in memory for the length of the
print job only: nothing of it is written on the kiosk.
"""

import asyncio
import logging

from govkiosk.agent.citizen.receipts import (
    FailureReason,
    Fallback,
    NotPrinted,
    PrintOutcome,
    check_ready,
    failed,
    print_job,
    printed_outcome,
    printer_of,
    query_url,
)
from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.simulated import SimulatedDevices
from govkiosk.agent.sync.client import PlatformRefused, PlatformUnavailable, TerminalClient

log = logging.getLogger(__name__)

NOT_READY = 409  # the terminal API's answer while the department has not delivered the document yet
PRINTED = ("证明已打印，请取走。", "Your certificate has been printed: please take it.")
REASONS: dict[FailureReason, tuple[str, str]] = {
    "out_of_paper": (
        "打印机缺纸，暂时无法打印证明。",
        "The printer is out of paper, so the certificate cannot be printed.",
    ),
    "printer_fault": (
        "打印机故障，暂时无法打印证明。",
        "The printer has a fault, so the certificate cannot be printed.",
    ),
    "no_printer": ("本机无法打印此证明。", "This kiosk cannot print this certificate."),
    "platform_unreachable": (
        "暂时无法连接政务服务平台，证明无法打印。",
        "The government service platform cannot be reached, so the certificate cannot be printed.",
    ),
    "document_not_ready": (
        "证明尚未生成。您的申请已提交，办结后将以短信通知您。",
        "The certificate is not ready yet. Your application has been submitted; "
        "you will be told by text message when it is done.",
    ),
    "document_unavailable": (
        "暂时无法获取证明。您的申请已提交。",
        "The certificate is not available at the moment. Your application has been submitted.",
    ),
}


async def print_document(
    client: TerminalClient,
    token: str,
    devices: DeviceSet | SimulatedDevices,
    case_number: str,
    *,
    wait_s: float,
    poll_s: float = 0.5,
    phone_known: bool = False,
    print_timeout_s: float = 60.0,
) -> PrintOutcome:
    """Wait up to `wait_s` for the case's result document and print it; on any failure the way forward."""
    try:
        printer = printer_of(devices)
        check_ready(printer)  # no waiting for a document that cannot be printed
        pdf = await _document(client, token, case_number, wait_s=wait_s, poll_s=poll_s)
        job = await print_job(printer, pdf, None, print_timeout_s)
        del pdf
    except NotPrinted as failure:
        reachable = failure.reason != "platform_unreachable"
        qr_url = await query_url(client, token, case_number) if reachable else None
        fallback = Fallback(case_number, qr_url, sms=phone_known and reachable)
        return failed(failure, fallback, reasons=REASONS, kind="certificate")
    log.info("document_printed case=%s job=%s pages=%s", case_number, job.job_id, job.pages)
    return printed_outcome(job, printer, PRINTED, kind="certificate")


async def _document(
    client: TerminalClient, token: str, case_number: str, *, wait_s: float, poll_s: float
) -> bytes:
    """The document's PDF once the platform has it; `NotPrinted` when it will not come or not in time (an
    unreachable platform is asked again until then)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        try:
            pdf = await client.case_document(token, case_number)
        except PlatformUnavailable as exc:
            waiting = NotPrinted("platform_unreachable", str(exc))
        except PlatformRefused as exc:
            if exc.status != NOT_READY:  # 404: none will come; 410: its printing window has closed
                raise NotPrinted("document_unavailable", f"{exc.status} {exc.code}") from exc
            waiting = NotPrinted("document_not_ready", f"not ready within {wait_s:g} s")
        else:
            if not pdf.startswith(b"%PDF-"):
                raise NotPrinted("document_unavailable", "unreadable document: not a PDF")
            return pdf
        if loop.time() + poll_s > deadline:
            raise waiting
        await asyncio.sleep(poll_s)
