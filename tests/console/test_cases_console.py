"""The console's case pages: the case list and a case's timeline (personal data masked), the webhook outbox
and its replay, 好差评 figures and closing a follow-up, the 办件率 dashboard; and once in Debian's Chromium,
with screenshots for people. The data is made through the APIs, as a kiosk and a department would."""

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from govkiosk.crypto import SM2KeyPair
from govkiosk.crypto.signing import sign_headers
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.cases.models import Case
from govkiosk.platform.connectors import tasks as webhooks
from govkiosk.platform.core.sealing import Sealer
from govkiosk.platform.db.session import Database
from govkiosk.platform.onboarding import tasks as checks
from tests.catalog_factories import create_department, department_token, item_body
from tests.conftest import LivePlatform
from tests.console.helpers import post_form, sign_in
from tests.factories import PASSWORD, Tree, build, create_tree, create_user, login
from tests.platform.fleet.helpers import API, Kiosk


def _id(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


CITIZEN = _id("44030419900101002")
MASKED_ID = CITIZEN[:4] + "*" * 10 + CITIZEN[-4:]
SM3 = "ab12" * 16


@dataclass
class World:
    tree: Tree
    admin: dict[str, str]
    item_id: int
    case_ids: list[int]  # [accepted and in review, delivered and rated poorly]
    numbers: list[str]
    message_id: int  # the dead webhook of the first case
    evaluation_id: int  # the open follow-up of the poor rating


def _kiosk(client: Any, tree: Tree, admin: dict[str, str]) -> Kiosk:
    token = client.post(
        "/api/v1/enrollment-tokens", headers=admin, json={"label": "SN-C1", "org_node_id": tree.site_a.id}
    ).json()["token"]
    kiosk = Kiosk(client, SM2KeyPair.generate())
    kiosk.enroll(token, "SN-C1", "VX")
    client.post(f"/api/v1/terminals/{kiosk.terminal_id}/approve", headers=admin, json={})
    assert kiosk.authenticate() == 200
    return kiosk


def _department(client: Any, tree: Tree, admin: dict[str, str]) -> dict[str, Any]:
    """A department with a published item (5 working days promised) and an HMAC-signed endpoint."""
    department = create_department(client, admin, tree.city)
    dept = department_token(client, admin, department["id"])
    body = item_body(department["code"], 1, promised_limit={"value": 5})
    item_id = client.post("/api/dept/v1/items", headers=dept, json=body).json()["id"]
    onboarding = client.post(
        "/api/dept/v1/onboarding", headers=dept, json={"subject": "item", "subject_id": item_id}
    ).json()
    return {"department": department, "dept": dept, "item_id": item_id, "onboarding": onboarding["id"]}


def _publish(client: Any, admin: dict[str, str], world: dict[str, Any], tree: Tree) -> None:
    url = f"/api/v1/onboarding/{world['onboarding']}"
    client.post(f"{url}/approve", headers=admin, json={})
    client.post(f"{url}/publish", headers=admin, json={"org_node_ids": [tree.city.id]})
    endpoint = client.put(
        f"/api/v1/catalog/departments/{world['department']['id']}/endpoint", headers=admin,
        json={"url": "http://department.test/hooks", "max_attempts": 1},
    ).json()  # fmt: skip
    world["secret"] = endpoint["hmac_secret"]


def _submission(item_id: int) -> dict[str, Any]:
    material = {
        "slot": "居民身份证", "object_key": f"m/{uuid.uuid4().hex}", "sm3": SM3, "size": 245_760,
        "content_type": "image/jpeg", "source": "scan",
    }  # fmt: skip
    return {
        "idempotency_key": uuid.uuid4().hex, "item_id": item_id, "item_version": 1,
        "data": {"purpose": "办理居住证"}, "materials": [material],
        "applicant": {"name": "张小三", "id_number": CITIZEN, "phone": "13800138000",
                      "verified_by": "idcard_face"},
        "submitted_at": datetime.now(UTC).isoformat(),
    }  # fmt: skip


def _callback(client: Any, world: dict[str, Any], number: str, action: str, reason: str = "材料齐全") -> None:
    path = f"/api/dept/v1/cases/{number}/events"
    body = f'{{"event_id": "{uuid.uuid4().hex}", "action": "{action}", "reason": "{reason}"}}'.encode()
    signed = sign_headers("POST", path, body, hmac_key=bytes.fromhex(world["secret"]))
    headers = {**world["dept"], **signed, "Content-Type": "application/json"}
    assert client.post(path, content=body, headers=headers).status_code == 200


def _failing_department(request: httpx.Request) -> httpx.Response:
    return httpx.Response(503, text="down for maintenance")


def _submit(client: Any, kiosk: Any, world: dict) -> str:
    answer = client.post(f"{API}/cases", json=_submission(world["item_id"]), headers=kiosk.headers)
    assert answer.status_code == 201, answer.text
    return answer.json()["case_number"]


def make_world(client: Any, db: Database, sealer: Sealer) -> World:
    """Users of every role; a kiosk in district A; two cases (one in review, one delivered and rated 1,
    so a follow-up is open); the first case's webhook is dead; window and online cases reported for the
    rate over several weeks (district A: 2 of 8 cases at kiosks; district B: none of 6)."""
    tree = build(db, create_tree)
    build(db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    build(db, create_user, "op-a", Role.DISTRICT_OPERATOR, tree.district_a)
    build(db, create_user, "auditor", Role.AUDITOR, tree.city)
    build(db, create_user, "vendor-y", Role.VENDOR_MAINTAINER, tree.city, tree.vendor_y)
    admin = login(client, "admin")
    world = _department(client, tree, admin)
    checks.check_pending(db)
    _publish(client, admin, world, tree)
    kiosk = _kiosk(client, tree, admin)
    numbers = [_submit(client, kiosk, world) for _ in range(2)]
    with httpx.Client(transport=httpx.MockTransport(_failing_department)) as down:
        # max_attempts 1: both dead at once
        assert webhooks.deliver_once(db, sealer=sealer, client=down) == 2
    _callback(client, world, numbers[0], "accept")
    _callback(client, world, numbers[0], "start_review", "转交科室审查")
    for action in ("accept", "start_review", "approve", "complete", "deliver"):
        _callback(client, world, numbers[1], action)
    rating = {"subject": "case", "case_number": numbers[1], "applicant_id_number": CITIZEN, "level": 1,
              "comment": "排队等了很久"}  # fmt: skip
    evaluation = client.post(f"{API}/evaluations", json=rating, headers=kiosk.headers).json()
    _report_window_cases(client, world, tree)
    cases = client.get("/api/v1/cases", headers=admin).json()["items"]
    by_number = {c["case_number"]: c["id"] for c in cases}
    dead = client.get("/api/v1/webhooks?state=dead", headers=admin).json()["items"]
    first = next(m["id"] for m in dead if m["case_id"] == by_number[numbers[0]])
    _backdate(db, by_number[numbers[1]], 15)
    return World(
        tree, admin, world["item_id"], [by_number[n] for n in numbers], numbers, first, evaluation["id"]
    )


# Other channels' cases as (district, channel, days ago): a few weeks of history for the chart.
REPORTED = [("a", "window", 1), ("a", "window", 2), ("a", "window", 9), ("a", "window", 16),
            ("a", "window", 23), ("a", "window", 30), ("b", "window", 3), ("b", "window", 10),
            ("b", "window", 17), ("b", "window", 24), ("b", "window", 31), ("b", "window", 45)]  # fmt: skip


def _report_window_cases(client: Any, world: dict[str, Any], tree: Tree) -> None:
    now, nodes = datetime.now(UTC), {"a": tree.district_a.id, "b": tree.district_b.id}
    rows = [
        {"external_id": f"W-{n}", "item_id": world["item_id"], "channel": channel,
         "org_node_id": nodes[where], "received_at": (now - timedelta(days=ago)).isoformat()}
        for n, (where, channel, ago) in enumerate(REPORTED)
    ]  # fmt: skip
    answer = client.post("/api/dept/v1/cases/report", headers=world["dept"], json={"cases": rows})
    assert answer.status_code == 200, answer.text


def _backdate(db: Database, case_id: int, days: int) -> None:
    """Move a kiosk case's receipt back in time (the API cannot), so the chart has more than one week."""
    with db.session(write=True) as session:
        case = session.get(Case, case_id)
        assert case is not None
        case.received_at = case.received_at - timedelta(days=days)


@pytest.fixture
def world(client: TestClient, db: Database) -> World:
    return make_world(client, db, client.app.state.sealer)


# --- over HTTP ------------------------------------------------------------------------------------------


def test_the_case_list_shows_masked_cases_with_their_deadline(client: TestClient, world: World) -> None:
    sign_in(client, "op-a")
    page = client.get("/console/cases")
    assert page.status_code == 200
    assert all(number in page.text for number in world.numbers)
    assert "审查中" in page.text and "已评价" in page.text and "张*三" in page.text
    assert "张小三" not in page.text and CITIZEN not in page.text
    assert "自助终端办理" in page.text and 'href="/console/cases/rate"' in page.text
    filtered = client.get("/console/cases?state=in_review")
    assert world.numbers[0] in filtered.text and world.numbers[1] not in filtered.text
    assert client.get("/console/cases?lang=en").text.count("In review") >= 1


def test_a_case_shows_every_step_its_materials_and_only_masked_personal_data(
    client: TestClient, world: World
) -> None:
    sign_in(client, "auditor")
    page = client.get(f"/console/cases/{world.case_ids[0]}")
    assert page.status_code == 200
    timeline = re.search(r'<ol class="timeline">.*?</ol>', page.text, re.S)
    assert timeline is not None and timeline.group(0).count('class="step"') == 3
    steps = timeline.group(0)
    assert "terminal:SN-C1" in steps and "办理部门" in steps and "转交科室审查" in steps
    assert steps.index("已提交，待受理") < steps.index("已受理") < steps.index("审查中")
    assert MASKED_ID in page.text and "张*三" in page.text
    assert CITIZEN not in page.text and "张小三" not in page.text and "13800138000" not in page.text
    assert "居民身份证" in page.text and "image/jpeg" in page.text and SM3[:12] in page.text
    assert "245.8 kB" in page.text and "5 工作日" in page.text and "剩余" in page.text
    log = client.get("/console/audit?action=case.read")
    assert log.status_code == 200 and "case.read" in log.text


def test_the_outbox_replays_a_dead_message_only_for_catalog_writers(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, "auditor")
    outbox = client.get("/console/webhooks?state=dead")
    assert outbox.status_code == 200 and "down for maintenance" in outbox.text and "死信" in outbox.text
    assert "/replay" not in outbox.text  # an auditor reads only
    replay = f"/console/webhooks/{world.message_id}/replay"
    assert post_form(client, replay, {"state": "dead"}, page="/console/webhooks").status_code == 403
    sign_in(client, "admin")
    assert f'action="{replay}"' in client.get("/console/webhooks?state=dead").text
    done = post_form(client, replay, {"state": "dead"}, page="/console/webhooks")
    assert done.status_code == 303 and done.headers["location"].startswith("/console/webhooks?state=dead")
    shown = client.get(done.headers["location"])
    assert "消息已重新排队推送" in shown.text and f'id="message-{world.message_id}"' not in shown.text
    pending = client.get("/console/webhooks?state=pending").text
    assert f'id="message-{world.message_id}"' in pending and f'action="{replay}"' not in pending
    again = post_form(client, replay, page="/console/webhooks")
    assert again.status_code == 409  # still being delivered


def test_figures_and_closing_a_followup_with_a_note(client: TestClient, world: World) -> None:
    sign_in(client, "op-a")
    page = client.get("/console/evaluations")
    assert page.status_code == 200 and "排队等了很久" in page.text
    figures = re.search(r'<table class="figures">.*?</table>', page.text, re.S)
    assert figures is not None and "1.00" in figures.group(0) and "0.0%" in figures.group(0)
    assert "SN-C1" in client.get("/console/evaluations?by=terminal").text
    close = f"/console/evaluations/{world.evaluation_id}/close"
    empty = post_form(client, close, {"note": "  "}, page="/console/evaluations")
    assert empty.status_code == 422 and 'role="alert"' in empty.text and "note" in empty.text
    done = post_form(client, close, {"note": "已致电回访，增派窗口人员"}, page="/console/evaluations")
    assert done.status_code == 303
    assert "没有待整改的差评" in client.get(done.headers["location"]).text
    sign_in(client, "auditor")
    assert "close-form" not in client.get("/console/evaluations").text


def test_the_rate_page_draws_the_weekly_chart_and_the_tables(client: TestClient, world: World) -> None:
    sign_in(client, "admin")
    page = client.get("/console/cases/rate")
    assert page.status_code == 200
    svg = re.search(r"<svg.*?</svg>", page.text, re.S)
    assert svg is not None and 'role="img"' in svg.group(0)
    assert '<title id="chart-title">各区办件率周趋势</title>' in svg.group(0)
    assert re.findall(r'data-district="([^"]+)"', svg.group(0)) == ["甲区", "乙区"]
    assert "(1/3)" in svg.group(0) and "甲区 33%" in svg.group(0) and "乙区 0%" in svg.group(0)
    assert svg.group(0).count('class="series"') == 2
    for table in ("by-district", "by-department", "by-item", "history-table"):
        assert f'id="{table}"' in page.text
    assert "25.0%" in page.text and "14.3%" in page.text  # district A; the department: 2 of 14


def test_a_vendor_maintainer_opens_none_of_these_pages(client: TestClient, world: World) -> None:
    sign_in(client, "vendor-y")
    menu = client.get("/console/").text
    assert 'href="/console/cases"' not in menu and 'href="/console/webhooks"' not in menu
    for page in (
        "/console/cases",
        f"/console/cases/{world.case_ids[0]}",
        "/console/cases/rate",
        "/console/webhooks",
        "/console/evaluations",
    ):
        response = client.get(page)
        assert response.status_code == 403 and "无权访问" in response.text, page
    sign_in(client, "op-a")
    menu = client.get("/console/").text
    assert 'href="/console/cases"' in menu and 'href="/console/evaluations"' in menu
    assert 'href="/console/webhooks"' in menu


# --- in Chromium ----------------------------------------------------------------------------------------


def _sign_in(page: Page, live: LivePlatform, username: str) -> None:
    page.goto(f"{live.url}/console/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("概览")


@pytest.mark.browser
def test_an_operator_follows_a_case_and_the_rate_in_chromium(
    browser: Browser, live_platform: LivePlatform, artifacts_dir: Path
) -> None:
    with httpx.Client(base_url=live_platform.url) as api:
        world = make_world(api, live_platform.db, live_platform.app.state.sealer)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, live_platform, "op-a")
    page.click("nav.menu >> text=办件")
    expect(page.locator("table.cases tbody tr")).to_have_count(2)
    expect(page.locator("table.cases")).to_contain_text("张*三")
    page.screenshot(path=str(artifacts_dir / "console-cases.png"), full_page=True)

    page.click(f"text={world.numbers[0]}")
    expect(page.locator("ol.timeline li")).to_have_count(3)
    expect(page.locator("#facts")).to_contain_text(MASKED_ID)
    expect(page.locator("#clock")).to_contain_text("未超期")
    page.screenshot(path=str(artifacts_dir / "console-case.png"), full_page=True)

    page.click("text=办件查询")
    page.click("text=办件率 ›")
    expect(page.locator("svg.rate-chart path.series")).to_have_count(1)  # op-a sees district A only
    expect(page.locator("#by-district")).to_contain_text("25.0%")
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, live_platform, "admin")
    page.goto(f"{live_platform.url}/console/cases/rate")
    expect(page.locator("svg.rate-chart path.series")).to_have_count(2)
    page.click("text=以表格查看图中数据")
    page.screenshot(path=str(artifacts_dir / "console-case-rate.png"), full_page=True)
    context.close()
