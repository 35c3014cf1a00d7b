"""The console's service catalog and onboarding (入驻) pages: search, the item editor, the review queue and
its actions, the 入驻率 dashboard; and once in Debian's Chromium, with screenshots for people."""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from govkiosk.platform.accounts.models import Role
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.codes import org_code_check_char, uscc_check_char, validate_item_codes
from govkiosk.platform.catalog.schemas import ItemContent, ItemCreate
from govkiosk.platform.core.actor import Actor
from govkiosk.platform.db.session import Database
from govkiosk.platform.onboarding import service as onboarding
from govkiosk.platform.onboarding import tasks
from tests.conftest import LivePlatform
from tests.console.helpers import csrf_of, post_form, sign_in
from tests.factories import PASSWORD, Tree, build, create_tree, create_user

ITEM_NAME = "社保参保证明打印"  # pinyin initials: sbcbzmdy
DEPT_SYSTEM = Actor(username="dept-a-system")


def _uscc(org8: str) -> str:
    first17 = "91440300" + org8 + org_code_check_char(org8)
    return first17 + uscc_check_char(first17)


def _task_code(serial: int, org8: str) -> str:
    return f"440C01234{serial:05d}-440300000000-000-{_uscc(org8)}-1-00"


def item_fields(serial: int, org8: str, **overrides: object) -> dict:
    """A kiosk-ready public-service item whose codes validate."""
    return {
        "name": ITEM_NAME,
        "task_code": _task_code(serial, org8),
        "catalog_code": f"440C01234{serial:05d}",
        "item_type": "GG",
        "region_code": "440300000000",
        "conditions": ["已参加本市社会保险"],
        "materials": [{"name": "居民身份证", "originals": 1, "copies": 0}],
        "promised_limit": {"value": 0, "unit": "working_day"},
        "channels": ["window", "kiosk"],
        "kiosk_eligible": True,
        "required_devices": ["IdCardReader", "Printer"],
        "topics": ["社保"],
        **overrides,
    }


@dataclass
class World:
    tree: Tree
    item_a: int  # a draft of district A's department, submitted for onboarding
    item_b: int  # a published item of district B's department, not on kiosks
    onboarding_id: int


def _catalog(session: Session, tree: Tree) -> tuple[int, int, int]:
    dept_a = catalog.ensure_department(
        session, name="甲区人社局", code=_uscc("MA5F0000"), org_node_id=tree.district_a.id
    )
    dept_b = catalog.ensure_department(
        session, name="乙区民政局", code=_uscc("MA5F0001"), org_node_id=tree.district_b.id
    )
    fields_a = item_fields(1, "MA5F0000")
    assert validate_item_codes(ItemContent.model_validate(fields_a)) == []
    item_a = catalog.create_item(session, DEPT_SYSTEM, dept_a, ItemCreate.model_validate(fields_a))
    fields_b = item_fields(2, "MA5F0001", name="最低生活保障申请", topics=["社会救助"])
    item_b = catalog.create_item(
        session, DEPT_SYSTEM, dept_b, ItemCreate.model_validate(fields_b), publish=True
    )
    submitted = onboarding.submit(
        session, DEPT_SYSTEM, department_id=dept_a.id, subject="item", subject_id=item_a.id, reason="申请上线"
    )
    return item_a.id, item_b.id, submitted.id


def make_world(db: Database) -> World:
    """Two districts, one user per role, a department with an item in each; A's item is in review."""
    tree = build(db, create_tree)
    build(db, create_user, "admin", Role.PLATFORM_ADMIN, tree.city)
    build(db, create_user, "op-a", Role.DISTRICT_OPERATOR, tree.district_a)
    build(db, create_user, "auditor", Role.AUDITOR, tree.city)
    build(db, create_user, "vendor-y", Role.VENDOR_MAINTAINER, tree.city, tree.vendor_y)
    item_a, item_b, onboarding_id = build(db, _catalog, tree)
    assert tasks.check_pending(db) == 1  # the automatic checks move it to in_review
    return World(tree, item_a, item_b, onboarding_id)


@pytest.fixture
def world(db: Database) -> World:
    return make_world(db)


