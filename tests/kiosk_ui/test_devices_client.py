"""The JS device client (`kiosk_ui/static/js/devices.js`) and its demo page in Debian's Chromium, against the
simulated device service over real WebSockets."""

import asyncio
import functools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.local.device_server import DeviceServer

pytestmark = pytest.mark.browser

STATIC = Path(__file__).parents[2] / "src" / "govkiosk" / "kiosk_ui" / "static"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
TOKEN = "kiosk-ui-test-token"
MASKED_ID = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")  # e.g. 110101********1234


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Stack:
    page_url: str
    server: DeviceServer
    loop: asyncio.AbstractEventLoop

    def inject(self, device_class: str, fault: str) -> None:
        """Put a fault on a simulated device, on the device server's loop."""
        self.loop.call_soon_threadsafe(self.server.devices.inject, device_class, fault)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """The static pages on one port, the simulated device service (allowing that origin) on another."""
    pages = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(STATIC)))
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{pages.server_address[1]}"
    loop = asyncio.new_event_loop()
    server = DeviceServer(DeviceSet.simulated(), token=TOKEN, allowed_origins=[origin])
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield Stack(page_url=f"{origin}/devices-demo.html?port={server.port}", server=server, loop=loop)
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    pages.shutdown()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1000, "height": 1100}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def test_demo_page_reads_scans_prints_and_follows_status(stack: Stack, page: Page) -> None:
    page.goto(f"{stack.page_url}&token={TOKEN}")
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    expect(page.locator("#connection")).to_contain_text("已连接")
    expect(page.locator('#status li[data-class="Printer"]')).to_contain_text("Printer: online")

    page.click("#read-id")
    expect(page.locator("#id-number")).to_have_text(MASKED_ID)
    expect(page.locator("#id-name")).not_to_have_text("—")

    page.click("#scan")
    expect(page.locator("#scan-result")).to_contain_text("×")
    natural_width = page.locator("#scan-image").evaluate("img => img.naturalWidth")
    assert natural_width > 0

    page.click("#print")
    expect(page.locator("#print-result")).to_contain_text("打印完成 Printed")

    stack.inject("Printer", "hardware_error")  # the page learns it from Common.StatusChangedEvent
    expect(page.locator('#status li[data-class="Printer"]')).to_contain_text("hardwareError")
    page.click("#print")
    expect(page.locator("#print-result")).to_contain_text("hardwareError")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "devices-demo.png"), full_page=True)
    stack.loop.call_soon_threadsafe(stack.server.devices.recover, "Printer")
    expect(page.locator('#status li[data-class="Printer"]')).to_contain_text("Printer: online")


def test_wrong_token_is_refused(stack: Stack, page: Page) -> None:
    page.goto(f"{stack.page_url}&token=wrong-token")
    expect(page.locator("body")).to_have_attribute("data-state", "refused")
    expect(page.locator("#connection")).to_contain_text("无法连接设备服务")
    expect(page.locator("#read-id")).to_be_disabled()


def test_client_api_cancel_and_typed_errors(stack: Stack, page: Page) -> None:
    """command() rejects with completionCode; cancel() cancels; requestIds count up per connection."""
    page.goto(f"{stack.page_url}&token=wrong")  # any page of the origin; the test drives the module itself
    port = stack.server.port
    result = page.evaluate(
        """async ([port, token]) => {
            const { connect, DeviceError } = await import("./js/devices.js");
            const devices = await connect({ baseUrl: `http://127.0.0.1:${port}`, token });
            const reader = devices.service("IdCardReader");
            const caps = await reader.capabilities();
            let unsupported;
            try { await reader.command("IdCardReader.NoSuchThing"); }
            catch (e) { unsupported = [e instanceof DeviceError, e.completionCode]; }
            await reader.command("Simulator.InjectFault", { fault: "timeout" });
            const held = reader.command("IdCardReader.Read", {});
            const events = [];
            const cancelled = held.catch((e) => e.completionCode);
            await reader.cancel([held.requestId]);
            const code = await cancelled;
            let timedOut;
            try { await reader.command("IdCardReader.Read", {}, { timeout: 150 }); }
            catch (e) { timedOut = e.completionCode; }
            await reader.command("Simulator.Recover");
            const card = await reader.command("IdCardReader.Read", { withPhoto: false },
                { onEvent: (name) => events.push(name) });
            devices.close();
            return { cls: caps.deviceClass, unsupported, code, timedOut, heldId: held.requestId,
                     events, idNumber: card.idNumber };
        }""",
        [port, TOKEN],
    )
    assert result["cls"] == "IdCardReader"
    assert result["unsupported"] == [True, "unsupportedCommand"]
    assert result["code"] == "canceled"
    assert result["timedOut"] == "timeOut"
    assert result["heldId"] == 4  # capabilities 1, unsupported 2, inject 3, read 4
    assert "IdCardReader.MediaInsertedEvent" in result["events"]
    assert len(result["idNumber"]) == 18


def test_client_is_small() -> None:
    assert (STATIC / "js" / "devices.js").stat().st_size < 8 * 1024
