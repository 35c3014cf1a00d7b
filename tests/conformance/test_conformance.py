"""The conformance kit passes our simulated device service and fails a broken one, naming the broken rules."""

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from typer.testing import CliRunner

from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.local.device_server import DeviceServer
from govkiosk.cli import app
from govkiosk.conformance.context import Options
from govkiosk.conformance.function import id_number_valid
from govkiosk.conformance.report import Report
from govkiosk.conformance.runner import run
from tests.conformance.broken_service import ALL_FLAWS, NO_SIMULATOR, BrokenService

TOKEN = "conformance-test-token"


class Served(Protocol):
    @property
    def ws_base(self) -> str: ...

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


def quiet(lines: list[str]) -> Callable[[str], None]:
    return lines.append


async def run_kit(service: Served, lines: list[str], **options: Any) -> Report:
    settings: dict[str, Any] = {"unattended": True, "soak": 200, "fault_wait": 1.0, "echo": quiet(lines)}
    settings.update(options)
    return await run(service.ws_base, classes=None, options=Options(**settings))


def checks(report: Report, status: str) -> set[str]:
    """`Class/level/name` of the checks that passed, failed or were skipped."""
    found = set()
    for cls, result in report.classes.items():
        for number, level in result.levels.items():
            for check in level.checks:
                state = "skipped" if check.skipped else ("passed" if check.passed else "failed")
                if state == status:
                    found.add(f"{cls}/{number}/{check.name}")
    return found


async def test_kit_passes_the_simulated_service() -> None:
    server = DeviceServer(DeviceSet.simulated(), token=TOKEN)
    await server.start()
    lines: list[str] = []
    try:
        report = await run_kit(server, lines, token=TOKEN)
    finally:
        await server.stop()
    assert report.passed, report.failed_checks()
    assert report.simulated
    assert checks(report, "skipped") == set()
    assert set(report.classes) == set(DeviceSet.simulated().services)
    for result in report.classes.values():
        assert set(result.levels) == {"1", "2", "3"}
        assert len(result.levels["1"].checks) == 14
    soak = report.figures["soak"]
    assert soak["class"] == "IdCardReader" and soak["reads"] == 200 and soak["errors"] == 0
    assert report.figures["IdCardReader acknowledge ms"]["count"] == 50
    assert any("[ok  ] timeout → timeOut" in line for line in lines)


async def test_kit_fails_the_broken_service_naming_each_broken_rule() -> None:
    service = BrokenService(ALL_FLAWS)
    await service.start()
    try:
        report = await run_kit(service, [], soak=20)
    finally:
        await service.stop()
    assert not report.passed
    failed = checks(report, "failed")
    assert failed == {
        "IdCardReader/1/unsupported command → unsupportedCommand",
        "IdCardReader/1/duplicate requestId → invalidRequestID",
        "IdCardReader/1/Common.Cancel → canceled",
        "IdCardReader/1/timeout → timeOut",
        "IdCardReader/1/exactly one completion",
        "IdCardReader/1/acknowledge before events and completion",
        "IdCardReader/2/read ID card → fields, valid check digit",
        "IdCardReader/3/fault raises StatusChangedEvent",
        "IdCardReader/3/recovery raises StatusChangedEvent",
        "IdCardReader/3/soak",
    }
    reasons = {c.name: c.reason for c in report.classes["IdCardReader"].levels["1"].checks}
    assert (
        "completed invalidCommand, expected unsupportedCommand"
        in reasons["unsupported command → unsupportedCommand"]
    )
    assert "not refused" in reasons["duplicate requestId → invalidRequestID"]
    assert "completed success, expected canceled" in reasons["Common.Cancel → canceled"]
    assert "after its completion" in reasons["exactly one completion"]
    assert "before its acknowledge" in reasons["acknowledge before events and completion"]


async def test_one_flaw_fails_exactly_its_check() -> None:
    service = BrokenService(frozenset({"two_completions"}))
    await service.start()
    try:
        report = await run_kit(service, [], soak=20)
    finally:
        await service.stop()
    assert checks(report, "failed") == {"IdCardReader/1/exactly one completion"}


async def test_unattended_without_simulator_commands_skips_with_reasons() -> None:
    service = BrokenService(frozenset({NO_SIMULATOR}))
    await service.start()
    try:
        report = await run_kit(service, [], soak=20)
    finally:
        await service.stop()
    skipped = checks(report, "skipped")
    assert "IdCardReader/1/Common.Cancel → canceled" in skipped
    assert "IdCardReader/3/fault raises StatusChangedEvent" in skipped
    assert "IdCardReader/2/read ID card → fields, valid check digit" in skipped
    reasons = [c.reason for c in report.classes["IdCardReader"].levels["3"].checks if c.skipped]
    assert all("unattended" in r or "real reader" in r or "person" in r for r in reasons), reasons
    assert checks(report, "failed") == set()


def test_id_number_check_digit() -> None:
    assert id_number_valid("11010519491231002X")
    assert id_number_valid("440304199001011233")
    assert not id_number_valid("440304199001011234")
    assert not id_number_valid("44030419900101123")


async def _stop(service: Served) -> None:
    await service.stop()


@contextmanager
def served_in_thread(factory: Callable[[], Served]) -> Iterator[Served]:
    """A service on its own event loop, so the CLI can run its own `asyncio.run`."""
    loop = asyncio.new_event_loop()
    service = factory()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(service.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield service
    finally:
        asyncio.run_coroutine_threadsafe(_stop(service), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def test_cli_exit_codes_and_reports(tmp_path: Path) -> None:
    runner = CliRunner()
    out_json, out_html = tmp_path / "out.json", tmp_path / "out.html"
    with served_in_thread(lambda: DeviceServer(DeviceSet.simulated(), token=TOKEN)) as server:
        args = ["conformance", "--url", server.ws_base, "--token", TOKEN, "--classes", "Printer"]
        result = runner.invoke(
            app, [*args, "--unattended", "--report", str(out_json), "--html", str(out_html)]
        )
    assert result.exit_code == 0, result.output
    assert "Printer — 级别 level 1 协议 protocol" in result.output
    report = json.loads(out_json.read_text())
    assert report["passed"] is True and list(report["classes"]) == ["Printer"]
    check = report["classes"]["Printer"]["levels"]["1"]["checks"][0]
    assert set(check) >= {"name", "passed", "reason", "ms"}
    page = out_html.read_text()
    assert "设备服务一致性报告" in page and "Device service conformance report" in page
    assert "<script" not in page and "http" not in page.split("<code>")[0]

    with served_in_thread(lambda: BrokenService(ALL_FLAWS)) as broken:
        args = ["conformance", "--url", broken.ws_base, "--unattended", "--soak", "5", "--fault-wait", "0.5"]
        result = runner.invoke(app, [*args, "--report", str(out_json)])
    assert result.exit_code == 1, result.output
    assert json.loads(out_json.read_text())["passed"] is False
    assert "未通过 FAILED" in result.output


def test_cli_fails_on_a_wrong_token() -> None:
    with served_in_thread(lambda: DeviceServer(DeviceSet.simulated(), token=TOKEN)) as server:
        result = CliRunner().invoke(app, ["conformance", "--url", server.ws_base, "--token", "wrong"])
    assert result.exit_code == 1
    assert "FAIL" in result.output
