"""The kiosk UI end to end: Chromium on the agent's own UI server (simulated devices) in front of a live
platform (`kiosk` fixture in conftest.py), through the flows a citizen goes through and the ways they fail."""

import io
import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.support.elicence import ZHANG_SAN
from tests.department_sim import departments
from tests.kiosk_ui.conftest import KioskUnderTest
from tests.kiosk_ui.screens import PORTRAIT, draw_signature, fill_certificate, screen, step

pytestmark = pytest.mark.browser
CASE = re.compile(r"\S{6,}")


def open_ui(browser: Browser, kiosk: KioskUnderTest, *, clock: bool = False) -> Page:
    page = browser.new_context(viewport=PORTRAIT, locale="zh-CN").new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))  # type: ignore[attr-defined]
    if clock:
        page.clock.install()
    page.goto(kiosk.url)
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    return page


@pytest.fixture
def page(browser: Browser, kiosk: KioskUnderTest) -> Iterator[Page]:
    kiosk.present_card(ZHANG_SAN)
    page = open_ui(browser, kiosk)
    yield page
    errors = page.errors  # type: ignore[attr-defined]
    page.context.close()
    assert errors == []


def find_item(page: Page, name: str) -> None:
    """Search for a service and open its guide, then start."""
    page.fill("#search", name[:4])
    page.get_by_role("button", name="搜索", exact=True).click()
    screen(page, "list")
    page.get_by_role("button", name=re.compile(name)).first.click()
    screen(page, "guide")
    page.click("#start")
    screen(page, "identity")


def certificate_request(page: Page, before_submit: Callable[[], None] = lambda: None) -> None:
    """Identify with the card, fill in 社会保险参保证明打印's one step, confirm and submit."""
    page.click("#read-card")
    fill_certificate(page)
    before_submit()
    page.click("#confirm")
    screen(page, "submit")


def test_printing_an_insurance_certificate(page: Page, kiosk: KioskUnderTest) -> None:
    """The department system (simulated, over real HTTP) issues the certificate at once; the kiosk waits for
    it and prints it on A4: the 参保证明, not the 受理回执."""
    find_item(page, "社会保险参保证明打印")
    with departments(kiosk.platform):
        certificate_request(page)
        case_number = page.locator("#case-number").inner_text()
        assert CASE.fullmatch(case_number)
        page.click("#print")
        screen(page, "receipt")
        expect(page.locator("main")).to_contain_text("证明打印完成", timeout=25000)
    job = kiosk.printed()[-1]
    assert job.kind == "pdf" and job.pdf is not None
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(job.pdf)).pages)
    assert "深圳市社会保险参保证明" in text and case_number in text and "受理回执" not in text
    page.click("#to-evaluation")
    page.get_by_label("满意", exact=True).check()
    page.click("#send-evaluation")
    screen(page, "end")
    state = kiosk.session_state()
    assert not state["identity"] and state["cases"] == 0  # wiped at the end


def test_form_application_with_a_scanned_material(page: Page, kiosk: KioskUnderTest) -> None:
    find_item(page, "灵活就业人员参保登记")
    page.click("#read-card")
    step(page, "identity")
    expect(page.locator("#f-applicant-id_number")).to_have_text(re.compile(r"^\d{4}\*{10}[\dX]{4}$"))
    page.click("#next")
    step(page, "contact")
    page.fill("#f-applicant-mobile", "13800138000")
    page.get_by_label("福田区").check()
    if not page.input_value("#f-applicant-address"):
        page.fill("#f-applicant-address", "深圳市福田区福华三路88号")
    page.click("#next")
    step(page, "insurance")
    page.fill("#f-insurance-start_date", (utcnow() + timedelta(days=30)).date().isoformat())
    page.get_by_label("基本医疗保险一档").check()
    page.click("#next")
    step(page, "materials")
    page.get_by_role("button", name="放到高拍仪下拍摄").click()
    expect(page.locator(".page img")).to_have_count(1, timeout=15000)
    page.click("#next")
    screen(page, "confirm")
    page.click("#confirm")
    screen(page, "signature")
    draw_signature(page)
    page.click("#sign")
    screen(page, "submit")
    expect(page.locator("#case-number")).to_have_text(CASE, timeout=15000)


