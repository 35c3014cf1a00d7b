"""The citizen kiosk UI (`kiosk_ui/static/`) in Debian's Chromium, against a static server with the agent's
local API (docs/kiosk-ui.md) answered by `MockAgent` through `page.route`: flows, layouts, i18n, elder mode,
the keyboards, the idle wipe, speed, and axe-core (WCAG 2.1 AA) on every screen in both modes.

Screenshots of every screen land in test-artifacts/kiosk/."""

import functools
import gzip
import json
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Route, expect

from govkiosk.kiosk_ui import pinyin
from govkiosk.platform.support.forms import examples
from tests.kiosk_ui.screens import (
    PORTRAIT,
    draw_signature,
    fill_certificate,
    identify,
    screen,
    shows,
    start_item,
    step,
)

pytestmark = pytest.mark.browser

STATIC = Path(__file__).parents[2] / "src" / "govkiosk" / "kiosk_ui" / "static"
SHOTS = Path(__file__).parents[2] / "test-artifacts" / "kiosk"
VERSION = json.loads((STATIC / "manifest.json").read_text())["version"]
UI_BASE = f"/ui/{VERSION}"
LANDSCAPE = {"width": 1920, "height": 1080}
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
QR_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 21 21">'
    '<path d="M0 0h7v7H0zM14 0h7v7h-7zM0 14h7v7H0z"/></svg>'
)
PIXEL = (  # one pixel, as the scan preview
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
ID_NUMBER = "440304199001011237"
CASE_NUMBER = "SZ-2024-000123"
DEPARTMENT = {"zh": "深圳市社会保险基金管理局", "en": "Shenzhen SI Fund"}


def t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


class BundleHandler(SimpleHTTPRequestHandler):
    """`/` is index.html with the bundle base filled in, `/ui/<version>/…` the bundle: as the agent does."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = urlparse(self.path).path
        if path == "/":
            body = (STATIC / "index.html").read_text().replace("__UI_BASE__", UI_BASE).encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.path = path.removeprefix(UI_BASE)
        super().do_GET()


def _items() -> list[dict[str, Any]]:
    return [
        {
            "id": 12,
            "name": t("社会保险参保证明打印", "Print a social-insurance certificate"),
            "kind": "print",
            "app_id": 1012,
            "form": examples.insurance_certificate_print(item_id=12),
            "fees": [],
            "category": "social",
        },
        {
            "id": 11,
            "name": t("灵活就业人员参保登记", "Flexible-employment insurance registration"),
            "kind": "form",
            "app_id": 1011,
            "form": examples.flexible_employment_registration(item_id=11),
            "fees": [],
            "category": "social",
        },
        {
            "id": 13,
            "name": t("生育津贴申领", "Maternity allowance"),
            "kind": "form",
            "app_id": 1013,
            "form": examples.maternity_allowance(item_id=13),
            "fees": [],
            "category": "family",
        },
        {
            "id": 20,
            "name": t("不动产登记资料查询", "Property register extract"),
            "kind": "form",
            "app_id": 1020,
            "form": examples.insurance_certificate_print(item_id=20),
            "fees": [{"name": "查询费", "amount_yuan": 20, "basis": "收费标准"}],
            "category": "housing",
        },
        {
            "id": 30,
            "name": t("港澳通行证再次签注", "Hong Kong and Macao endorsement"),
            "kind": "guide",
            "app_id": None,
            "form": None,
            "fees": [],
            "category": "travel",
        },
    ]


class MockAgent:
    """The agent's local API as docs/kiosk-ui.md describes it, with switches for the failure paths."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []
        self.identity_error: str | None = None
        self.offline = False
        self.printer_out = False
        self.document_late = False  # the department's certificate does not come in time
        self.polls: dict[str, int] = {}
        self.items = {item["id"]: item for item in _items()}

    def calls_to(self, path: str) -> list[Any]:
        return [body for method, p, body in self.calls if p == path and method == "POST"]

    def await_calls(self, page: Page, path: str, count: int = 1, timeout_ms: int = 5000) -> list[Any]:
        """The POSTs to `path` once there are `count` of them: a tap's request is sent after the tap returns,
        and routes are handled only while Playwright runs, so wait in the page rather than in Python."""
        for _ in range(timeout_ms // 50):
            if len(self.calls_to(path)) >= count:
                break
            page.wait_for_timeout(50)
        return self.calls_to(path)

    def handle(self, route: Route) -> None:
        request = route.request
        url = urlparse(request.url)
        path = url.path.removeprefix("/local/v1")
        body = request.post_data_json if request.method == "POST" and request.post_data else None
        self.calls.append((request.method, path, body))
        status, answer = self.answer(request.method, path, parse_qs(url.query), body or {})
        route.fulfill(status=status, content_type="application/json", body=json.dumps(answer))

    def answer(self, method: str, path: str, query: dict[str, list[str]], body: dict) -> tuple[int, Any]:
        if method == "GET":
            return 200, self.get(path, query)
        return self.post(path, body)

    def get(self, path: str, query: dict[str, list[str]]) -> Any:
        if path == "/config":
            return {
                "ui_version": VERSION,
                "terminal": {"serial": "SIM-0001", "name": "福田区行政服务大厅 1号机"},
                "simulated": True,
                "locale": "zh-CN",
                "mode": "normal",
                "devices": {"ws_base": "ws://127.0.0.1:9/xfs4iot/v1.0", "token": "test"},
                "timeouts": {"idle_s": 90, "warn_s": 20, "session_cap_s": 900},
                "frequent": [12, 11, 13, 20],
            }
        if path == "/status":
            return {
                "online": not self.offline,
                "outbox": {"pending": 0, "delivered_recently": 0},
                "printer": {"ok": not self.printer_out, "paper": "out" if self.printer_out else "ok"},
                "session": None,
            }
        if path == "/catalog":
            return self.catalog(query.get("q", [""])[0], query.get("category", [""])[0])
        if path.startswith("/items/"):
            return self.guide(self.items[int(path.rsplit("/", 1)[1])])
        if path == "/regions":
            names = {
                "440303": t("罗湖区", "Luohu"),
                "440304": t("福田区", "Futian"),
                "440305": t("南山区", "Nanshan"),
                "440306": t("宝安区", "Bao'an"),
                "440307": t("龙岗区", "Longgang"),
            }
            return {"regions": [{"code": code, "name": name} for code, name in names.items()]}
        if "/phone/" in path or path.startswith("/payments/"):
            self.polls[path] = self.polls.get(path, 0) + 1
            if path.startswith("/payments/"):
                return {"state": "paid" if self.polls[path] > 1 else "pending"}
            received = {"state": "received", "ref": {"id": "phone-1"}}
            return received if self.polls[path] > 1 else {"state": "waiting"}
        raise AssertionError(f"unexpected GET {path}")

    def catalog(self, q: str, category: str) -> dict[str, Any]:
        items = [
            {
                "id": i["id"],
                "version": 1,
                "name": i["name"],
                "department": DEPARTMENT,
                "category": i["category"],
                "kind": i["kind"],
                "fees": bool(i["fees"]),
                "app_id": i["app_id"],
                "devices": [],
                "available": True,
            }
            for i in self.items.values()
            if (not q or q in i["name"]["zh"]) and (not category or category == i["category"])
        ]
        categories = [
            {"id": "social", "name": t("社会保障", "Social security")},
            {"id": "family", "name": t("婚育收养", "Family")},
            {"id": "housing", "name": t("住房保障", "Housing")},
            {"id": "travel", "name": t("出入境", "Travel")},
            {"id": "business", "name": t("开办企业", "Business")},
            {"id": "health", "name": t("医疗卫生", "Health")},
        ]
        return {"categories": categories, "items": items}

    def guide(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": item["id"],
            "version": 1,
            "name": item["name"],
            "department": DEPARTMENT,
            "conditions": [
                t("在本市就业或居住", "You work or live in Shenzhen"),
                t("年满16周岁", "You are 16 or older"),
            ],
            "materials": [
                {"name": "居民身份证", "slot": "id_card", "required": True, "elicence": "居民身份证"}
            ],
            "legal_limit": 20,
            "promised_limit": 5,
            "fees": item["fees"],
            "form": item["form"],
            "app_id": item["app_id"],
            "kind": item["kind"],
        }

    def post(self, path: str, body: dict) -> tuple[int, Any]:
        if path.startswith("/identity/"):
            if self.identity_error:
                message = t("人脸与身份证照片不一致", "Face mismatch")
                return 409, {"error": {"code": self.identity_error, "message": message}}
            person = {
                "name_masked": "张*",
                "id_masked": "4403**********1237",
                "method": path.rsplit("/", 1)[1],
            }
            opened = {"session": {"id": "s1", "seconds_left": 900}, "person": person}
            return 200, opened | ({"prefill": self.prefill()} if body.get("app_id") else {})
        if path.endswith("/prefill"):
            return 200, self.prefill()
        if path.endswith("/check"):
            return 200, self.check(body)
        simple = {
            "/session/touch": {"seconds_left": 800, "idle_left": 90},
            "/session/end": {"ended": True},
            "/signature": {"ref": {"id": "sig-1"}},
            "/receipt/sms": {"sent": True, "simulated": True},
            "/evaluations": {"id": 1},
            "/payments": {"payment_id": "pay-1", "amount": 20, "qr_svg": QR_SVG, "simulated": True},
            "/materials/id_card/scan": {
                "ref": {"id": "scan-1", "digest_short": "ab12", "size": 2048},
                "preview": PIXEL,
            },
            "/materials/id_card/phone": {
                "token": "tok",
                "qr_svg": QR_SVG,
                "url": "https://x/u/tok",
                "expires_in": 300,
            },
            "/progress": {
                "cases": [
                    {
                        "case_number": CASE_NUMBER,
                        "item": t("灵活就业人员参保登记", "Registration"),
                        "state": "in_review",
                        "state_label": t("审核中", "In review"),
                        "promised_date": "2024-05-08",
                    }
                ]
            },
        }
        if path in simple:
            return 200, simple[path]
        if path == "/submit":
            if self.offline:
                return 200, {"state": "queued", "entry_id": "Q-0007", "message": None}
            return 200, {"state": "submitted", "case_number": CASE_NUMBER, "promised_date": "2024-05-08"}
        if path in ("/receipt/print", "/document/print"):
            kind = "certificate" if path == "/document/print" else "receipt"
            fallback = {"case_number": body.get("case_number"), "qr_svg": QR_SVG, "sms": True}
            if self.printer_out:
                return 200, {"printed": False, "kind": kind, "reason": "out_of_paper", "fallback": fallback}
            if self.document_late and kind == "certificate":
                message = t("证明尚未生成。您的申请已提交，办结后将以短信通知您。", "Not ready yet.")
                answer = {"printed": False, "kind": kind, "reason": "document_not_ready", "message": message}
                return 200, {**answer, "fallback": fallback}
            return 200, {"printed": True, "kind": kind}
        raise AssertionError(f"unexpected POST {path}")

    def prefill(self) -> dict[str, Any]:
        """The prefill with its computed fields, as the platform answers it."""
        return {"data": {"applicant": {"name": "张三", "id_number": ID_NUMBER, "age": 34}}}

    def check(self, body: dict) -> dict[str, Any]:
        data = body["data"]
        applicant = data.get("applicant", {})
        if "id_number" in applicant:
            applicant["age"] = 34
        mobile = applicant.get("mobile")
        errors = []
        if body["step"] == "contact" and not re.fullmatch(r"1[3-9]\d{9}", mobile or ""):
            message = t("请填写正确的手机号码", "Enter a valid mobile number")
            errors.append({"path": "applicant.mobile", "message": message})
        return {"errors": errors, "data": data}


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(BundleHandler, directory=str(STATIC)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def agent() -> MockAgent:
    return MockAgent()


def open_kiosk(
    browser: Browser,
    site: str,
    agent: MockAgent,
    query: str = "",
    viewport: dict | None = None,
    clock: bool = False,
) -> Page:
    context = browser.new_context(viewport=viewport or PORTRAIT, locale="zh-CN")
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))  # type: ignore[attr-defined]
    if clock:
        page.clock.install()
    page.route("**/local/v1/**", agent.handle)
    page.goto(f"{site}/{query}")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    return page


@pytest.fixture
def page(browser: Browser, site: str, agent: MockAgent) -> Iterator[Page]:
    page = open_kiosk(browser, site, agent)
    yield page
    errors = page.errors  # type: ignore[attr-defined]
    page.context.close()
    assert errors == []


AXE = Axe()


def axe_violations(page: Page) -> list[str]:
    results = AXE.run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


# The smallest text on the screen: every visible element that holds text of its own, with its font size.
SMALLEST_TEXT = """() => {
  let smallest = null;
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || el.closest("[hidden], [aria-hidden=true]")) continue;
    const size = parseFloat(style.fontSize);
    if (!smallest || size < smallest.size) smallest = { size, text: el.textContent.trim().slice(0, 20) };
  }
  return smallest;
}"""
MIN_TEXT_PX = {"normal": 28, "elder": 40}


def check(page: Page, name: str, *, elder_shot: bool = False) -> None:
    """axe in normal and elder mode (0 violations), text no smaller than 28 px (elder mode 40 px), and
    screenshots of this screen."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(50)  # let fonts and the first frame settle
    mode = page.evaluate("document.documentElement.dataset.mode")
    for current in (mode, "elder" if mode == "normal" else "normal"):
        page.evaluate(f"document.documentElement.dataset.mode = '{current}'")
        assert axe_violations(page) == [], f"{name} ({current})"
        smallest = page.evaluate(SMALLEST_TEXT)
        assert smallest is None or smallest["size"] >= MIN_TEXT_PX[current], f"{name} ({current}): {smallest}"
        if current == mode or elder_shot:  # the page as it is, and on request the other mode
            page.screenshot(path=str(SHOTS / f"{name}{'' if current == mode else '-' + current}.png"))
    page.evaluate(f"document.documentElement.dataset.mode = '{mode}'")


# --- the bundle ---


def test_bundle_is_small_and_named_by_base() -> None:
    files = [*STATIC.glob("js/**/*.js"), *STATIC.glob("css/*.css")]
    raw = sum(f.stat().st_size for f in files)
    zipped = sum(len(gzip.compress(f.read_bytes())) for f in files)
    print(f"JS+CSS: {raw} bytes raw, {zipped} bytes gzip, {len(files)} files")
    assert zipped <= 150 * 1024
    index = (STATIC / "index.html").read_text()
    assert re.findall(r'(?:src|href)="([^"]+)"', index) and all(
        ref.startswith("__UI_BASE__/") for ref in re.findall(r'(?:src|href)="([^"]+)"', index)
    )
    assert VERSION == "1.0.0"


def test_every_message_key_is_in_both_catalogs() -> None:
    zh = json.loads((STATIC / "i18n" / "zh-CN.json").read_text())
    en = json.loads((STATIC / "i18n" / "en.json").read_text())
    assert zh.keys() == en.keys()
    used = set()
    for source in STATIC.glob("js/**/*.js"):
        used |= set(re.findall(r'\bt\(\s*"([\w.]+)"', source.read_text()))
    assert used - zh.keys() == set()


def test_committed_pinyin_data_is_the_generator_output() -> None:
    assert pinyin.OUTPUT.read_text(encoding="utf-8") == pinyin.render()
    data = json.loads(pinyin.render())
    assert len({c for chars in data["chars"].values() for c in chars}) == 3755
    assert data["chars"]["shi"][0] == "是" and "申请" in data["words"]["shenqing"]


# --- flows ---


def test_form_application_with_scan_signature_receipt_and_evaluation(page: Page, agent: MockAgent) -> None:
    """灵活就业人员参保登记 from home to the end, checking each screen with axe and a screenshot."""
    screen(page, "home")
    assert page.evaluate("performance.getEntriesByName('kiosk-ready')[0].startTime") < 1000
    check(page, "01-home", elder_shot=True)
    page.get_by_role("button", name="社会保障").click()
    screen(page, "list")
    check(page, "02-list")
    page.click("#home")
    start_item(page, "灵活就业人员参保登记")
    identify(page)
    step(page, "identity")
    # the prefill comes with the identity; the step is checked on 下一步, not before it is shown
    assert agent.calls_to("/identity/idcard") == [{"app_id": 1011}]
    assert not agent.calls_to("/forms/1011/prefill") and not agent.calls_to("/forms/1011/check")
    check(page, "05-form-identity", elder_shot=True)
    id_value = page.locator("#f-applicant-id_number")
    expect(id_value).to_have_text("4403**********1237")  # masked until the citizen asks
    page.get_by_role("button", name="显示完整号码").click()
    expect(id_value).to_have_text(ID_NUMBER)
    expect(page.locator("#f-applicant-age")).to_have_text("34")
    expect(page.locator(".steps [aria-current=step]")).to_contain_text("核对身份信息")
    page.click("#next")

    step(page, "contact")
    page.click("#next")  # no mobile yet: the agent's check says what is wrong, next to the field
    expect(page.locator("#f-applicant-mobile-err")).to_have_text("请填写正确的手机号码")
    expect(page.locator("#f-applicant-mobile")).to_have_attribute("aria-invalid", "true")
    check(page, "06-form-contact-error")
    page.fill("#f-applicant-mobile", "13800138000")
    page.get_by_label("福田区").check()
    page.fill("#f-applicant-address", "深圳市福田区福中三路1号")
    page.click("#next")

    step(page, "insurance")
    page.fill("#f-insurance-start_date", "2099-01-01")
    page.get_by_label("基本医疗保险二档").check()
    check(page, "07-form-insurance")
    page.click("#next")

    step(page, "materials")
    page.get_by_role("button", name="放到高拍仪下拍摄").click()
    expect(page.locator(".page img")).to_have_count(1)
    page.get_by_role("button", name="用手机上传").click()
    expect(page.locator(".licence")).to_have_text("手机上传的材料", timeout=6000)
    check(page, "08-materials", elder_shot=True)
    blob_url = page.locator(".page img").get_attribute("src")
    assert blob_url and blob_url.startswith("blob:")
    page.click("#next")

    screen(page, "confirm")
    shows(page, "4403**********1237", "福田区", "基本医疗保险二档")
    check(page, "09-confirm", elder_shot=True)
    page.click("#confirm")

    screen(page, "signature")
    expect(page.locator("#sign")).to_be_disabled()
    draw_signature(page)
    check(page, "10-signature")
    page.click("#sign")

    screen(page, "submit")
    expect(page.locator("#case-number")).to_have_text(CASE_NUMBER)
    check(page, "12-submitted", elder_shot=True)
    submitted = agent.calls_to("/submit")[0]
    assert submitted["app_id"] == 1011 and submitted["data"]["signature"] == "sig-1"
    assert submitted["materials"] == ["scan-1", "phone-1"]
    assert submitted["data"]["materials"]["id_card"] == ["scan-1", "phone-1"]
    page.click("#print")

    screen(page, "receipt")
    shows(page, "打印完成")
    check(page, "13-receipt")
    for tool in ("#lang", "#lang", "#elder", "#elder"):  # each switch shows the screen again
        page.click(tool)
    shows(page, "打印完成")
    assert len(agent.calls_to("/receipt/print")) == 1  # not a second copy per switch
    page.click("#to-evaluation")
    screen(page, "evaluation")
    check(page, "15-evaluation", elder_shot=True)
    page.get_by_label("非常满意").check()
    page.click("#send-evaluation")

    assert agent.await_calls(page, "/evaluations") == [{"case_number": CASE_NUMBER, "level": 5}]
    screen(page, "end")
    check(page, "16-end")
    # 返回首页 from the list ended the browsing session; the application's end is told once
    assert agent.calls_to("/session/end") == [{"reason": "cancelled"}, {"reason": "finished"}]
    assert page.evaluate("document.querySelectorAll('img[src]').length") == 0
    page.get_by_role("button", name="返回首页").last.click()
    screen(page, "home")
    assert len(agent.calls_to("/session/end")) == 2


def test_fees_payment_printer_out_of_paper_and_sms(page: Page, agent: MockAgent) -> None:
    """An item with fees pays by (simulated) QR; the printer is out of paper: number on screen, QR, SMS."""
    agent.printer_out = True
    page.get_by_role("button", name="不动产登记资料查询").click()
    screen(page, "guide")
    shows(page, "查询费 20 元")
    check(page, "03-guide", elder_shot=True)
    page.click("#start")
    screen(page, "identity")
    check(page, "04-identity", elder_shot=True)
    page.click("#read-card")
    fill_certificate(page)
    page.click("#confirm")
    screen(page, "payment")
    shows(page, "模拟支付")
    check(page, "11-payment", elder_shot=True)
    screen(page, "submit")  # paid on the second poll
    assert agent.calls_to("/submit")[0]["payment_id"] == "pay-1"
    page.click("#print")
    screen(page, "receipt")
    expect(page.locator("#printer-status")).to_contain_text("缺纸")
    expect(page.locator("#fallback-number")).to_have_text(CASE_NUMBER)
    expect(page.locator(".trouble .qr")).to_be_visible()
    page.fill("#sms-phone", "13800138000")
    page.get_by_role("button", name="发送短信").click()
    expect(page.locator(".sms")).to_contain_text("短信已发送（模拟）")
    check(page, "14-receipt-out-of-paper", elder_shot=True)
    assert agent.calls_to("/receipt/sms") == [{"case_number": CASE_NUMBER, "phone": "13800138000"}]


def test_a_print_item_prints_the_certificate_or_says_it_is_not_ready(page: Page, agent: MockAgent) -> None:
    start_item(page, "社会保险参保证明打印")
    identify(page)
    fill_certificate(page)
    page.click("#confirm")
    screen(page, "submit")
    expect(page.locator("#print")).to_have_text("打印证明")
    page.click("#print")
    screen(page, "receipt")
    expect(page.locator("h1")).to_have_text("打印证明")
    shows(page, "证明打印完成")
    assert agent.calls_to("/document/print") == [{"case_number": CASE_NUMBER}]
    assert agent.calls_to("/receipt/print") == []
    check(page, "13-certificate-printed")
    agent.document_late = True
    page.click("#back")
    screen(page, "submit")
    page.click("#print")
    screen(page, "receipt")
    trouble = page.locator(".trouble")
    expect(trouble).to_contain_text("证明暂未生成")
    expect(trouble).to_contain_text("办结后将以短信通知您")
    expect(page.locator("#fallback-number")).to_have_text(CASE_NUMBER)
    check(page, "14-certificate-not-ready", elder_shot=True)


def test_network_down_submit_is_queued_and_said_plainly(page: Page, agent: MockAgent) -> None:
    agent.offline = True
    start_item(page, "社会保险参保证明打印")
    identify(page)
    fill_certificate(page, "子女入学")
    page.click("#confirm")
    screen(page, "submit")
    expect(page.locator("h1")).to_have_text("网络中断，申请已保存在本机")
    shows(page, "网络恢复后，本机会自动提交您的申请", "Q-0007")
    check(page, "12-queued", elder_shot=True)
    page.click("#print")
    screen(page, "receipt")
    assert agent.calls_to("/receipt/print") == [{"entry_id": "Q-0007"}]


def test_identity_failures_say_what_to_do(page: Page, agent: MockAgent) -> None:
    agent.identity_error = "face_mismatch"
    start_item(page, "灵活就业人员参保登记")
    identify(page)
    trouble = page.locator(".trouble")
    expect(trouble).to_contain_text("人脸与身份证照片不一致")
    expect(trouble).to_contain_text("改用 i深圳 App 扫码")
    check(page, "04-identity-face-mismatch")
    agent.identity_error = None
    page.click("#scan-qr")
    step(page, "identity")
    assert agent.calls_to("/identity/qr") == [{"app_id": 1011}]  # the prefill comes with it


def test_progress_query_and_guide_only_item(page: Page, agent: MockAgent) -> None:
    page.get_by_role("button", name="办事进度查询").click()
    screen(page, "progress")
    page.click("#progress-qr")  # no barcode reader reachable: the number can be typed
    page.fill("#case-input", CASE_NUMBER)
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator(".cases")).to_contain_text("审核中")
    check(page, "17-progress", elder_shot=True)
    assert agent.calls_to("/progress") == [{"qr": CASE_NUMBER}]
    page.click("#progress-idcard")
    expect(page.locator(".cases")).to_contain_text(CASE_NUMBER)
    page.click("#home")
    page.fill("#search", "签注")
    page.get_by_role("button", name="搜索", exact=True).click()
    screen(page, "list")
    page.get_by_role("button", name=re.compile("港澳通行证")).click()
    screen(page, "guide")
    shows(page, "本事项请到服务窗口办理")
    expect(page.locator("#start")).to_have_count(0)


# --- shell: language, elder mode, help, keyboard, voice ---


def test_language_switch_and_help(page: Page) -> None:
    page.click("#lang")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Hello. What would you like to do?")
    expect(page.locator("#lang")).to_have_text("中文")
    shows(page, "Print a social-insurance certificate")
    spoken = page.evaluate("import('./ui/1.0.0/js/voice.js').then((m) => m.voice.spoken)")
    assert spoken[-1] == "Welcome. Please choose a service."
    check(page, "01-home-en")
    page.click("#help")
    expect(page.locator("dialog")).to_contain_text("Search for a service by name")
    check(page, "18-help-en")
    page.get_by_role("button", name="Got it").click()
    page.click("#lang")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_a_guide_is_fetched_once_for_language_and_mode_switches(page: Page, agent: MockAgent) -> None:
    def start_guide() -> None:
        page.get_by_role("button", name=re.compile("灵活就业人员参保登记")).first.click()

    start_guide()
    screen(page, "guide")
    for tool in ("#lang", "#lang", "#elder", "#elder"):
        page.click(tool)
        expect(page.locator("h1")).to_have_text(re.compile("灵活就业人员参保登记|Flexible"))
    assert [p for m, p, _ in agent.calls if p.startswith("/items/")] == ["/items/11"]
    page.click("#home")  # the session ends: the next citizen gets the guide as the agent has it then
    screen(page, "home")
    start_guide()
    screen(page, "guide")
    assert [p for m, p, _ in agent.calls if p.startswith("/items/")] == ["/items/11", "/items/11"]


def test_elder_mode_from_url_is_larger_and_simpler(browser: Browser, site: str, agent: MockAgent) -> None:
    page = open_kiosk(browser, site, agent, "?mode=elder")
    expect(page.locator("html")).to_have_attribute("data-mode", "elder")
    expect(page.locator("#elder")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".categories")).to_have_count(0)
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 40
    heights = page.evaluate(
        "[...document.querySelectorAll('button:not([hidden])')].filter((b) => b.offsetParent)"
        ".map((b) => b.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 88
    check(page, "01-home-elder-url")
    page.click("#elder")
    expect(page.locator(".categories")).to_be_visible()
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_landscape_layouts(browser: Browser, site: str, agent: MockAgent) -> None:
    page = open_kiosk(browser, site, agent, viewport=LANDSCAPE)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "landscape-home.png"))
    start_item(page, "灵活就业人员参保登记")
    screen(page, "identity")
    page.screenshot(path=str(SHOTS / "landscape-identity.png"))
    page.click("#read-card")
    page.click("#next")
    step(page, "contact")
    page.click("#f-applicant-address")
    expect(page.locator("#keyboard")).to_be_visible()
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "landscape-form-keyboard.png"))
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_pinyin_keyboard_and_id_pad(page: Page) -> None:
    page.click("#search")
    keyboard = page.locator("#keyboard")
    expect(keyboard).to_be_visible()
    for letter in "shenqing":
        keyboard.locator(f'[data-key="{letter}"]').click()
    expect(keyboard.locator(".pinyin")).to_have_text("shenqing")
    check(page, "19-keyboard-pinyin", elder_shot=True)
    keyboard.get_by_role("button", name="申请").click()
    expect(page.locator("#search")).to_have_value("申请")
    for letter in "sheb":
        keyboard.locator(f'[data-key="{letter}"]').click()
    keyboard.locator('[data-key="pick:0"]').click()  # 社 (the first syllable), leaving "b"
    expect(keyboard.locator(".pinyin")).to_have_text("b")
    keyboard.get_by_role("button", name="删除").click()
    keyboard.get_by_role("button", name="删除").click()
    expect(page.locator("#search")).to_have_value("申请")
    keyboard.get_by_role("button", name="完成").click()
    screen(page, "list")

    page.evaluate(
        """() => import('./ui/1.0.0/js/keyboard.js').then((m) => {
            const input = Object.assign(document.createElement('input'), {id: 'id-field', maxLength: 18});
            document.querySelector('main').append(input);
            m.attachKeyboard(input, 'id');
            input.focus();
        })"""
    )
    expect(keyboard).to_have_attribute("data-layout", "id")
    for key in "44030419900101123X":
        keyboard.locator(f'[data-key="{key}"]').click()
    expect(page.locator("#id-field")).to_have_value("44030419900101123X")
    page.screenshot(path=str(SHOTS / "19-keyboard-id.png"))


# --- privacy: idle timeout, warning, wipe ---


def test_idle_warning_extends_and_timeout_wipes_everything(
    browser: Browser, site: str, agent: MockAgent
) -> None:
    page = open_kiosk(browser, site, agent, clock=True)
    start_item(page, "灵活就业人员参保登记")
    identify(page)
    step(page, "identity")
    page.evaluate(
        """() => { sessionStorage.setItem('x', '1'); localStorage.setItem('y', '2');
                   document.cookie = 'kiosk=secret; path=/'; }"""
    )
    expect(page.locator("#countdown")).to_have_text("剩余 90 秒")
    page.clock.run_for(71_000)
    dialog = page.locator("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("秒后将自动退出")
    check(page, "20-idle-warning", elder_shot=True)
    dialog.get_by_role("button", name="继续办理").click()
    expect(dialog).to_be_hidden()
    assert len(agent.await_calls(page, "/session/touch")) >= 1
    expect(page.locator("#countdown")).to_have_text("剩余 90 秒")

    page.clock.run_for(91_000)
    screen(page, "home")
    expect(page.locator(".notice")).to_contain_text("因长时间未操作")
    assert agent.calls_to("/session/end") == [{"reason": "idle_timeout"}]
    leftovers = page.evaluate(
        "({session: sessionStorage.length, local: localStorage.length, cookies: document.cookie,"
        " masked: document.body.innerText.includes('1237')})"
    )
    assert leftovers == {"session": 0, "local": 0, "cookies": "", "masked": False}
    page.click(".tiles .tile >> nth=1")
    page.click("#start")
    screen(page, "identity")  # the citizen must identify again
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_session_cap_ends_even_an_active_session(browser: Browser, site: str, agent: MockAgent) -> None:
    page = open_kiosk(browser, site, agent, clock=True)
    start_item(page, "灵活就业人员参保登记")
    identify(page)
    step(page, "identity")
    for _ in range(16):  # keep touching: idle never runs out, the cap does (900 s)
        page.clock.run_for(60_000)
        page.locator("h1").click()
    screen(page, "home")
    assert agent.calls_to("/session/end") == [{"reason": "idle_timeout"}]  # the agent's word for both
    expect(page.locator(".notice")).to_contain_text("单次办理时长上限")
    page.context.close()


# --- speed ---


def test_taps_show_the_next_screen_quickly(page: Page) -> None:
    for _ in range(10):
        page.get_by_role("button", name="社会保障").click()
        screen(page, "list")
        page.get_by_role("button", name=re.compile("灵活就业人员参保登记")).click()
        screen(page, "guide")
        page.click("#back")
        screen(page, "list")
        page.click("#home")
        screen(page, "home")
    timings = sorted(page.evaluate("import('./ui/1.0.0/js/router.js').then((m) => m.timings)"))
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"navigation p95 {p95:.1f} ms over {len(timings)}")
    assert p95 <= 150
