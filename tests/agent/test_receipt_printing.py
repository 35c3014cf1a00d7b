"""Printing the 受理回执 through the device layer, against a fake platform serving real receipts."""

import dataclasses
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from govkiosk.agent.citizen.receipts import (
    PrintOutcome,
    print_queued_slip,
    print_receipt,
    query_url_of,
)
from govkiosk.agent.devices.base import DeviceError
from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.id_numbers import check_digit
from govkiosk.agent.devices.images import pdf_page_count
from govkiosk.agent.devices.printer import PrinterService, PrintJob, SimulatedPrinter
from govkiosk.agent.devices.simulated import SimulatedDevices
from govkiosk.agent.sync.client import TerminalClient
from govkiosk.agent.sync.outbox import QUEUED_EN, QUEUED_ZH, Outbox, OutboxEvent
from govkiosk.contracts.devices import StatusPayload
from govkiosk.contracts.terminal_api import API_PREFIX, CASES_PATH, Applicant, CaseSubmission
from govkiosk.platform.support import receipts as platform_receipts

PLATFORM = "http://platform.test"
TOKEN = "terminal-token-1"
CASE = "K440304-20261128-000123-7"
NAME = "测试张三"
MASKED = "测**三"
ID_NUMBER = "44030419900101123" + check_digit("44030419900101123")
QUERY_URL = "https://gov.sz.example.cn/q/7Hq2mX9vK4pLz8Rt5Wc1Ny6Bd3Fg0Jh2Ks4Qa9"  # longer than a line: wraps


@pytest.fixture(scope="module")
def receipt() -> platform_receipts.ReceiptData:
    """A synthetic citizen's receipt, rendered by the platform's own renderer."""
    sample = platform_receipts.sample_receipt()
    return dataclasses.replace(
        sample, case_number=CASE, applicant_name=NAME, id_number=ID_NUMBER, query_url=QUERY_URL
    )


@pytest.fixture(scope="module")
def served(receipt: platform_receipts.ReceiptData) -> dict[str, bytes]:
    """What the fake platform serves, by format: a real PDF and the real text lines."""
    text = "\n".join(platform_receipts.receipt_text_lines(receipt))
    return {"pdf": platform_receipts.render_pdf(receipt), "text": text.encode()}


class FakePlatform:
    """The receipt endpoint: only this kiosk's case, only with its token; records every request."""

    def __init__(self, served: dict[str, bytes], *, fail: Callable[[], httpx.Response] | None = None) -> None:
        self.served = served
        self.fail = fail
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fail is not None:
            return self.fail()
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json={"error": {"code": "unauthenticated", "message": "token"}})
        if request.url.path != f"{API_PREFIX}{CASES_PATH}/{CASE}/receipt":
            return httpx.Response(404, json={"error": {"code": "not_found", "message": "case"}})
        fmt = request.url.params.get("format", "pdf")
        media = "application/pdf" if fmt == "pdf" else "text/plain; charset=utf-8"
        return httpx.Response(200, content=self.served[fmt], headers={"Content-Type": media})

    def formats(self) -> list[str | None]:
        return [r.url.params.get("format") for r in self.requests]


def client_of(handler: Callable[[httpx.Request], httpx.Response]) -> TerminalClient:
    return TerminalClient(httpx.AsyncClient(transport=httpx.MockTransport(handler)), PLATFORM)


def unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("no route to host", request=request)


def printer_of(devices: SimulatedDevices) -> SimulatedPrinter:
    printer = devices.device_set.driver("Printer")
    assert isinstance(printer, SimulatedPrinter)
    return printer


def assert_fallback(outcome: PrintOutcome, reason: str, *, qr_url: str | None, sms: bool) -> None:
    assert not outcome.printed and outcome.reason == reason
    assert outcome.fallback is not None
    assert outcome.fallback.as_dict() == {"case_number": CASE, "qr_url": qr_url, "sms": sms, "entry_id": None}
    assert "办件编号" in outcome.message_zh and "case number" in outcome.message_en


# --- printed ----------------------------------------------------------------------------------------------


async def test_a4_prints_the_platforms_pdf_on_the_simulated_printer(served: dict[str, bytes]) -> None:
    platform, devices = FakePlatform(served), SimulatedDevices()
    outcome = await print_receipt(client_of(platform.handle), TOKEN, devices, CASE, paper="a4")
    assert outcome.printed and outcome.reason is None and outcome.fallback is None
    assert outcome.simulated
    jobs = printer_of(devices).jobs
    assert [(j.kind, j.pdf) for j in jobs] == [("pdf", served["pdf"])]
    assert (outcome.job_id, outcome.pages) == (jobs[0].job_id, pdf_page_count(served["pdf"]))
    assert platform.formats() == ["pdf"]


async def test_receipt_paper_prints_the_text_lines_with_a_cut(served: dict[str, bytes]) -> None:
    platform, devices = FakePlatform(served), SimulatedDevices()
    outcome = await print_receipt(
        client_of(platform.handle), TOKEN, devices.device_set, CASE, paper="receipt"
    )
    assert outcome.printed and outcome.job_id == 1 and outcome.pages == 1
    [job] = printer_of(devices).jobs
    assert job.kind == "receipt" and job.cut and job.text == served["text"].decode()
    assert MASKED in job.text and NAME not in job.text and ID_NUMBER not in job.text
    assert platform.formats() == ["text"]


