"""The console over HTTP: sign-in, CSRF, who may open which page, language and forms."""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from govkiosk.platform.accounts.models import Role
from govkiosk.platform.console.i18n import MESSAGES
from govkiosk.platform.db.session import Database
from govkiosk.platform.terminals.models import EnrollmentState, Terminal
from tests.console.helpers import post_form, sign_in
from tests.factories import Tree, build, create_terminal, create_tree, create_user, login

SIMULATED_PRINTER = {
    "device_class": "Printer",
    "state": "online",
    "simulated": True,
    "supplies": [{"name": "paper", "level": "low"}],
}


@dataclass
class World:
    tree: Tree
    terminal_a: int
    terminal_b: int
    pending_a: int


@pytest.fixture
def world(db: Database) -> World:
    """Two districts, one user per role, an approved terminal in each district and a pending one in A."""
    tree = build(db, create_tree)
    build(db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    build(db, create_user, "op-a", Role.DISTRICT_OPERATOR, tree.district_a)
    build(db, create_user, "auditor", Role.AUDITOR, tree.city)
    build(db, create_user, "vendor-y", Role.VENDOR_MAINTAINER, tree.city, tree.vendor_y)
    terminal_a = build(
        db,
        create_terminal,
        site=tree.site_a,
        vendor=tree.vendor_x,
        serial="SN-A-1",
        peripherals=[SIMULATED_PRINTER],
        versions={"agent": "0.1.0"},
    ).id
    terminal_b = build(db, create_terminal, site=tree.site_b, vendor=tree.vendor_y, serial="SN-B-1").id
    pending_a = build(
        db,
        create_terminal,
        site=tree.site_a,
        vendor=tree.vendor_x,
        serial="SN-A-NEW",
        enrollment_state=EnrollmentState.PENDING,
    ).id
    return World(tree, terminal_a, terminal_b, pending_a)


def _state(client: TestClient, terminal_id: int) -> str:
    return client.get(f"/api/v1/terminals/{terminal_id}", headers=login(client, "admin")).json()["state"]


# --- sign-in ----------------------------------------------------------------------------------------


def test_sign_in_sets_an_httponly_lax_cookie_and_opens_the_overview(client: TestClient, world: World) -> None:
    assert "登录" in client.get("/console/login").text
    response = client.post(
        "/console/login",
        data={"username": "admin", "password": "correct-horse-battery"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/console/"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("gk_session=") and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # settings.secure_cookies is off in tests
    page = client.get("/console/")
    assert page.status_code == 200 and "终端状态统计" in page.text


def test_wrong_password_shows_the_form_again_with_401_and_no_hint(client: TestClient, world: World) -> None:
    for username in ("admin", "nobody"):
        response = client.post("/console/login", data={"username": username, "password": "wrong-password-1"})
        assert response.status_code == 401
        assert "用户名或密码错误" in response.text
        assert "gk_session" not in response.headers.get("set-cookie", "")


def test_pages_send_the_signed_out_to_the_sign_in_page(client: TestClient, world: World) -> None:
    response = client.get("/console/terminals?state=online", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login?next=%2Fconsole%2Fterminals")


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client: TestClient, world: World) -> None:
    data = {"username": "admin", "password": "correct-horse-battery"}
    kept = client.post("/console/login", data={**data, "next": "/console/audit"}, follow_redirects=False)
    assert kept.headers["location"] == "/console/audit"
    dropped = client.post("/console/login", data={**data, "next": "//evil.example/x"}, follow_redirects=False)
    assert dropped.headers["location"] == "/console/"


def test_sign_out_ends_the_session_on_the_server(client: TestClient, world: World) -> None:
    sign_in(client, "admin")
    secret = client.cookies["gk_session"]
    response = post_form(client, "/console/logout")
    assert response.status_code == 303 and response.headers["location"].startswith("/console/login")
    client.cookies.set("gk_session", secret)  # replaying the old cookie does not work
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_a_post_without_the_csrf_token_is_refused(client: TestClient, world: World) -> None:
    sign_in(client, "admin")
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post(f"/console/terminals/{world.pending_a}/approve", data=data)
        assert response.status_code == 403
        assert "CSRF" in response.text and "<html" in response.text
    assert client.post("/console/logout").status_code == 403
    assert _state(client, world.pending_a) == "pending"


# --- who sees what ----------------------------------------------------------------------------------


PAGES = [
    "/console/",
    "/console/orgs",
    "/console/terminals",
    "/console/terminals?state=pending&q=SN&page=1",
    "/console/enrollment",
    "/console/users",
]


def test_the_admin_opens_every_page_but_the_audit_log(client: TestClient, world: World) -> None:
    sign_in(client, "admin")
    for page in PAGES:
        assert client.get(page).status_code == 200, page
    assert client.get("/console/audit").status_code == 403  # 三员分立: administrators do not audit themselves


def test_the_admin_opens_tree_nodes_and_terminal_details(client: TestClient, world: World) -> None:
    sign_in(client, "admin")
    node = client.get(f"/console/orgs?node={world.tree.district_a.id}")
    assert node.status_code == 200 and "测试市" in node.text and "甲街道" in node.text
    detail = client.get(f"/console/terminals/{world.terminal_a}")
    assert detail.status_code == 200
    for text in ("SN-A-1", "Vendor X", "甲区", "甲服务中心", "Printer", "模拟", "不足", "agent 0.1.0"):
        assert text in detail.text


def test_a_district_operator_stays_in_their_district(client: TestClient, world: World) -> None:
    sign_in(client, "op-a")
    listing = client.get("/console/terminals")
    assert "SN-A-1" in listing.text and "SN-B-1" not in listing.text
    assert client.get(f"/console/terminals/{world.terminal_a}").status_code == 200
    other = client.get(f"/console/terminals/{world.terminal_b}")
    assert other.status_code == 403 and "无权访问" in other.text
    assert client.get(f"/console/orgs?node={world.tree.district_b.id}").status_code == 403
    tree = client.get(f"/console/orgs?node={world.tree.district_a.id}")
    assert tree.status_code == 200 and f'href="/console/orgs?node={world.tree.city.id}"' not in tree.text


def test_only_auditors_open_the_audit_log(client: TestClient, world: World) -> None:
    sign_in(client, "op-a")
    assert 'href="/console/audit"' not in client.get("/console/").text
    assert client.get("/console/audit").status_code == 403
    sign_in(client, "auditor")
    assert 'href="/console/audit"' in client.get("/console/").text
    page = client.get("/console/audit?action=auth.&outcome=success")
    assert page.status_code == 200 and "auth.login" in page.text


def test_the_audit_log_filters_by_date(client: TestClient, world: World) -> None:
    sign_in(client, "auditor")
    assert "auth.login" not in client.get("/console/audit?action=auth.&until=2000-01-01").text
    assert client.get("/console/audit?since=yesterday").status_code == 422


def test_buttons_follow_permissions_and_the_server_still_checks(client: TestClient, world: World) -> None:
    sign_in(client, "auditor")
    page = client.get(f"/console/terminals/{world.pending_a}").text
    assert "/approve" not in page and "actions/new" not in page
    assert post_form(client, f"/console/terminals/{world.pending_a}/approve").status_code == 403
    users = client.get("/console/users").text
    assert "op-a" in users and 'action="/console/users"' not in users
    sign_in(client, "vendor-y")  # a vendor maintainer commands its own vendor's kiosks, nobody else's
    assert client.get(f"/console/terminals/{world.terminal_a}").status_code == 403
    assert "actions/new" in client.get(f"/console/terminals/{world.terminal_b}").text
    assert client.get("/console/users").status_code == 403


# --- language ---------------------------------------------------------------------------------------


def test_lang_en_switches_to_english_and_sticks(client: TestClient, world: World) -> None:
    sign_in(client, "admin")
    page = client.get("/console/?lang=en")
    assert "Terminals by state" in page.text and "Sign out" in page.text
    assert "lang=en" in page.headers["set-cookie"]
    later = client.get("/console/terminals")
    assert "Serial search" in later.text and 'href="/console/terminals?lang=zh"' in later.text
    assert "序列号搜索" in client.get("/console/terminals?lang=zh").text


def test_every_template_string_has_both_languages() -> None:
    templates = Path(__file__).resolve().parents[2] / "src/govkiosk/platform/console/templates"
    literal = re.compile(
        r"""\bt\(['"]([\w.]+)['"]\s*[,)]"""
    )  # t('key') and t('key', n=…), not t('prefix.' ~ x)
    keys = {k for f in templates.glob("*.html") for k in literal.findall(f.read_text())}
    assert keys and not keys - MESSAGES.keys()
    assert all(zh and en for zh, en in MESSAGES.values())


# --- forms that change things -----------------------------------------------------------------------


def test_approving_a_pending_terminal_changes_its_state(client: TestClient, world: World) -> None:
    sign_in(client, "op-a")
    page = f"/console/terminals/{world.pending_a}"
    response = post_form(client, f"{page}/approve", {"reason": "installed by the street office"}, page=page)
    assert response.status_code == 303
    assert _state(client, world.pending_a) != "pending"
    detail = client.get(response.headers["location"]).text
    assert "终端已批准" in detail and "installed by the street office" in detail


def test_revoking_stops_the_terminal_on_this_node_at_once(
    app: FastAPI, client: TestClient, world: World
) -> None:
    sign_in(client, "admin")
    assert post_form(client, f"/console/terminals/{world.terminal_a}/revoke").status_code == 303
    assert world.terminal_a in app.state.runtime.not_approved
    assert _state(client, world.terminal_a) == "revoked"
    again = post_form(client, f"/console/terminals/{world.terminal_a}/revoke")
    assert again.status_code == 409 and "状态冲突" in again.text


def test_a_command_is_queued_and_can_be_canceled(app: FastAPI, client: TestClient, world: World) -> None:
    sign_in(client, "op-a")
    page = f"/console/terminals/{world.terminal_a}"
    command = {"kind": "lock_screen", "params": '{"message": "维护中"}'}
    sent = post_form(client, f"{page}/actions/new", command)
    assert sent.status_code == 303 and world.terminal_a in app.state.runtime.unstarted_actions
    detail = client.get(sent.headers["location"]).text
    assert "锁定屏幕" in detail and "排队中" in detail
    action_id = re.search(r"/console/actions/(\d+)/cancel", detail).group(1)  # type: ignore[union-attr]
    assert post_form(client, f"/console/actions/{action_id}/cancel").status_code == 303
    assert "已撤销" in client.get(page).text
    bad = post_form(client, f"{page}/actions/new", {"kind": "reboot", "params": "[1"})
    assert bad.status_code == 422 and "JSON" in bad.text
    pending = post_form(client, f"/console/terminals/{world.pending_a}/actions/new", {"kind": "reboot"})
    assert pending.status_code == 409


def test_an_enrollment_token_is_shown_once(client: TestClient, world: World) -> None:
    sign_in(client, "op-a")
    form = {
        "label": "甲区新终端",
        "org_node_id": str(world.tree.site_a.id),
        "max_uses": "2",
        "ttl_hours": "24",
    }
    issued = post_form(client, "/console/enrollment/tokens", form, page="/console/enrollment")
    assert issued.status_code == 201 and issued.headers["cache-control"] == "no-store"
    secret = re.search(r"gket_[\w-]+", issued.text).group(0)  # type: ignore[union-attr]
    listing = client.get("/console/enrollment").text
    assert "甲区新终端" in listing and secret not in listing
    token_id = re.search(r"/console/enrollment/tokens/(\d+)/revoke", listing).group(1)  # type: ignore[union-attr]
    assert post_form(client, f"/console/enrollment/tokens/{token_id}/revoke").status_code == 303
    assert "已作废" in client.get("/console/enrollment").text
    elsewhere = {**form, "org_node_id": str(world.tree.site_b.id)}
    outside = post_form(client, "/console/enrollment/tokens", elsewhere)
    assert outside.status_code == 403
    invalid = post_form(client, "/console/enrollment/tokens", {**form, "max_uses": "many"})
    assert invalid.status_code == 422 and "max_uses" in invalid.text and "<html" in invalid.text


def test_a_serial_is_preauthorised(client: TestClient, world: World) -> None:
    sign_in(client, "op-a")
    data = {"serial": "SN-A-FUTURE", "org_node_id": str(world.tree.site_a.id)}
    assert post_form(client, "/console/enrollment/serials", data).status_code == 303
    assert "SN-A-FUTURE" in client.get("/console/enrollment").text
    assert post_form(client, "/console/enrollment/serials", data).status_code == 409


def test_users_are_created_granted_and_disabled(client: TestClient, world: World) -> None:
    sign_in(client, "admin")
    new = {
        "username": "op-b",
        "display_name": "乙区运营",
        "password": "long-enough-password",
        "role": "district_operator",
        "org_node_id": str(world.tree.district_b.id),
    }
    assert post_form(client, "/console/users", new).status_code == 303
    page = client.get("/console/users").text
    assert "op-b" in page and "区级运营人员" in page and "乙区" in page
    user_id = re.search(r"/console/users/(\d+)/grants", page[page.index("op-b") :]).group(1)  # type: ignore[union-attr]
    grant = {"role": "auditor", "org_node_id": str(world.tree.district_b.id)}
    assert post_form(client, f"/console/users/{user_id}/grants", grant).status_code == 303
    assert "安全审计员" in client.get("/console/users").text
    assert post_form(client, f"/console/users/{user_id}/deactivate").status_code == 303
    assert "已停用" in client.get("/console/users").text
    taken = post_form(client, "/console/users", new)
    assert taken.status_code == 409


def test_unknown_things_are_pages_not_json(client: TestClient, world: World) -> None:
    sign_in(client, "admin")
    missing = client.get("/console/terminals/999999")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert client.get("/console/nowhere").status_code == 404
    api = client.get("/api/v1/terminals/999999", headers=login(client, "admin"))
    assert api.json()["error"]["code"] == "not_found"  # the API keeps its JSON errors


def test_devices_needing_attention_show_on_the_overview_list_and_detail(
    db: Database, client: TestClient, world: World
) -> None:
    issues = ["missing:IdCardReader", "supply:Printer:paper:low"]
    with db.session(write=True) as session:
        session.execute(
            update(Terminal)
            .where(Terminal.id == world.terminal_a)
            .values(profile_id=world.tree.profile.id, device_issues=issues, needs_attention=True)
        )
    sign_in(client, "admin")
    assert "1 台终端的设备需要关注" in client.get("/console/").text
    listed = client.get("/console/terminals?attention=1").text
    assert "SN-A-1" in listed and "SN-B-1" not in listed and "需关注 2" in listed
    detail = client.get(f"/console/terminals/{world.terminal_a}").text
    assert (
        "不符合" in detail
        and "缺少必备设备 IdCardReader" in detail
        and "Printer 耗材告急：paper low" in detail
    )
    english = client.get(f"/console/terminals/{world.terminal_a}?lang=en").text
    assert "required device IdCardReader is missing" in english


def test_org_tree_counts_only_the_terminals_in_scope(client: TestClient, world: World) -> None:
    sign_in(client, "admin")
    city = client.get(f"/console/orgs?node={world.tree.city.id}").text
    cells = re.findall(r'<td class="num">(\d+)</td>', city)
    assert sorted(cells) == ["1", "2"] and "(3)" in city  # district A: 2, district B: 1, city: 3
    client.cookies.clear()
    sign_in(client, "vendor-y")  # vendor Y has one terminal, in district B
    city = client.get(f"/console/orgs?node={world.tree.city.id}").text
    assert sorted(re.findall(r'<td class="num">(\d+)</td>', city)) == ["0", "1"] and "(1)" in city