def _state(db: Database, onboarding_id: int) -> str:
    with db.session(write=False) as session:
        return onboarding.get(session, onboarding_id).state


def editor_form(serial: int, org8: str, **overrides: str) -> dict[str, str | list[str]]:
    """The editor's fields as a browser posts them."""
    form: dict[str, str | list[str]] = {
        "name": ITEM_NAME,
        "task_code": _task_code(serial, org8),
        "catalog_code": f"440C01234{serial:05d}",
        "item_type": "GG",
        "tier": "sub",
        "business_kind": "",
        "handling_level": "district",
        "region_code": "440300000000",
        "applicant_types": ["natural"],
        "conditions": "已参加本市社会保险\n",
        "promised_limit-value": "0",
        "promised_limit-unit": "working_day",
        "legal_limit-value": "",
        "legal_limit-unit": "working_day",
        "anywhere_scope": "city",
        "channels": ["window", "kiosk"],
        "kiosk_eligible": "1",
        "required_devices": ["IdCardReader", "Printer"],
        "topics": "社保",
        "keywords": "参保证明\n社保证明",
        "description": "",
        "materials-0-name": "居民身份证",
        "materials-0-required": "1",
        "materials-0-originals": "1",
        "materials-0-copies": "0",
        "materials-1-name": "",
        "fees-0-name": "",
    }
    form.update(overrides)
    return form


def save(client: TestClient, item_id: int, form: dict) -> Response:
    page = f"/console/catalog/items/{item_id}"
    return client.post(page, data={"csrf_token": csrf_of(client, page), **form}, follow_redirects=False)


# --- catalog ------------------------------------------------------------------------------------------


def test_the_search_finds_an_item_by_its_pinyin_initials(client: TestClient, world: World) -> None:
    sign_in(client, "admin")
    assert 'href="/console/catalog"' in client.get("/console/").text
    page = client.get("/console/catalog?q=sbcb")
    assert page.status_code == 200
    assert ITEM_NAME in page.text and f'href="/console/catalog/items/{world.item_a}"' in page.text
    assert "最低生活保障申请" not in page.text and "共 1 条" in page.text
    everything = client.get("/console/catalog?status=published&lang=en")
    assert "最低生活保障申请" in everything.text and ITEM_NAME not in everything.text
    assert "Public service" in everything.text


def test_the_editor_saves_a_draft_in_place_and_a_published_item_gets_a_new_version(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, "op-a")
    page = client.get(f"/console/catalog/items/{world.item_a}")
    assert page.status_code == 200 and "保存将直接修改该草稿" in page.text
    saved = save(client, world.item_a, editor_form(1, "MA5F0000", name="社保参保证明打印（个人）"))
    assert saved.status_code == 303 and "done=item_saved" in saved.headers["location"]
    page = client.get(saved.headers["location"])
    assert "事项已保存为草稿" in page.text and "社保参保证明打印（个人）" in page.text
    assert "参保证明\n社保证明" in page.text  # keywords back as one per line

    sign_in(client, "admin")
    page = client.get(f"/console/catalog/items/{world.item_b}")
    assert "保存将生成新的草稿版本 v2" in page.text
    form = editor_form(
        2, "MA5F0001", name="最低生活保障申请", **{"fees-0-name": "工本费", "fees-0-amount_yuan": "5"}
    )
    assert save(client, world.item_b, form).status_code == 303
    with db.session(write=False) as session:
        versions = catalog.item_versions(session, catalog.get_item(session, world.item_b))
    assert [(v.version, v.status) for v in versions] == [(1, "published"), (2, "draft")]
    assert str(versions[1].fees[0].amount_yuan) == "5" and versions[1].anywhere_scope == "city"


def test_a_validation_error_names_the_field_and_keeps_what_was_typed(
    client: TestClient, world: World
) -> None:
    sign_in(client, "admin")
    bad = editor_form(1, "MA5F0000", **{"promised_limit-value": "soon", "materials-0-copies": "-1"})
    page = save(client, world.item_a, bad)
    assert page.status_code == 422
    errors = re.search(r'id="form-errors".*?</div>', page.text, re.S)
    assert errors and "承诺办结时限" in errors.group(0) and "申请材料" in errors.group(0)
    assert "第 1 行 复印件份数" in errors.group(0)
    assert 'value="soon"' in page.text and 'value="-1"' in page.text
    duplicate = save(client, world.item_b, editor_form(1, "MA5F0000"))  # item A's task code
    assert duplicate.status_code == 422 and "实施编码" in duplicate.text and "already used" in duplicate.text


