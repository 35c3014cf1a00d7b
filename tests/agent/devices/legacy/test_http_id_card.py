"""The legacy (利旧) adapter: an old kiosk's vendor card service behind the unified IdCardReader."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from govkiosk.agent.devices.id_numbers import check_digit
from govkiosk.agent.devices.simulated import SimulatedDevices
from tests.agent.devices.client import client, code, running_server

ID17 = "44030419800101123"
VENDOR_CARD = {
    "retcode": "0x90", "retmsg": "成功", "name": "测试张三", "sex": "男", "nation": "汉", "born": "19800101",
    "address": "深圳市福田区测试路1号", "cardno": ID17 + check_digit(ID17),
    "police": "深圳市公安局福田分局（测试）",
    "userlifebegin": "20200101", "userlifeend": "长期", "photobase64": "",
}  # fmt: skip


class VendorService:
    """A stand-in for a vendor's local card service (`GET /card=idcard` → JSON)."""

    def __init__(self) -> None:
        self.answer: dict[str, Any] = dict(VENDOR_CARD)
        self.calls = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                outer.calls += 1
                body = json.dumps(outer.answer, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/card=idcard"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def vendor() -> Iterator[VendorService]:
    service = VendorService()
    yield service
    service.server.shutdown()


def _devices_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "devices.json"
    entry = {"driver": "legacy-http-idcard", "url": url}
    path.write_text(
        json.dumps(
            {"vendor": "旧终端", "devices": {"IdCardReader": entry, "Printer": {"driver": "simulated"}}}
        )
    )
    return path


async def test_an_old_kiosks_card_service_answers_through_the_unified_protocol(
    vendor: VendorService, tmp_path: Path
) -> None:
    devices = SimulatedDevices.from_spec(str(_devices_file(tmp_path, vendor.url)))
    async with running_server(devices.device_set) as server, client(server, "IdCardReader") as reader:
        done = await reader.call("IdCardReader.Read", 1, {"withPhoto": False})
        capabilities = await reader.call("Common.Capabilities", 2)
    assert code(done) == "success" and vendor.calls == 1
    card = done["payload"]
    assert card["name"] == "测试张三" and card["sex"] == "male" and card["ethnicity"] == "汉"
    assert card["birthDate"] == "1980-01-01" and card["validTo"] == "long-term"
    assert card["idNumber"] == VENDOR_CARD["cardno"]
    assert ("event", "IdCardReader.MediaInsertedEvent") in reader.of(1)
    assert capabilities["payload"]["simulated"] is False
    report = {p.device_class: p for p in devices.report()}
    assert report["IdCardReader"].simulated is False and report["Printer"].simulated is True


async def test_vendor_errors_map_to_completion_codes(vendor: VendorService, tmp_path: Path) -> None:
    devices = SimulatedDevices.from_spec(str(_devices_file(tmp_path, vendor.url)))
    async with running_server(devices.device_set) as server, client(server, "IdCardReader") as reader:
        vendor.answer = {"retcode": "0x80", "retmsg": "无卡"}
        assert code(await reader.call("IdCardReader.Read", 1)) == "commandErrorCode"
        vendor.answer = dict(VENDOR_CARD, cardno=ID17 + "0" if check_digit(ID17) != "0" else ID17 + "1")
        assert code(await reader.call("IdCardReader.Read", 2)) == "invalidData"
        vendor.server.shutdown()
        vendor.server.server_close()
        assert code(await reader.call("IdCardReader.Read", 3)) == "deviceNotReady"
        status = await reader.call("Common.Status", 4)
    assert status["payload"]["device"] == "offline"


def test_a_bad_legacy_entry_says_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "devices.json"
    path.write_text(json.dumps({"devices": {"IdCardReader": {"driver": "legacy-http-idcard"}}}))
    with pytest.raises(ValueError, match="needs a url"):
        SimulatedDevices.from_spec(str(path))
    path.write_text(json.dumps({"devices": {"Printer": {"driver": "legacy-http-idcard", "url": "http://x"}}}))
    with pytest.raises(ValueError, match="IdCardReader"):
        SimulatedDevices.from_spec(str(path))
