"""The browser phone page in headless Chromium (Debian's, driven by Playwright): the page's
microphone is Chromium's fake capture device playing a festival-synthesized caller, so the real
page captures, resamples and streams real speech to the gateway. Screenshots go to
tests/screenshots/."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import chromium, shot
from playwright.sync_api import Browser, Page, expect
from speech import caller_speech, silence
from voice_stack import Gateway

FAKE_MICROPHONE_FLAGS = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]
ANSWER_TIMEOUT_MS = 45_000


def caller_wav(folder: Path) -> Path:
    """The fake microphone: a second of quiet, the question, then a long silence (played once)."""
    path = folder / "caller.wav"
    with wave.open(str(path), "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(8000)
        clip.writeframes(silence(1000) + caller_speech("where is my order") + silence(60_000))
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    microphone = caller_wav(tmp_path_factory.mktemp("microphone"))
    with chromium(*FAKE_MICROPHONE_FLAGS, f"--use-file-for-fake-audio-capture={microphone}%noloop") as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, gateway: Gateway) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 900, "height": 820}, locale="en-GB")
    context.grant_permissions(["microphone"])
    page = context.new_page()
    page.goto(f"{gateway.url}/phone/")
    yield page
    context.close()


def test_a_call_from_the_browser_page(page: Page, gateway: Gateway) -> None:
    status = page.get_by_role("status")
    expect(page.get_by_role("heading")).to_have_text("Call the shop")
    expect(page.get_by_role("button", name="EN")).to_have_attribute("aria-pressed", "true")
    expect(status).to_have_text("Ready to call.")
    expect(page.get_by_role("button", name="1")).to_be_disabled()  # no keypad before the call
    shot(page, "voice-phone-ready")

    page.get_by_role("button", name="Call", exact=True).click()
    expect(status).to_have_text("On the line: go ahead and speak.", timeout=10_000)
    captions = page.get_by_role("log")
    expect(captions.locator(".caption--bot").first).to_contain_text("Bottega Aurora")  # the greeting
    expect(captions.locator(".caption--caller").first).to_have_text("where is my order", timeout=ANSWER_TIMEOUT_MS)
    asked = captions.locator(".caption--caller:text-is('where is my order') ~ .caption--bot")
    expect(asked.last).to_contain_text("order number", timeout=ANSWER_TIMEOUT_MS)

    for key in "100002#":
        page.get_by_role("button", name=key, exact=True).click()
    expect(captions.locator(".caption--caller").last).to_have_text("100002", timeout=ANSWER_TIMEOUT_MS)
    after_number = captions.locator(".caption--caller:text-is('100002') ~ .caption--bot")
    expect(after_number.last).to_contain_text("email", timeout=ANSWER_TIMEOUT_MS)
    shot(page, "voice-phone-in-call")

    page.get_by_role("button", name="Hang up").click()
    expect(status).to_have_text("Call ended.")
    expect(page.get_by_role("button", name="Call", exact=True)).to_be_enabled()


def test_the_page_speaks_italian_too(page: Page) -> None:
    page.get_by_role("button", name="IT").click()
    expect(page.get_by_role("heading")).to_have_text("Chiama il negozio")
    expect(page.get_by_role("status")).to_have_text("Pronto a chiamare.")
    expect(page.get_by_role("button", name="Chiama", exact=True)).to_be_enabled()
    shot(page, "voice-phone-italian")
