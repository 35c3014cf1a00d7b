"""The placement console page: the coverage map as inline SVG, the district table, the plan form."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from govkiosk.platform.accounts.models import Role
from govkiosk.platform.db.session import Database
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.orgs.models import OrgKind, OrgNode
from govkiosk.platform.terminals.models import Connectivity
from govkiosk.sim.demo_placement import seed_placement
from tests.conftest import LivePlatform
from tests.console.helpers import post_form, sign_in
from tests.factories import PASSWORD, Tree, build, create_terminal, create_tree, create_user


def _shenzhen(session, tree: Tree) -> None:  # type: ignore[no-untyped-def]
    """Two of Shenzhen's districts (the demo's synthetic data) under the test city, with kiosks."""
    futian = orgs.insert(
        session, parent=tree.city, kind=OrgKind.DISTRICT, name="福田区", lat=22.541, lon=114.055
    )
    luohu = orgs.insert(
        session, parent=tree.city, kind=OrgKind.DISTRICT, name="罗湖区", lat=22.548, lon=114.131
    )
    seed_placement(session, tree.city)
    for n, (district, lon, lat, online) in enumerate(
        [(futian, 114.055, 22.541, True), (futian, 114.04, 22.53, False), (luohu, 114.131, 22.548, True)]
    ):
        site = _site(session, district, n, lon, lat)
        state = Connectivity.ONLINE if online else Connectivity.OFFLINE
        create_terminal(session, site=site, vendor=tree.vendor_x, serial=f"PL-{n}", connectivity=state)


def _site(session, district: OrgNode, n: int, lon: float, lat: float) -> OrgNode:  # type: ignore[no-untyped-def]
    street = orgs.insert(session, parent=district, kind=OrgKind.STREET, name=f"街道{n}")
    community = orgs.insert(session, parent=street, kind=OrgKind.COMMUNITY, name=f"社区{n}")
    return orgs.insert(session, parent=community, kind=OrgKind.SITE, name=f"站点{n}", lat=lat, lon=lon)


@pytest.fixture
def tree(db: Database) -> Tree:
    tree = build(db, create_tree)
    build(db, _shenzhen, tree)
    build(db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    build(db, create_user, "auditor", Role.AUDITOR, tree.city)
    build(db, create_user, "vendor", Role.VENDOR_MAINTAINER, tree.city, tree.vendor_x)
    return tree


def test_the_page_draws_the_map_and_the_district_table(client: TestClient, tree: Tree) -> None:
    sign_in(client, "admin")
    page = client.get("/console/placement")
    assert page.status_code == 200
    svg = re.search(r"<svg[^>]*class=\"pl-map\".*?</svg>", page.text, re.S)
    assert svg and 'role="img"' in svg.group(0) and "<title" in svg.group(0) and "<desc" in svg.group(0)
    assert "http" not in svg.group(0).replace('xmlns="http://www.w3.org/2000/svg"', "")  # no tiles
    assert svg.group(0).count("<circle") >= 2 + 2  # two serving kiosks and their reach circles
    assert 'class="dots covered"' in svg.group(0) and "福田区" in svg.group(0)
    table = re.search(r'<table id="by-district">.*?</table>', page.text, re.S)
    assert table and "福田区" in table.group(0) and "罗湖区" in table.group(0)
    assert "1,553,225" in table.group(0)  # Futian's census population, spread over synthetic points
    assert 'href="/console/placement"' in page.text  # the menu entry
    english = client.get("/console/placement?lang=en")
    assert "Placement and 15-minute coverage" in english.text and "Kiosk coverage map" in english.text


def test_the_plan_form_runs_a_plan_and_shows_its_sites(client: TestClient, tree: Tree) -> None:
    sign_in(client, "admin")
    data = {"node_id": str(tree.city.id), "model": "mclp", "p": "5", "radius": "1000", "method": "heuristic"}
    response = post_form(client, "/console/placement/plans", data, page="/console/placement")
    assert response.status_code == 303, response.text
    shown = client.get(response.headers["location"])
    assert shown.status_code == 200 and 'id="plan-report"' in shown.text
    assert shown.text.count('<path d="M') >= 5 and "方案已运行并保存" in shown.text
    bad = post_form(client, "/console/placement/plans", {**data, "p": "99999"}, page="/console/placement")
    assert bad.status_code == 422 and 'id="plan-error"' in bad.text


def test_an_auditor_reads_without_the_form_and_a_vendor_is_refused(client: TestClient, tree: Tree) -> None:
    sign_in(client, "auditor")
    page = client.get("/console/placement")
    assert page.status_code == 200 and 'id="plan-form"' not in page.text
    client.cookies.clear()
    sign_in(client, "vendor")
    assert client.get("/console/placement").status_code == 403
    assert 'href="/console/placement"' not in client.get("/console/").text


# --- in Chromium ----------------------------------------------------------------------------------------


@pytest.mark.browser
def test_an_admin_runs_an_exact_plan_on_the_map_in_chromium(
    browser: Browser, live_platform: LivePlatform, artifacts_dir: Path
) -> None:
    tree = build(live_platform.db, create_tree)
    build(live_platform.db, _shenzhen, tree)
    build(live_platform.db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_platform.url}/console/")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav.menu >> text=布点与覆盖")
    expect(page.locator("svg.pl-map")).to_be_visible()
    expect(page.locator("svg.pl-map .kiosk.serving circle")).to_have_count(2)
    expect(page.locator("svg.pl-map .kiosk.down path")).to_have_count(1)
    page.fill("#pl-p", "8")
    page.click("#plan-form button[type=submit]")
    expect(page.locator("#plan-status")).to_have_text("optimal")
    expect(page.locator("svg.pl-map .chosen path")).to_have_count(8)
    page.screenshot(path=str(artifacts_dir / "console-placement.png"), full_page=True)
    context.close()
