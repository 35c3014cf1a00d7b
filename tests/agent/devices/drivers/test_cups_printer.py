"""The CUPS A4 printer against a fake pycups module: jobs, cancellation, queue status."""

import asyncio
import base64
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from govkiosk.agent.devices.base import DeviceError
from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.drivers.cups_printer import CupsPrinter, create, read_status
from govkiosk.agent.devices.images import pdf
from govkiosk.agent.devices.printer import PrinterService
from tests.agent.devices.client import client, code, running_server, wait_for
from tests.agent.devices.drivers.devices_file import write_devices
from tests.agent.devices.test_device_classes import run

DOCUMENT = pdf(["form"])


class FakeConnection:
    """A CUPS server with one queue: jobs go through `job_states` one poll at a time."""

    def __init__(self) -> None:
        self.printer = {"printer-state": 3, "printer-state-reasons": ["none"]}
        self.job_states: list[int] = [5, 9]  # processing, then completed
        self.job_reasons = ["job-completed-successfully"]
        self.submitted: list[tuple[str, bytes, str, dict[str, str]]] = []
        self.canceled: list[int] = []
        self.polls = 0

    def getPrinterAttributes(self, name: str) -> dict[str, Any]:  # noqa: N802 — pycups' names
        if name != "A4":
            raise RuntimeError("client-error-not-found")
        return dict(self.printer)

    def printFile(self, printer: str, path: str, title: str, options: dict[str, str]) -> int:  # noqa: N802
        self.submitted.append((printer, Path(path).read_bytes(), title, options))
        return 41 + len(self.submitted)

    def getJobAttributes(self, job_id: int) -> dict[str, Any]:  # noqa: N802
        self.polls += 1
        state = self.job_states.pop(0) if len(self.job_states) > 1 else self.job_states[0]
        return {"job-id": job_id, "job-state": state, "job-state-reasons": self.job_reasons}

    def cancelJob(self, job_id: int) -> None:  # noqa: N802
        self.canceled.append(job_id)


def fake_cups(connection: FakeConnection) -> Any:
    return SimpleNamespace(Connection=lambda: connection)


def printer(connection: FakeConnection, **options: Any) -> CupsPrinter:
    return create("Printer", {"printer": "A4", "poll_s": 0.01, **options}, cups_module=fake_cups(connection))


def pdf_command(copies: int = 1, duplex: bool = False) -> dict[str, Any]:
    return {"pdf": base64.b64encode(DOCUMENT).decode(), "copies": copies, "duplex": duplex}


async def test_pdf_job_is_submitted_and_followed_until_completed() -> None:
    cups = FakeConnection()
    done, _ = await run(
        DeviceSet([PrinterService(printer(cups))]), "Printer", "Printer.PrintPdf", pdf_command(2, True)
    )
    assert done["header"]["completionCode"] == "success"
    assert done["payload"] == {"jobId": 42, "pages": 2}
    assert cups.submitted == [("A4", DOCUMENT, "govkiosk", {"copies": "2", "sides": "two-sided-long-edge"})]
    assert cups.polls == 2


async def test_job_event_is_emitted_when_the_service_passes_emit() -> None:
    events: list[tuple[str, Any]] = []
    job = await printer(FakeConnection()).print_pdf(
        DOCUMENT, copies=1, duplex=False, emit=lambda name, body: events.append((name, body))
    )
    assert job.job_id == 42
    assert [body["state"] for _, body in events] == ["queued", "completed"]


@pytest.mark.parametrize(("state", "word"), [(8, "aborted"), (7, "canceled")])
async def test_aborted_job_is_a_hardware_error_with_its_reasons(state: int, word: str) -> None:
    cups = FakeConnection()
    cups.job_states, cups.job_reasons = [5, state], ["job-aborted-by-system", "document-format-error"]
    with pytest.raises(DeviceError) as caught:
        await printer(cups).print_pdf(DOCUMENT, copies=1, duplex=False)
    assert caught.value.code == "hardwareError"
    assert caught.value.description == f"job 42 {word}: job-aborted-by-system, document-format-error"


