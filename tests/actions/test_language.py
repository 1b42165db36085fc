"""Conversation language: the channel's request wins, confident detection switches, short or
not-understood messages keep the language so far."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ValidateSlotMappings, detect_language, next_language
from tests.actions.trackers import DOMAIN, tracker

ITALIAN = "Quanto costa la spedizione in Germania?"
ENGLISH = "How much is shipping to Germany?"


async def language_after(**latest: object) -> list[dict]:
    """The events action_validate_slot_mappings returns for the latest message."""
    return await ValidateSlotMappings().run(CollectingDispatcher(), tracker(**latest), DOMAIN)


@pytest.mark.parametrize(("text", "requested"), [(ITALIAN, "en"), (ENGLISH, "it")])
def test_language_requested_by_the_channel_wins_over_the_text(text: str, requested: str) -> None:
    assert next_language("it", text, requested) == requested
    assert next_language("en", text, requested) == requested


def test_unsupported_requested_language_is_ignored() -> None:
    assert next_language("en", ITALIAN, "de") == "it"


@pytest.mark.parametrize(("current", "text"), [("en", ITALIAN), ("it", ENGLISH), ("en", "grazie")])
def test_confident_detection_switches_language(current: str, text: str) -> None:
    other = "it" if current == "en" else "en"
    assert next_language(current, text, None) == other


@pytest.mark.parametrize(
    ("current", "text"),
    [("it", "ok"), ("it", "yes"), ("en", "si"), ("en", "costi"), ("en", "paypal?")],
)
def test_short_ambiguous_message_keeps_language(current: str, text: str) -> None:
    detected = detect_language(text)
    assert detected is not None and detected[0] != current  # it leans to the other language...
    assert next_language(current, text, None) == current  # ...but not enough for a word or two


def test_message_nlu_did_not_understand_does_not_switch() -> None:
    assert next_language("en", ITALIAN, None, understood=False) == "en"
    assert next_language("en", ITALIAN, None, understood=True) == "it"


@pytest.mark.parametrize("text", ["100001", "mario.rossi@example.com", "+39 347 123 4567", "/affirm", ""])
def test_message_without_words_keeps_language(text: str) -> None:
    assert next_language("en", text, None) == "en"


def test_unknown_current_language_falls_back_to_the_shops_first() -> None:
    assert next_language(None, "100001", None) == "it"
    assert next_language("de", "100001", None) == "it"


def test_email_or_order_number_does_not_make_a_short_answer_switch_language() -> None:
    assert next_language("it", "ok", None) == "it"
    assert next_language("it", "ok mario.rossi@example.com", None) == "it"


async def test_action_sets_language_from_message_metadata() -> None:
    events = await language_after(text=ITALIAN, intent="shipping_cost", metadata={"language": "en"})
    assert events == [SlotSet("language", "en")]


async def test_action_switches_on_a_confident_understood_message() -> None:
    events = await language_after(slots={"language": "en"}, text=ITALIAN, intent="shipping_cost")
    assert events == [SlotSet("language", "it")]


async def test_action_keeps_language_on_nlu_fallback() -> None:
    events = await language_after(slots={"language": "en"}, text=ITALIAN, intent="nlu_fallback")
    assert events == [SlotSet("language", "en")]


async def test_action_keeps_language_on_a_short_answer() -> None:
    events = await language_after(slots={"language": "it"}, text="ok", intent="affirm")
    assert events == [SlotSet("language", "it")]


def test_page_language_hint_decides_only_until_the_shopper_writes_clearly() -> None:
    assert next_language(None, "ok", None, hint="en") == "en"
    assert next_language(None, "how much is shipping to germany?", None, hint="it") == "en"
    assert next_language("en", "ok", None, hint="it") == "en"  # the conversation's language beats the hint
