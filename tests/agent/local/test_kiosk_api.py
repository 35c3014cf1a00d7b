"""The kiosk UI's local API over real HTTP, against a live platform: a whole visit through the agent's UI
server, and what happens when a card, a face, the printer, the network or the citizen's patience fails."""

import asyncio
import base64
import io
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pypdf import PdfReader

from govkiosk.agent.citizen.session import CitizenSession
from govkiosk.agent.devices.images import png
from govkiosk.agent.devices.printer import SimulatedPrinter
from govkiosk.agent.sync.agent import Agent
from govkiosk.agent.sync.options import KioskTimings
from govkiosk.platform.support.elicence import WANG_FANG, ZHANG_SAN, DemoCitizen
from govkiosk.platform.support.forms.validators import china_today
from govkiosk.sim.citizen import FLEXIBLE_EMPLOYMENT, INSURANCE_CERTIFICATE, answers, merge, present_card
from tests.agent.fake_platform import SwitchableTransport, wait_for
from tests.conftest import LivePlatform
from tests.department_sim import departments
from tests.kiosk_seed import kiosk, stored_case

VERSION = "9.9.9-test"
API = "/local/v1"


@dataclass
class Kiosk:
    agent: Agent
    local: httpx.AsyncClient  # the browser's view: the UI origin
    network: SwitchableTransport  # the agent's link to the platform

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.local.request(method, API + path, json=body)

    async def ok(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await self.call(method, path, body)
        assert response.status_code == 200, response.text
        return response.json()

    async def error(self, method: str, path: str, body: dict[str, Any] | None, status: int) -> dict[str, Any]:
        response = await self.call(method, path, body)
        assert response.status_code == status, response.text
        error = response.json()
        assert set(error["error"]["message"]) == {"zh", "en"} and "Traceback" not in response.text
        return error

    def printer(self) -> SimulatedPrinter:
        driver = self.agent.devices.device_set.driver("Printer")
        assert isinstance(driver, SimulatedPrinter)
        return driver


def _bundle(root: Path) -> Path:
    (root / "js").mkdir(parents=True)
    (root / "manifest.json").write_text(f'{{"version": "{VERSION}"}}')
    (root / "index.html").write_text(
        '<!doctype html><script type="module" src="__UI_BASE__/js/app.js"></script>'
    )
    (root / "js" / "app.js").write_text("export const screens = [];\n" * 100)
    return root


@asynccontextmanager
async def _kiosk(live: LivePlatform, tmp_path: Path, **timings: float) -> AsyncIterator[Kiosk]:
    network = SwitchableTransport(httpx.AsyncHTTPTransport())
    timing = KioskTimings(**{"card_wait_s": 0.5, "submit_wait_s": 5.0, **timings})
    async with (
        httpx.AsyncClient(transport=network, timeout=5) as agent_http,
        kiosk(live, tmp_path / "k", ui_port=0, ui_bundle=_bundle(tmp_path / "ui"), kiosk=timing,
              http=agent_http) as (agent, _),
    ):  # fmt: skip
        assert agent.ui_server is not None
        async with httpx.AsyncClient(base_url=agent.ui_server.url.rstrip("/"), timeout=20) as local:
            yield Kiosk(agent, local, network)


def _signature() -> str:
    image = png(40, 20, lambda x, y: (0, 0, 0) if abs(y - 10) < 2 else (255, 255, 255))
    return "data:image/png;base64," + base64.b64encode(image).decode()


async def _item(k: Kiosk, name: str) -> dict[str, Any]:
    catalog = await k.ok("GET", "/catalog")
    return next(i for i in catalog["items"] if i["name"] == name)


async def _identify(k: Kiosk, citizen: DemoCitizen, app_id: int | None = None) -> dict[str, Any]:
    present_card(k.agent.devices.device_set, citizen)
    return await k.ok("POST", "/identity/idcard", {} if app_id is None else {"app_id": app_id})


async def _filled(k: Kiosk, app_id: int, form_id: str, citizen: DemoCitizen) -> dict[str, Any]:
    """The form as the citizen leaves it: the prefill, and what they type on the screens."""
    prefilled = (await k.ok("POST", f"/forms/{app_id}/prefill", {}))["data"]
    return merge(answers(form_id, citizen, random.Random(1), china_today()), prefilled)


async def test_a_whole_visit_through_the_local_api(live_platform: LivePlatform, tmp_path: Path) -> None:
    async with _kiosk(live_platform, tmp_path) as k:
        index = await k.local.get("/")
        assert f'src="/ui/{VERSION}/js/app.js"' in index.text and index.headers["cache-control"] == "no-store"
        script = await k.local.get(f"/ui/{VERSION}/js/app.js", headers={"Accept-Encoding": "gzip"})
        assert script.status_code == 200 and "immutable" in script.headers["cache-control"]
        assert script.headers["content-encoding"] == "gzip"
        config = await k.ok("GET", "/config")
        device_service = k.agent.device_server
        assert device_service is not None and config["devices"]["token"] == device_service.token
        assert config["ui_version"] == VERSION and config["simulated"] is True
        await wait_for(lambda: k.agent.heartbeats > 0, timeout=5)
        assert k.agent._heartbeat().installed["kiosk_ui"] == VERSION  # reported like any software
        assert f"http://127.0.0.1:{k.agent.ui_server.port}" in device_service.allowed_origins  # type: ignore[union-attr]

        item = await _item(k, FLEXIBLE_EMPLOYMENT)
        assert item["kind"] == "form" and item["app_id"] and item["available"]
        guide = await k.ok("GET", f"/items/{item['id']}")
        assert guide["form"]["id"] == "si-flexible-employment"
        assert {
            "name": "居民身份证",
            "slot": "居民身份证",
            "required": True,
            "elicence": "居民身份证",
        } in guide["materials"]
        regions = await k.ok("GET", "/regions?parent=440300")
        assert {"code": "440304", "name": "福田区", "has_children": False} in regions["regions"]

        opened = await _identify(k, ZHANG_SAN, item["app_id"])  # the form's prefill in the same answer
        assert opened["person"]["name_masked"] == "张*" and ZHANG_SAN.id_number not in str(opened["person"])
        applicant = opened["prefill"]["data"]["applicant"]
        assert applicant["id_number"] == ZHANG_SAN.id_number and applicant["address"] == ZHANG_SAN.address
        assert isinstance(applicant["age"], int)  # computed by the platform with the prefill
        assert k.agent._heartbeat().status == "in_session"  # a rollout waits for the citizen
        session = k.agent.desk.session
        assert isinstance(session, CitizenSession)
        app_id = item["app_id"]
        data = await _filled(k, app_id, "si-flexible-employment", ZHANG_SAN)
        assert data["applicant"]["address"] == ZHANG_SAN.address  # from the ID card e-licence
        contact = await k.ok("POST", f"/forms/{app_id}/check", {"data": data, "step": "contact"})
        assert contact["errors"] == []
        bad = merge(data, {"applicant": {"mobile": "12345"}})
        marked = await k.ok("POST", f"/forms/{app_id}/check", {"data": bad, "step": "contact"})
        assert [e["path"] for e in marked["errors"]] == ["applicant.mobile"]
        assert set(marked["errors"][0]["message"]) == {"zh", "en"}

        scanned = await k.ok("POST", "/materials/居民身份证/scan", {"app_id": app_id})
        assert (
            scanned["preview"].startswith("data:image/jpeg;base64,")
            and len(scanned["ref"]["digest_short"]) == 8
        )
        signed = await k.ok("POST", "/signature", {"png": _signature(), "app_id": app_id})
        data |= {"materials": {"id_card": [scanned["ref"]["id"]]}, "signature": signed["ref"]["id"]}
        body = {"app_id": app_id, "data": data, "materials": [scanned["ref"]["id"], signed["ref"]["id"]]}
        submitted = await k.ok("POST", "/submit", body)
        assert submitted["state"] == "submitted" and "promised_date" in submitted  # None until accepted
        case_number = submitted["case_number"]

        printed = await k.ok("POST", "/receipt/print", {"case_number": case_number})
        assert printed["printed"] is True and case_number in (k.printer().jobs[-1].text or "")
        rated = await k.ok("POST", "/evaluations", {"case_number": case_number, "level": 5})
        assert rated["id"] > 0
        progress = await k.ok("POST", "/progress", {"idcard": True})
        assert [c["case_number"] for c in progress["cases"]] == [case_number]
        assert progress["cases"][0]["state_label"] == {
            "zh": "已提交，待受理",
            "en": "Submitted, awaiting acceptance",
        }

        assert (await k.ok("POST", "/session/end", {"reason": "finished"})) == {"ended": True}
        assert session.end_reason == "finished" and session.identity is None
        assert not session.materials and not session.drafts
        assert k.agent.desk.session is None and not k.agent.desk.record.materials
        assert (await k.ok("GET", "/status"))["session"] is None
        await k.error("POST", f"/forms/{app_id}/prefill", {}, 409)  # nothing of the citizen is left
    _assert_case(live_platform, case_number)


def _assert_case(live: LivePlatform, case_number: str) -> None:
    data, materials, state = stored_case(live, case_number)
    assert state == "submitted" and data["signature"].startswith("sm3:")
    assert sorted((m["slot"], m["source"]) for m in materials) == [
        ("居民身份证", "scan"),
        ("申请人签名", "signature"),
    ]
    assert data["materials"]["id_card"] == [next(m["object_key"] for m in materials if m["source"] == "scan")]


async def test_cards_faces_origins_and_form_errors_are_refused_plainly(
    live_platform: LivePlatform, tmp_path: Path
) -> None:
    async with _kiosk(live_platform, tmp_path) as k:
        await k.ok("POST", "/sim/IdCardReader/no_media")
        assert (await k.error("POST", "/identity/idcard", {}, 422))["error"]["code"] == "no_card"
        await k.ok("POST", "/sim/IdCardReader/recover")
        await k.ok("POST", "/sim/IdCardReader/card_removed")
        assert (await k.error("POST", "/identity/idcard", {}, 422))["error"]["code"] == "card_removed"
        await k.ok("POST", "/sim/IdCardReader/recover")
        await k.ok("POST", "/sim/Biometric/face_mismatch")  # the simulated comparer follows it
        assert (await k.error("POST", "/identity/idcard", {}, 422))["error"]["code"] == "face_mismatch"
        assert k.agent.desk.session is None
        await k.ok("POST", "/sim/Biometric/recover")
        await k.error("POST", "/sim/Printer/no_such_fault", None, 404)

        other = await k.local.get(API + "/config", headers={"Origin": "http://evil.example"})
        assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
        rebound = await k.local.get(API + "/config", headers={"Host": "kiosk.example"})
        assert rebound.status_code == 403
        same = await k.local.get(API + "/config", headers={"Origin": str(k.local.base_url)})
        assert same.status_code == 200

        await _identify(k, WANG_FANG)
        item = await _item(k, FLEXIBLE_EMPLOYMENT)
        data = merge(await _filled(k, item["app_id"], "si-flexible-employment", WANG_FANG),
                     {"applicant": {"mobile": "12345"}})  # fmt: skip
        refused = await k.error("POST", "/submit", {"app_id": item["app_id"], "data": data}, 422)
        paths = {e["path"] for e in refused["errors"]}
        assert refused["error"]["code"] == "invalid_form" and {"applicant.mobile", "signature"} <= paths
        assert k.agent.outbox is not None and k.agent.outbox.pending_count == 0
        malformed = await k.error("POST", "/submit", {"app_id": "x"}, 422)
        assert malformed["error"]["code"] == "invalid_request"


async def test_no_paper_no_network_and_no_citizen(live_platform: LivePlatform, tmp_path: Path) -> None:
    async with _kiosk(live_platform, tmp_path, submit_wait_s=1.0) as k:
        item = await _item(k, INSURANCE_CERTIFICATE)
        assert item["kind"] == "print"
        await _identify(k, WANG_FANG)
        data = await _filled(k, item["app_id"], "si-insurance-certificate", WANG_FANG)
        submitted = await k.ok("POST", "/submit", {"app_id": item["app_id"], "data": data})
        await k.ok("POST", "/sim/Printer/paper_out")  # (the platform now withdraws print services here)
        assert (await k.ok("GET", "/status"))["printer"] == {"ok": False, "paper": "out"}
        printed = await k.ok("POST", "/receipt/print", {"case_number": submitted["case_number"]})
        assert printed["printed"] is False and printed["reason"] == "out_of_paper"
        fallback = printed["fallback"]
        assert fallback["case_number"] == submitted["case_number"] and fallback["qr_svg"].startswith("<?xml")
        sms = await k.ok(
            "POST", "/receipt/sms", {"case_number": submitted["case_number"], "phone": "13800138000"}
        )
        assert sms == {"sent": True, "simulated": True}
        assert k.agent.desk.sms.sent[-1].phone_masked == "138****8000"  # type: ignore[attr-defined]
        await k.ok("POST", "/sim/Printer/recover")

        k.network.down = True  # the platform cannot be reached while the citizen submits
        queued = await k.ok("POST", "/submit", {"app_id": item["app_id"], "data": data})
        assert queued["state"] == "queued" and set(queued["message"]) == {"zh", "en"}
        slip = await k.ok("POST", "/receipt/print", {"entry_id": queued["entry_id"]})
        assert slip["printed"] is True and "已排队" in (k.printer().jobs[-1].text or "")
        k.network.down = False
        await wait_for(lambda: _delivered(k.agent, queued["entry_id"]), timeout=15)

        k.agent.desk.timings.idle_s = 0.4  # the next session ends quickly when nobody touches the screen
        await _identify(k, WANG_FANG)
        session = k.agent.desk.session
        assert session is not None
        await asyncio.sleep(0.8)
        assert session.end_reason == "idle_timeout" and session.identity is None
        assert k.agent.desk.session is None and (await k.ok("GET", "/status"))["session"] is None
        assert (await k.error("POST", "/session/touch", None, 409))["error"]["code"] == "no_session"


def _delivered(agent: Agent, entry_id: str) -> bool:
    return any(e.entry_id == entry_id and e.kind == "submitted" for e in agent.outbox_events)


async def test_a_print_item_prints_the_certificate_the_department_issues(
    live_platform: LivePlatform, tmp_path: Path
) -> None:
    async with _kiosk(live_platform, tmp_path, document_wait_s=1.0) as k:
        item = await _item(k, INSURANCE_CERTIFICATE)
        await _identify(k, ZHANG_SAN)
        data = await _filled(k, item["app_id"], "si-insurance-certificate", ZHANG_SAN)
        body = {"app_id": item["app_id"], "data": data}
        waiting = (await k.ok("POST", "/submit", body))["case_number"]  # no department answers yet
        late = await k.ok("POST", "/document/print", {"case_number": waiting})
        assert (late["printed"], late["kind"], late["reason"]) == (False, "certificate", "document_not_ready")
        assert late["fallback"]["case_number"] == waiting and late["fallback"]["qr_svg"].startswith("<?xml")
        assert "证明尚未生成" in late["message"]["zh"] and not k.printer().jobs

        k.agent.desk.timings.document_wait_s = 20.0
        with departments(live_platform):  # the department system decides print items at once
            case_number = (await k.ok("POST", "/submit", body))["case_number"]
            printed = await k.ok("POST", "/document/print", {"case_number": case_number})
        assert (printed["printed"], printed["kind"]) == (True, "certificate"), printed
        job = k.printer().jobs[-1]
        assert job.kind == "pdf" and job.pdf is not None
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(job.pdf)).pages)
        assert "深圳市社会保险参保证明" in text and case_number in text and "模拟" in text
        assert ZHANG_SAN.id_number not in text and ZHANG_SAN.id_number[-4:] in text
        receipt = await k.ok("POST", "/receipt/print", {"case_number": case_number})
        assert (receipt["printed"], receipt["kind"]) == (True, "receipt")
        await k.ok("POST", "/session/end", {"reason": "finished"})
        assert not k.agent.desk.record.cases  # nothing of the citizen's cases stays on the kiosk
        await k.error("POST", "/document/print", {"case_number": case_number}, 409)