def test_the_query_url_is_rejoined_from_the_wrapped_text(served: dict[str, bytes]) -> None:
    text = served["text"].decode()
    assert QUERY_URL not in text.splitlines()  # the renderer did wrap it
    assert query_url_of(text) == QUERY_URL
    assert query_url_of("no caption here") is None


# --- the printer cannot print -----------------------------------------------------------------------------


async def test_out_of_paper_gives_the_case_number_qr_and_sms(served: dict[str, bytes]) -> None:
    platform, devices = FakePlatform(served), SimulatedDevices()
    devices.inject("Printer", "paper_out")
    outcome = await print_receipt(
        client_of(platform.handle), TOKEN, devices, CASE, paper="a4", phone_known=True
    )
    assert_fallback(outcome, "out_of_paper", qr_url=QUERY_URL, sms=True)
    assert "缺纸" in outcome.message_zh and "短信" in outcome.message_zh and "SMS" in outcome.message_en
    assert printer_of(devices).jobs == []
    assert platform.formats() == ["text"]  # the PDF was not fetched for nothing; the text gave the QR URL


class BlindPrinter(SimulatedPrinter):
    """A printer that cannot report its paper (a write-only USB link) and finds out when it prints."""

    def status(self) -> StatusPayload:
        return super().status().model_copy(update={"supplies": []})


async def test_paper_running_out_during_the_job_is_out_of_paper(served: dict[str, bytes]) -> None:
    printer = BlindPrinter()
    printer.inject("paper_out")
    platform = FakePlatform(served)
    devices = DeviceSet([PrinterService(printer)])
    outcome = await print_receipt(client_of(platform.handle), TOKEN, devices, CASE, paper="receipt")
    assert_fallback(outcome, "out_of_paper", qr_url=QUERY_URL, sms=False)
    assert outcome.detail == "commandErrorCode: paper out"
    assert platform.formats() == ["text"]  # fetched once; the QR URL came from the same text


@pytest.mark.parametrize("fault", ["jam", "cover_open", "hardware_error", "offline"])
async def test_a_printer_fault_gives_the_fallback(served: dict[str, bytes], fault: str) -> None:
    platform, devices = FakePlatform(served), SimulatedDevices()
    devices.inject("Printer", fault)  # type: ignore[arg-type]
    outcome = await print_receipt(client_of(platform.handle), TOKEN, devices, CASE, paper="receipt")
    assert_fallback(outcome, "printer_fault", qr_url=QUERY_URL, sms=False)
    assert "故障" in outcome.message_zh


async def test_a_printer_that_hangs_times_out_as_a_fault(served: dict[str, bytes]) -> None:
    devices = SimulatedDevices()
    devices.device_set.inject("Printer", "timeout")
    client = client_of(FakePlatform(served).handle)
    outcome = await print_receipt(client, TOKEN, devices, CASE, paper="a4", print_timeout_s=0.05)
    assert_fallback(outcome, "printer_fault", qr_url=QUERY_URL, sms=False)
    assert printer_of(devices).cancelled == 1 and printer_of(devices).jobs == []


async def test_a_kiosk_without_a_printer(served: dict[str, bytes]) -> None:
    platform = FakePlatform(served)
    devices = SimulatedDevices(["IdCardReader", "Camera"])
    outcome = await print_receipt(
        client_of(platform.handle), TOKEN, devices, CASE, paper="a4", qr_url="https://given/q/1"
    )
    assert_fallback(outcome, "no_printer", qr_url="https://given/q/1", sms=False)
    assert platform.requests == []  # the QR URL was given: nothing fetched


async def test_an_unplugged_printer_is_no_printer(served: dict[str, bytes]) -> None:
    devices = SimulatedDevices()
    devices.inject("Printer", "not_present")
    outcome = await print_receipt(client_of(FakePlatform(served).handle), TOKEN, devices, CASE, paper="a4")
    assert_fallback(outcome, "no_printer", qr_url=QUERY_URL, sms=False)


class ReceiptOnlyPrinter(SimulatedPrinter):
    """Like the ESC/POS driver: receipts only."""

    async def print_pdf(self, data: bytes, *, copies: int, duplex: bool, emit: object = None) -> PrintJob:
        raise DeviceError("unsupportedCommand", "a receipt printer does not print A4 PDFs")


async def test_a4_on_a_receipt_only_printer_is_no_printer(served: dict[str, bytes]) -> None:
    devices = DeviceSet([PrinterService(ReceiptOnlyPrinter())])
    outcome = await print_receipt(client_of(FakePlatform(served).handle), TOKEN, devices, CASE, paper="a4")
    assert_fallback(outcome, "no_printer", qr_url=QUERY_URL, sms=False)


# --- the platform cannot give the receipt -----------------------------------------------------------------


