"""The widget on the demo checkout page, in headless Chromium (Debian's, driven by Playwright),
against the real hub, Rasa and action server. Screenshots go to tests/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from assistant_processes import running_hub
from chromium import chromium, shot
from playwright.sync_api import Browser, Page, expect
from rasa_stack import Assistant

ANSWER_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def demo_url(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_hub(assistant.rasa_url, tmp_path_factory.mktemp("browser-hub")) as url:
        yield f"{url}/demo/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, demo_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="it-IT")
    page = context.new_page()
    page.goto(demo_url)
    yield page
    context.close()


def launcher(page: Page):
    return page.locator(".ca-launcher")


def message_box(page: Page):
    return page.get_by_role("textbox", name="Scrivi un messaggio")


def ask(page: Page, text: str) -> None:
    message_box(page).fill(text)
    message_box(page).press("Enter")


def bot_messages(page: Page):
    return page.locator(".ca-msg--bot")


def test_shipping_answer_uses_the_demo_cart(page: Page) -> None:
    launcher(page).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    ask(page, "quanto costa la spedizione?")
    expect(page.get_by_role("log")).to_contain_text("27,00", timeout=ANSWER_TIMEOUT_MS)  # 89 - 62 in the cart
    shot(page, "desktop-shipping-answer")


def test_quick_reply_and_reload_keep_the_conversation(page: Page) -> None:
    launcher(page).click()
    ask(page, "ciao")
    quick_reply = page.locator(".ca-reply", has_text="Resi").first
    expect(quick_reply).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    quick_reply.click()
    expect(page.get_by_role("log")).to_contain_text("30", timeout=ANSWER_TIMEOUT_MS)  # the 30-day window
    before = bot_messages(page).count()
    page.reload()
    if not page.get_by_role("dialog").is_visible():
        launcher(page).click()
    expect(page.get_by_role("log")).to_contain_text("ciao", timeout=ANSWER_TIMEOUT_MS)
    expect(bot_messages(page)).to_have_count(before, timeout=ANSWER_TIMEOUT_MS)
    shot(page, "desktop-after-reload")


def test_proactive_offer_fires_once_per_session(page: Page) -> None:
    page.mouse.move(600, 300)
    page.mouse.move(600, 0)
    page.dispatch_event("html", "mouseout", {"clientY": -5, "relatedTarget": None})
    offer = page.locator(".ca-offer")
    expect(offer).to_be_visible(timeout=5_000)
    shot(page, "desktop-proactive-offer")
    page.get_by_role("button", name="Chiudi").first.click()
    expect(offer).to_be_hidden()
    page.dispatch_event("html", "mouseout", {"clientY": -5, "relatedTarget": None})
    page.wait_for_timeout(1000)
    expect(offer).to_be_hidden()  # at most one offer per session


def test_keyboard_only(page: Page) -> None:
    launcher(page).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(message_box(page)).to_be_focused()
    page.keyboard.type("come posso pagare?")
    page.keyboard.press("Enter")
    expect(page.get_by_role("log")).to_contain_text("PayPal", timeout=ANSWER_TIMEOUT_MS)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher(page)).to_be_focused()


def test_phone_sized_viewport(browser: Browser, demo_url: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="it-IT", has_touch=True)
    page = context.new_page()
    page.goto(demo_url)
    launcher(page).click()
    panel = page.get_by_role("dialog")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box is not None and box["width"] >= 350  # full screen on a phone
    ask(page, "how much is shipping to germany?")  # on an Italian page: the shopper's words decide
    expect(page.get_by_role("log")).to_contain_text("Shipping to European Union", timeout=ANSWER_TIMEOUT_MS)
    shot(page, "phone-conversation")
    context.close()
