"""The ESC/POS receipt printer: exact bytes on a Dummy, DLE EOT status from a fake network printer."""

import base64
import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from escpos.printer import Dummy

from govkiosk.agent.devices.device_set import DeviceSet
from govkiosk.agent.devices.drivers.escpos_printer import EscposPrinter, create
from govkiosk.agent.devices.images import pdf
from govkiosk.agent.devices.printer import PrinterService
from tests.agent.devices.drivers.devices_file import write_devices
from tests.agent.devices.test_device_classes import run

INIT, CHINESE, CUT = b"\x1b@", b"\x1c&", b"\x1bd\x06\x1dV\x00"
READY = {1: 0x16, 2: 0x12, 3: 0x12, 4: 0x12}  # bits 1 and 4 always set; nothing wrong


class FakeNetworkPrinter:
    """A TCP printer on 127.0.0.1: records what it gets, answers DLE EOT n with `status[n]`."""

    def __init__(self) -> None:
        self.status = dict(READY)
        self.received = bytearray()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                while data := conn.recv(4096):
                    self.received += data
                    for i in range(len(data) - 2):
                        if data[i : i + 2] == b"\x10\x04":
                            conn.sendall(bytes([self.status[data[i + 2]]]))

    def close(self) -> None:
        """Stop listening (shutdown wakes the thread blocked in accept)."""
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()


@pytest.fixture
def network_printer() -> Iterator[FakeNetworkPrinter]:
    fake = FakeNetworkPrinter()
    yield fake
    fake.close()


def printer_service(fake: FakeNetworkPrinter) -> tuple[PrinterService, list[tuple[str, dict[str, Any]]]]:
    driver = create("Printer", {"connection": "network", "host": "127.0.0.1", "port": fake.port})
    service = PrinterService(driver)
    seen: list[tuple[str, dict[str, Any]]] = []
    service.subscribe(lambda name, payload: seen.append((name, payload)))
    return service, seen


async def test_receipt_bytes_are_init_gb18030_text_and_cut() -> None:
    dummy = Dummy()
    service = PrinterService(EscposPrinter(dummy, readable=False))
    done, _ = await run(DeviceSet([service]), "Printer", "Printer.PrintRaw", {"text": "办件回执 A017"})
    assert done["header"]["completionCode"] == "success"
    assert dummy.output == INIT + CHINESE + "办件回执 A017\n".encode("gb18030") + CUT
    assert "办件回执".encode("gb18030") == b"\xb0\xec\xbc\xfe\xbb\xd8\xd6\xb4"


async def test_form_is_rendered_as_text_and_cut() -> None:
    dummy = Dummy()
    devices = DeviceSet([PrinterService(EscposPrinter(dummy, readable=False))])
    fields = {"office": "测试政务服务中心", "number": "A017", "service": "社保查询", "waiting": "3"}
    await run(devices, "Printer", "Printer.PrintForm", {"form": "queueTicket", "fields": fields})
    text = dummy.output.removeprefix(INIT + CHINESE).removesuffix(CUT).decode("gb18030")
    assert text.splitlines()[:4] == ["测试政务服务中心", "排队号 A017", "业务 社保查询", "前面还有 3 人"]


async def test_a4_pdf_is_unsupported_on_a_receipt_printer() -> None:
    devices = DeviceSet([PrinterService(EscposPrinter(Dummy(), readable=False))])
    document = base64.b64encode(pdf(["form"])).decode()
    done, _ = await run(devices, "Printer", "Printer.PrintPdf", {"pdf": document})
    assert done["header"]["completionCode"] == "unsupportedCommand"


async def test_network_printer_prints_and_reads_status(network_printer: FakeNetworkPrinter) -> None:
    service, _ = printer_service(network_printer)
    done, _ = await run(DeviceSet([service]), "Printer", "Printer.PrintRaw", {"text": "回执", "cut": False})
    assert done["header"]["completionCode"] == "success"
    assert INIT + CHINESE + "回执\n".encode("gb18030") in network_printer.received
    status = service.driver.status()
    assert status.device == "online" and not status.simulated
    assert [(s.name, s.level) for s in status.supplies] == [("paper", "ok")]
    assert service.capabilities().simulated is False


async def test_paper_near_end_then_end_raise_threshold_events(network_printer: FakeNetworkPrinter) -> None:
    service, seen = printer_service(network_printer)
    driver = service.driver
    assert isinstance(driver, EscposPrinter)
    await driver.poll()
    network_printer.status[4] = 0x12 | 0x0C  # near-end sensor
    await driver.poll()
    assert ("Printer.PaperThresholdEvent", {"supply": "paper", "level": "low"}) in seen
    network_printer.status[4] = 0x12 | 0x0C | 0x60  # paper end
    await driver.poll()
    assert ("Printer.PaperThresholdEvent", {"supply": "paper", "level": "out"}) in seen
    done, _ = await run(DeviceSet([service]), "Printer", "Printer.PrintRaw", {"text": "x"})
    assert done["header"]["completionCode"] == "commandErrorCode"


async def test_cover_open_is_a_user_error_with_a_status_event(network_printer: FakeNetworkPrinter) -> None:
    service, seen = printer_service(network_printer)
    await service.driver.poll()  # type: ignore[attr-defined]
    network_printer.status[2] = 0x12 | 0x04
    await service.driver.poll()  # type: ignore[attr-defined]
    changes = [p for name, p in seen if name == "Common.StatusChangedEvent"]
    assert changes[-1]["device"] == "userError" and changes[-1]["detail"] == "cover open"
    done, _ = await run(DeviceSet([service]), "Printer", "Printer.PrintRaw", {"text": "x"})
    assert done["header"]["completionCode"] == "userError"


async def test_unreachable_printer_is_offline_then_back(network_printer: FakeNetworkPrinter) -> None:
    port = network_printer.port
    network_printer.close()
    driver = create("Printer", {"connection": "network", "host": "127.0.0.1", "port": port, "timeout": 1})
    await driver.poll()
    assert driver.status().device == "offline"
    done, _ = await run(DeviceSet([PrinterService(driver)]), "Printer", "Printer.PrintRaw", {"text": "x"})
    assert done["header"]["completionCode"] == "deviceNotReady"
    again = FakeNetworkPrinter()
    try:
        driver.printer.port = again.port  # type: ignore[attr-defined]
        await driver.poll()
        assert driver.status().device == "online"
    finally:
        again.close()


def test_devices_file_selects_escpos(tmp_path: Path, network_printer: FakeNetworkPrinter) -> None:
    path = write_devices(
        tmp_path,
        {"Printer": {"driver": "escpos", "connection": "network", "host": "127.0.0.1", "port": "lpt1"}},
    )
    with pytest.raises(ValueError, match="'port' must be an integer"):
        DeviceSet.from_file(path)
    spec = {"driver": "escpos", "connection": "serial"}
    with pytest.raises(ValueError, match="option 'device' is required"):
        DeviceSet.from_file(write_devices(tmp_path, {"Printer": spec}))
    spec = {"driver": "escpos", "connection": "network", "host": "127.0.0.1", "colour": "red"}
    with pytest.raises(ValueError, match=r"unknown options \['colour'\]"):
        DeviceSet.from_file(write_devices(tmp_path, {"Printer": spec}))
