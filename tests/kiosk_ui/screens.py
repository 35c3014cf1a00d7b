"""What the kiosk UI's browser tests do on its screens, as a citizen would: wait for a screen or a form step,
identify, fill in the certificate request, sign. Shared by the mocked-API and the end-to-end tests."""

import re

from playwright.sync_api import Page, expect

PORTRAIT = {"width": 1080, "height": 1920}


def screen(page: Page, name: str) -> None:
    expect(page.locator("body")).to_have_attribute("data-screen", name)


def shows(page: Page, *texts: str) -> None:
    """The screen's main area contains each text."""
    for text in texts:
        expect(page.locator("main")).to_contain_text(text)


def step(page: Page, step_id: str) -> None:
    expect(page.locator(f'section[data-step="{step_id}"]')).to_be_visible()


def start_item(page: Page, name: str) -> None:
    page.get_by_role("button", name=re.compile(name)).first.click()
    screen(page, "guide")
    page.click("#start")


def identify(page: Page) -> None:
    screen(page, "identity")
    page.click("#read-card")


def fill_certificate(page: Page, purpose: str = "办理居住证") -> None:
    """Fill in the one step of 社会保险参保证明打印 (its form also serves the item with fees) and go on."""
    step(page, "request")
    page.get_by_label(purpose).check()
    page.fill("#f-period-from", "2023-01-01")
    page.fill("#f-period-to", "2023-12-31")
    page.click("#next")
    screen(page, "confirm")


def draw_signature(page: Page) -> None:
    box = page.locator("canvas.signature-pad").bounding_box()
    assert box
    page.mouse.move(box["x"] + 60, box["y"] + 80)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 60 + i * 50, box["y"] + 80 + (i % 3) * 60)
    page.mouse.up()