def test_code_issues_show_in_a_warning_box(client: TestClient, world: World) -> None:
    sign_in(client, "admin")
    broken = editor_form(1, "MA5F0000", task_code="440C0123400001-440300000000-000-91440300MA5F00000X-1-00")
    assert save(client, world.item_a, broken).status_code == 303
    page = client.get(f"/console/catalog/items/{world.item_a}")
    box = re.search(r'id="code-issues".*?</div>', page.text, re.S)
    assert box and "check character" in box.group(0)


# --- onboarding ---------------------------------------------------------------------------------------


def test_the_queue_lists_onboardings_in_review(client: TestClient, world: World) -> None:
    sign_in(client, "op-a")
    page = client.get("/console/onboarding")
    assert page.status_code == 200
    assert ITEM_NAME in page.text and "审核中" in page.text and "甲区人社局" in page.text
    assert "dept-a-system" in page.text and "通过 3" in page.text
    assert ITEM_NAME not in client.get("/console/onboarding?state=published").text


def test_approve_then_publish_through_the_forms(client: TestClient, world: World, db: Database) -> None:
    sign_in(client, "op-a")
    detail = f"/console/onboarding/{world.onboarding_id}"
    page = client.get(detail).text
    assert "form-approve" in page and "form-reject" in page and "form-publish" not in page
    approved = post_form(client, f"{detail}/approve", {"reason": "材料齐全"}, page=detail)
    assert approved.status_code == 303 and _state(db, world.onboarding_id) == "approved"
    page = client.get(detail).text
    assert "form-publish" in page and "form-approve" not in page
    targets = {"org_node_ids": str(world.tree.district_a.id), "profile_ids": str(world.tree.profile.id)}
    published = post_form(client, f"{detail}/publish", {**targets, "reason": "首批上线"}, page=detail)
    assert published.status_code == 303 and _state(db, world.onboarding_id) == "published"
    page = client.get(published.headers["location"]).text
    history = re.search(r'id="history".*?</section>', page, re.S)
    assert history is not None
    for text in ("op-a", "材料齐全", "首批上线", "system", "申请上线", "审核中", "已发布", "甲区"):
        assert text in history.group(0), text
    assert "已发布，所选范围内的终端将提供该服务" in page
    assert "form-suspend" in page and "form-withdraw" in page
    listing = client.get("/console/catalog?q=sbcb").text
    assert "✓" in listing


def test_reject_without_a_reason_shows_the_error(client: TestClient, world: World, db: Database) -> None:
    sign_in(client, "admin")
    detail = f"/console/onboarding/{world.onboarding_id}"
    response = post_form(client, f"{detail}/reject", {"reason": "  "}, page=detail)
    assert response.status_code == 422
    assert 'id="action-error"' in response.text and "reason" in response.text
    assert _state(db, world.onboarding_id) == "in_review"
    rejected = post_form(client, f"{detail}/reject", {"reason": "承诺时限不符合要求"}, page=detail)
    assert rejected.status_code == 303 and _state(db, world.onboarding_id) == "rejected"


def test_a_vendor_maintainer_sees_no_catalog_and_an_auditor_only_reads(
    client: TestClient, world: World
) -> None:
    sign_in(client, "vendor-y")
    assert 'href="/console/catalog"' not in client.get("/console/").text
    for page in (
        "/console/catalog",
        f"/console/catalog/items/{world.item_a}",
        "/console/onboarding",
        f"/console/onboarding/{world.onboarding_id}",
        "/console/onboarding/rates",
    ):
        response = client.get(page)
        assert response.status_code == 403 and "无权访问" in response.text, page
    sign_in(client, "auditor")
    detail = f"/console/onboarding/{world.onboarding_id}"
    assert "form-approve" not in client.get(detail).text
    assert post_form(client, f"{detail}/approve", page=detail).status_code == 403
    editor = client.get(f"/console/catalog/items/{world.item_a}").text
    assert '<fieldset class="plain" disabled>' in editor and "保存草稿" not in editor


