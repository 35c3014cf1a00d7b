"""The console in Debian's Chromium over real HTTP, on the Shenzhen demo data, with screenshots for people."""

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.terminals import service as terminals
from govkiosk.platform.terminals.models import Connectivity, EnrollmentState
from govkiosk.sim import demo_data
from tests.conftest import LivePlatform
from tests.factories import build, create_terminal

pytestmark = pytest.mark.browser

PASSWORDS = {login.username: login.password for login in demo_data.DEMO_LOGINS}
PERIPHERALS = [
    {"device_class": "IdCardReader", "state": "online", "simulated": True},
    {
        "device_class": "Printer",
        "state": "online",
        "simulated": True,
        "supplies": [{"name": "paper", "level": "low"}],
    },
    {"device_class": "Camera", "state": "hardwareError", "simulated": True, "detail": "no frames for 30 s"},
]


def seed_demo(session: Session) -> None:
    """The demo's org tree, profiles, vendors and users, and ten kiosks in assorted states."""
    city = demo_data.seed(session)
    sites = demo_data.site_ids(session, city)
    vendors = list(terminals.vendors(session))
    profile = terminals.profiles(session)[0]
    now = utcnow()
    states = ["online"] * 6 + ["offline", "unknown", "pending", "pending"]
    for number, state in enumerate(states):
        fields: dict[str, object] = {"enrollment_state": EnrollmentState.APPROVED}
        if state == "pending":
            fields = {"enrollment_state": EnrollmentState.PENDING}
        elif state == "online":
            fields |= {
                "connectivity": Connectivity.ONLINE,
                "last_seen_at": now,
                "offline_after": now + timedelta(days=1),
            }
        elif state == "offline":
            fields |= {"connectivity": Connectivity.OFFLINE, "last_seen_at": now - timedelta(hours=3)}
        vendor = vendors[number % len(vendors)]
        create_terminal(
            session,
            site=orgs.get(session, sites[number * 7]),
            vendor=vendor,
            serial=f"SZ-{vendor.code}-{number:04d}",
            model="GK-100",
            profile_id=profile.id,
            peripherals=PERIPHERALS,
            status="idle",
            versions={"agent": "0.1.0", "os": "Debian 12"},
            **fields,
        )


def sign_in(page: Page, live: LivePlatform, username: str) -> None:
    page.goto(f"{live.url}/console/")
    expect(page).to_have_url(f"{live.url}/console/login?next=%2Fconsole%2F")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("概览")


def shoot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / name), full_page=True)


def test_an_administrator_runs_the_fleet_and_an_auditor_reads_the_log(
    browser: Browser, live_platform: LivePlatform, artifacts_dir: Path
) -> None:
    build(live_platform.db, seed_demo)
    admin = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = admin.new_page()
    page.goto(f"{live_platform.url}/console/login")
    shoot(page, artifacts_dir, "console-login.png")
    sign_in(page, live_platform, "admin")
    expect(page.get_by_text("有 2 台终端等待审批。")).to_be_visible()
    shoot(page, artifacts_dir, "console-dashboard.png")

    page.click("nav.menu >> text=组织机构")
    page.click("text=福田区")
    expect(page.locator("nav.crumbs")).to_contain_text("深圳市")
    expect(page.locator("tbody tr").first).to_contain_text("街道")
    shoot(page, artifacts_dir, "console-orgs.png")

    page.click("nav.menu >> text=终端")
    page.select_option("select[name=state]", "online")
    page.click("form.filters button[type=submit]")
    expect(page.get_by_text("共 6 条")).to_be_visible()
    expect(page.locator("tbody .badge[class*=state-]")).to_have_text(["在线"] * 6)
    shoot(page, artifacts_dir, "console-terminals.png")

    page.click("tbody tr:first-child a")
    expect(page.locator("h1")).to_contain_text("终端 SZ-")
    page.select_option("select[name=kind]", "restart_app")
    page.click("#actions button[type=submit]")
    expect(page.get_by_text("指令已排队")).to_be_visible()
    expect(page.locator("#actions tbody tr").first).to_contain_text("重启应用")
    expect(page.locator("#actions tbody tr").first).to_contain_text("排队中")
    expect(page.get_by_text("模拟").first).to_be_visible()
    shoot(page, artifacts_dir, "console-terminal-detail.png")

    page.click("nav.menu >> text=终端注册")
    page.fill("#label", "福田区新点位")
    page.select_option("#org_node_id", index=1)
    page.click("form.grid-form button[type=submit]")
    token = page.locator("#issued-token")
    expect(token).to_contain_text("gket_")
    secret = token.inner_text()
    shoot(page, artifacts_dir, "console-enrollment.png")
    page.click("nav.menu >> text=终端注册")
    expect(page.get_by_text("福田区新点位")).to_be_visible()
    assert secret not in page.content()

    page.click("nav.menu >> text=用户与角色")
    expect(page.locator("table.users")).to_contain_text("futian-op")
    expect(page.locator("table.users")).to_contain_text("区级运营人员")
    page.click("text=English")
    expect(page.locator("h1")).to_have_text("Users and roles")
    expect(page.locator("table.users")).to_contain_text("District operator")
    shoot(page, artifacts_dir, "console-users-en.png")
    page.click("text=Sign out")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    admin.close()

    auditor = browser.new_context(viewport={"width": 1280, "height": 800})
    page = auditor.new_page()
    sign_in(page, live_platform, "auditor")
    page.click("nav.menu >> text=审计日志")
    page.fill("input[name=actor]", "admin")
    page.fill("input[name=action]", "action.")
    page.click("form.filters button[type=submit]")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("action.restart_app")
    page.fill("input[name=action]", "")
    page.click("form.filters button[type=submit]")
    expect(page.locator("tbody")).to_contain_text("enrollment_token.create")
    shoot(page, artifacts_dir, "console-audit.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.click("nav.menu >> text=概览")
    shoot(page, artifacts_dir, "console-dashboard-mobile.png")
    auditor.close()