async def test_cancelled_command_cancels_the_cups_job() -> None:
    cups = FakeConnection()
    cups.job_states = [5]  # processing forever
    task = asyncio.create_task(printer(cups).print_pdf(DOCUMENT, copies=1, duplex=False))
    await wait_for(lambda: cups.polls >= 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cups.canceled == [42]


async def test_common_cancel_over_the_device_server_cancels_the_job() -> None:
    cups = FakeConnection()
    cups.job_states = [5]
    async with (
        running_server(DeviceSet([PrinterService(printer(cups))])) as server,
        client(server, "Printer") as c,
    ):
        await c.send("Printer.PrintPdf", 1, pdf_command())
        await wait_for(lambda: cups.polls >= 1)
        await c.send("Common.Cancel", 2, {"requestIds": [1]})
        await c.until_completion(2)
        completions = {
            m["header"]["requestId"]: code(m) for m in c.messages if m["header"]["type"] == "completion"
        }
        assert completions == {1: "canceled", 2: "success"}
    assert cups.canceled == [42]


async def test_timeout_cancels_the_job() -> None:
    cups = FakeConnection()
    cups.job_states = [5]
    with pytest.raises(DeviceError, match="not done after"):
        await printer(cups, job_timeout_s=0.05).print_pdf(DOCUMENT, copies=1, duplex=False)
    assert cups.canceled == [42]


@pytest.mark.parametrize(
    ("state", "reasons", "device", "detail", "paper", "toner"),
    [
        (3, ["none"], "online", None, "ok", "ok"),
        (4, [], "deviceBusy", None, "ok", "ok"),
        (5, ["paused"], "offline", "queue stopped", "ok", "ok"),
        (3, ["media-empty-error"], "online", "paper out", "out", "ok"),
        (3, ["media-needed"], "online", "paper out", "out", "ok"),
        (3, ["media-low-report"], "online", "paper low", "low", "ok"),
        (3, ["toner-low-warning"], "online", "toner low", "ok", "low"),
        (3, ["toner-empty-error"], "online", "toner empty", "ok", "out"),
        (3, ["cover-open-error", "media-low"], "userError", "cover open", "low", "ok"),
        (5, ["door-open"], "userError", "cover open", "ok", "ok"),
        (3, ["offline-report"], "offline", "printer offline", "ok", "ok"),
    ],
)
def test_state_reasons(
    state: int, reasons: list[str], device: str, detail: str | None, paper: str, toner: str
) -> None:
    reading = read_status({"printer-state": state, "printer-state-reasons": reasons})
    assert (reading.state, reading.detail) == (device, detail)
    assert reading.supplies == {"paper": paper, "toner": toner}


async def test_paper_out_refuses_the_job_and_raises_a_threshold_event() -> None:
    cups = FakeConnection()
    service = PrinterService(printer(cups))
    seen: list[tuple[str, Any]] = []
    service.subscribe(lambda name, body: seen.append((name, body)))
    cups.printer["printer-state-reasons"] = ["media-empty-error"]
    done, _ = await run(DeviceSet([service]), "Printer", "Printer.PrintPdf", pdf_command())
    assert done["header"]["completionCode"] == "commandErrorCode"
    assert ("Printer.PaperThresholdEvent", {"supply": "paper", "level": "out"}) in seen
    assert cups.submitted == []


async def test_receipts_are_unsupported() -> None:
    devices = DeviceSet([PrinterService(printer(FakeConnection()))])
    done, _ = await run(devices, "Printer", "Printer.PrintRaw", {"text": "x"})
    assert done["header"]["completionCode"] == "unsupportedCommand"
    done, _ = await run(devices, "Printer", "Printer.PrintForm", {"form": "receipt"})
    assert done["header"]["completionCode"] == "unsupportedCommand"


async def test_cups_down_is_offline_and_unknown_queue_is_no_device() -> None:
    def refuse() -> None:
        raise RuntimeError("failed to connect to server")

    down = CupsPrinter(SimpleNamespace(Connection=refuse), printer="A4")
    await down.poll()
    assert down.status().device == "offline"
    missing = CupsPrinter(fake_cups(FakeConnection()), printer="Nope")
    await missing.poll()
    assert missing.status().device == "noDevice"
    with pytest.raises(DeviceError) as caught:
        await missing.print_pdf(DOCUMENT, copies=1, duplex=False)
    assert caught.value.code == "deviceNotReady"


def test_devices_file_selects_cups(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="option 'printer' is required"):
        DeviceSet.from_file(write_devices(tmp_path, {"Printer": {"driver": "cups"}}))
    spec = {"driver": "cups", "printer": "A4", "colour": "red"}
    with pytest.raises(ValueError, match=r"unknown options \['colour'\]"):
        DeviceSet.from_file(write_devices(tmp_path, {"Printer": spec}))