def test_card_removed_and_face_mismatch_are_said_plainly(page: Page, kiosk: KioskUnderTest) -> None:
    find_item(page, "社会保险参保证明打印")
    kiosk.inject("IdCardReader", "card_removed")
    page.click("#read-card")
    expect(page.locator(".trouble")).to_contain_text("读卡时请不要拿走身份证", timeout=15000)
    kiosk.recover("IdCardReader")
    kiosk.inject("Biometric", "face_mismatch")
    page.click("#read-card")
    expect(page.locator(".trouble")).to_contain_text("人脸与身份证不一致", timeout=15000)
    kiosk.recover("Biometric")
    page.click("#read-card")
    step(page, "request")


def test_printer_out_of_paper_keeps_the_case_number_on_screen(page: Page, kiosk: KioskUnderTest) -> None:
    find_item(page, "社会保险参保证明打印")
    certificate_request(page)
    kiosk.inject("Printer", "paper_out")  # runs out after the citizen started (before, the item is withheld)
    number = page.locator("#case-number").inner_text()
    page.click("#print")
    screen(page, "receipt")
    expect(page.locator("#printer-status")).to_contain_text("缺纸")
    expect(page.locator("#fallback-number")).to_have_text(number)
    expect(page.locator(".trouble")).to_contain_text("打印机暂时无法打印")


def test_network_down_during_submit_is_queued_then_delivered(page: Page, kiosk: KioskUnderTest) -> None:
    find_item(page, "社会保险参保证明打印")
    certificate_request(page, before_submit=kiosk.platform_down)
    expect(page.locator("h1")).to_have_text("网络中断，申请已保存在本机", timeout=15000)
    assert kiosk.session_state()["outbox_pending"] == 1
    kiosk.platform_up()
    deadline = time.monotonic() + 30
    while kiosk.session_state()["outbox_pending"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert kiosk.session_state()["outbox_pending"] == 0


def test_idle_timeout_wipes_the_kiosk_and_the_page(browser: Browser, kiosk: KioskUnderTest) -> None:
    kiosk.present_card(ZHANG_SAN)
    page = open_ui(browser, kiosk, clock=True)
    find_item(page, "灵活就业人员参保登记")
    page.click("#read-card")
    step(page, "identity")
    assert kiosk.session_state()["identity"]
    page.clock.run_for(91_000)
    screen(page, "home")
    expect(page.locator(".notice")).to_contain_text("已自动退出并清除您的信息")
    state = kiosk.session_state()
    assert not state["open"] and not state["identity"] and state["materials"] == 0
    assert "idle_timeout" in state["ended"]
    assert "****" not in page.inner_text("body")
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_every_screen_speaks_through_the_kiosks_speaker_and_the_volume_reaches_it(
    page: Page, kiosk: KioskUnderTest
) -> None:
    speaker = kiosk.speaker()
    find_item(page, "社会保险参保证明打印")  # home → list → guide → identity
    wait_until(lambda: "请将身份证放在读卡区，然后看向摄像头。" in speaker.spoken, page)
    assert "请阅读办事指南，准备好后点击开始办理。" in speaker.spoken
    assert speaker.volume == 3
    page.click("#volume-up")
    wait_until(lambda: speaker.volume == 4, page)
    page.click("#mute")
    said = len(speaker.spoken)
    page.click("#back")
    screen(page, "guide")
    page.wait_for_timeout(300)
    assert len(speaker.spoken) == said  # muted: the guide is not read out again


def wait_until(condition: Callable[[], bool], page: Page, timeout_s: float = 5.0) -> None:
    """Wait (letting the page run) until `condition` holds about the agent's devices."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(50)