def test_the_rates_page_draws_one_line_per_district_with_data(
    client: TestClient, world: World, db: Database
) -> None:
    sign_in(client, "admin")
    detail = f"/console/onboarding/{world.onboarding_id}"
    post_form(client, f"{detail}/approve", page=detail)
    post_form(client, f"{detail}/publish", {"org_node_ids": str(world.tree.district_a.id)}, page=detail)
    page = client.get("/console/onboarding/rates")
    assert page.status_code == 200
    svg = re.search(r"<svg.*?</svg>", page.text, re.S)
    assert svg is not None and 'role="img"' in svg.group(0)
    assert '<title id="chart-title">各区入驻率周趋势</title>' in svg.group(0) and "<desc" in svg.group(0)
    assert re.findall(r'data-district="([^"]+)"', svg.group(0)) == ["甲区", "乙区"]
    assert svg.group(0).count('class="series"') == 2 and "100%" in svg.group(0)
    assert "http" not in svg.group(0).replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert 'id="history-table"' in page.text and 'id="by-department"' in page.text
    assert "100.0%" in page.text and "0.0%" in page.text


# --- in Chromium ----------------------------------------------------------------------------------------


def _sign_in(page: Page, live: LivePlatform, username: str) -> None:
    page.goto(f"{live.url}/console/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("概览")


@pytest.mark.browser
def test_an_operator_finds_reviews_and_publishes_an_item_in_chromium(
    browser: Browser, live_platform: LivePlatform, artifacts_dir: Path
) -> None:
    world = make_world(live_platform.db)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, live_platform, "op-a")

    page.click("nav.menu >> text=事项目录")
    page.fill("input[name=q]", "sbcb")
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.catalog tbody tr")).to_have_count(1)
    expect(page.locator("table.catalog tbody")).to_contain_text(ITEM_NAME)
    page.screenshot(path=str(artifacts_dir / "console-catalog.png"), full_page=True)

    page.click(f"text={ITEM_NAME}")
    expect(page.locator("h1")).to_contain_text(ITEM_NAME)
    expect(page.locator("#f-name")).to_have_value(ITEM_NAME)
    page.fill("#f-promised_limit", "soon")
    page.click("#editor button[type=submit]")
    expect(page.locator("#form-errors")).to_contain_text("承诺办结时限")
    page.screenshot(path=str(artifacts_dir / "console-catalog-editor.png"), full_page=True)

    page.click("nav.menu >> text=入驻审核")
    expect(page.locator("table.onboardings tbody")).to_contain_text("审核中")
    page.click(f"table.onboardings >> text={ITEM_NAME}")
    page.fill("#reason-approve", "材料齐全")
    page.click("#form-approve button[type=submit]")
    expect(page.get_by_text("已审核通过")).to_be_visible()
    page.check(f"#form-publish input[name=org_node_ids][value='{world.tree.district_a.id}']")
    page.check(f"#form-publish input[name=profile_ids][value='{world.tree.profile.id}']")
    page.fill("#reason-publish", "首批上线")
    page.click("#form-publish button[type=submit]")
    expect(page.locator("h1 .badge")).to_have_text("已发布")
    expect(page.locator("#history")).to_contain_text("首批上线")
    page.screenshot(path=str(artifacts_dir / "console-onboarding-detail.png"), full_page=True)

    page.click("nav.menu >> text=入驻率")
    expect(page.locator("svg.rate-chart path.series")).to_have_count(1)  # op-a sees district A only
    expect(page.locator("#by-district")).to_contain_text("100.0%")
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, live_platform, "admin")
    page.click("nav.menu >> text=入驻率")
    expect(page.locator("svg.rate-chart path.series")).to_have_count(2)
    expect(page.locator("svg.rate-chart .legend")).to_contain_text("乙区 0%")
    page.screenshot(path=str(artifacts_dir / "console-onboarding-rates.png"), full_page=True)
    context.close()