async def test_platform_unreachable_offers_the_case_number_but_no_sms(served: dict[str, bytes]) -> None:
    devices = SimulatedDevices()
    outcome = await print_receipt(
        client_of(unreachable), TOKEN, devices, CASE, paper="receipt", phone_known=True
    )
    assert_fallback(outcome, "platform_unreachable", qr_url=None, sms=False)
    assert outcome.detail == "ConnectError" and printer_of(devices).jobs == []


async def test_a_platform_error_or_an_unreadable_pdf_is_unreachable(served: dict[str, bytes]) -> None:
    for platform in (
        FakePlatform(served, fail=lambda: httpx.Response(503)),
        FakePlatform({"pdf": b"<html>proxy login</html>", "text": served["text"]}),
    ):
        devices = SimulatedDevices()
        outcome = await print_receipt(client_of(platform.handle), TOKEN, devices, CASE, paper="a4")
        assert_fallback(outcome, "platform_unreachable", qr_url=None, sms=False)
        assert printer_of(devices).jobs == []


async def test_another_kiosks_case_is_not_available(served: dict[str, bytes]) -> None:
    platform, devices = FakePlatform(served), SimulatedDevices()
    outcome = await print_receipt(client_of(platform.handle), "other-token", devices, CASE, paper="a4")
    assert_fallback(outcome, "receipt_unavailable", qr_url=None, sms=False)
    assert outcome.detail == "HTTP 401" and printer_of(devices).jobs == []


# --- queued in the outbox: the local slip -----------------------------------------------------------------


def queued_event(tmp_path: Path) -> OutboxEvent:
    """The event a real outbox emits when a citizen's submission is queued."""
    events: list[OutboxEvent] = []
    outbox = Outbox(tmp_path / "state", on_event=events.append)
    applicant = Applicant(name=NAME, id_number=ID_NUMBER, phone="13800138000", verified_by="idcard_face")
    submission = CaseSubmission(
        idempotency_key="k" * 32, item_id=7, item_version=2, data={"reason": "测试"}, applicant=applicant,
        submitted_at=datetime(2026, 11, 28, 2, 15, tzinfo=UTC),
    )  # fmt: skip
    outbox.enqueue(submission)
    [event] = events
    assert event.kind == "queued"
    return event


async def test_unreachable_then_the_queued_slip_is_printed(tmp_path: Path) -> None:
    event, devices = queued_event(tmp_path), SimulatedDevices()
    first = await print_receipt(client_of(unreachable), TOKEN, devices, CASE, paper="receipt")
    assert first.reason == "platform_unreachable"
    queued_at = datetime(2026, 11, 28, 2, 15, tzinfo=UTC)
    outcome = await print_queued_slip(
        devices, event, item_name="灵活就业人员参保登记", applicant_name=NAME, queued_at=queued_at
    )
    assert outcome.printed and outcome.job_id == 1 and outcome.simulated
    [job] = printer_of(devices).jobs
    assert job.kind == "receipt" and job.cut and job.text is not None
    lines = job.text.splitlines()
    for expected in (
        "*** 已排队 ***",
        "事项名称：灵活就业人员参保登记",
        "排队时间：2026-11-28 10:15",
        QUEUED_ZH,
    ):
        assert expected in lines
    assert f"排队编号：{event.entry_id}" in lines
    assert QUEUED_EN in " ".join(lines)  # wrapped between words
    assert f"申请人：{MASKED}" in job.text


async def test_the_slip_carries_nothing_personal_beyond_the_masked_name(tmp_path: Path) -> None:
    event, devices = queued_event(tmp_path), SimulatedDevices()
    await print_queued_slip(devices, event, item_name="事项", applicant_name=NAME)
    text = printer_of(devices).jobs[0].text or ""
    for personal in (NAME, ID_NUMBER, ID_NUMBER[-4:], "13800138000", "8000"):
        assert personal not in text
    assert all(len(line.encode("gbk")) <= 48 for line in text.splitlines())  # fits an 80 mm roll


async def test_a_slip_that_cannot_print_shows_the_queue_number(tmp_path: Path) -> None:
    event, devices = queued_event(tmp_path), SimulatedDevices()
    devices.inject("Printer", "paper_out")
    outcome = await print_queued_slip(devices, event, item_name="事项")
    assert not outcome.printed and outcome.reason == "out_of_paper"
    assert outcome.fallback is not None
    assert outcome.fallback.as_dict() == {
        "case_number": None, "qr_url": None, "sms": False, "entry_id": event.entry_id
    }  # fmt: skip
    assert "排队编号" in outcome.message_zh


# --- nothing left behind ----------------------------------------------------------------------------------


async def test_printing_writes_nothing_to_disk(
    served: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work, temp = tmp_path / "cwd", tmp_path / "tmp"
    work.mkdir()
    temp.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("TMPDIR", str(temp))
    devices = SimulatedDevices()
    client = client_of(FakePlatform(served).handle)
    for paper in ("a4", "receipt"):
        assert (await print_receipt(client, TOKEN, devices, CASE, paper=paper)).printed  # type: ignore[arg-type]
    assert list(work.iterdir()) == [] and list(temp.iterdir()) == []
