"""Handing over to a person: the payload the hub acts on, and what the shopper is told in and
out of the support hours of shop.yml."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff
from actions.handoff import ActionHandoff
from actions.hours import support_open
from actions.shop import load_shop
from tests.actions.trackers import DOMAIN, fallback_event, responses, tracker, user_event

HOURS_EN = "Mon 09:00-18:00, Tue 09:00-18:00, Wed 09:00-18:00, Thu 09:00-18:00, Fri 09:00-18:00, Sat 10:00-13:00"
SUPPORT_EMAIL = "assistenza@bottega-aurora.example"


SupportIs = Callable[[bool], None]


@pytest.fixture(autouse=True)
def support_is(monkeypatch: pytest.MonkeyPatch) -> SupportIs:
    """The team is at work during each test, unless it calls support_is(False)."""

    def set_open(is_open: bool) -> None:
        monkeypatch.setattr(actions.handoff, "support_open", lambda shop, now: is_open)

    set_open(True)
    return set_open


async def handoff(**conversation: Any) -> tuple[list[tuple[str | None, dict]], dict[str, Any]]:
    """The responses of action_handoff and the payload of its message."""
    dispatcher = CollectingDispatcher()
    assert await ActionHandoff().run(dispatcher, tracker(**conversation), DOMAIN) == []
    return responses(dispatcher), dispatcher.messages[0]["custom"]["handoff"]


@pytest.mark.parametrize(
    ("intent", "reason"),
    [
        ("human_handoff", "requested"),
        ("complaint", "complaint"),
        ("nlu_fallback", "repeated_fallback"),
        ("order_status", "dialogue_rule"),
    ],
)
async def test_reason_comes_from_the_latest_intent(intent: str, reason: str) -> None:
    _, payload = await handoff(history=[user_event("ciao", intent="greet")], intent=intent)
    assert payload["reason"] == reason


async def test_two_misses_before_the_request_make_it_a_repeated_fallback() -> None:
    _, payload = await handoff(
        history=[fallback_event(), fallback_event()], text="/human_handoff", intent="human_handoff"
    )
    assert payload["reason"] == "repeated_fallback"


async def test_one_miss_before_the_request_is_a_plain_request() -> None:
    history = [user_event("ciao", intent="greet"), fallback_event()]
    _, payload = await handoff(history=history, text="operatore", intent="human_handoff")
    assert payload["reason"] == "requested"


async def test_payload_summarises_topics_verified_order_and_language() -> None:
    history = [
        user_event("hi", intent="greet", confidence=0.99),
        user_event("shipping to Germany?", intent="shipping_cost", confidence=0.91234),
        user_event("where is my order?", intent="order_status", confidence=0.8),
        user_event("and to Austria?", intent="shipping_cost", confidence=0.87),
    ]
    _, payload = await handoff(
        history=history,
        slots={"language": "en", "verified_order_id": "100002"},
        text="can I talk to someone?",
        intent="human_handoff",
        confidence=0.7,
    )
    assert payload == {
        "reason": "requested",
        "language": "en",
        "summary": "requested; asked about shipping_cost, order_status; verified order 100002; language en",
        "verified_order_id": "100002",
        "recent_intents": [
            {"name": "greet", "confidence": 0.99},
            {"name": "shipping_cost", "confidence": 0.912},
            {"name": "order_status", "confidence": 0.8},
            {"name": "shipping_cost", "confidence": 0.87},
            {"name": "human_handoff", "confidence": 0.7},
        ],
        "support_open": True,
    }


async def test_summary_without_topics_or_order() -> None:
    _, payload = await handoff(history=[user_event("ciao", intent="greet")], text="operatore", intent="human_handoff")
    assert payload["summary"] == "requested; language it"
    assert payload["verified_order_id"] is None


async def test_shopper_is_connected_while_support_is_open() -> None:
    said, payload = await handoff(slots={"language": "en"}, intent="human_handoff")
    assert said == [("utter_handoff_open", {"hours": HOURS_EN, "email": SUPPORT_EMAIL})]
    assert payload["support_open"] is True


async def test_shopper_is_told_the_hours_when_support_is_closed(support_is: SupportIs) -> None:
    support_is(False)
    said, payload = await handoff(slots={"language": "en"}, intent="human_handoff")
    assert said == [("utter_handoff_closed", {"hours": HOURS_EN, "email": SUPPORT_EMAIL})]
    assert payload["support_open"] is False


@pytest.mark.parametrize(
    ("utc", "is_open"),
    [
        ("2026-11-23 08:00", True),  # Monday 09:00 in Rome (UTC+1): opening time
        ("2026-11-23 07:59", False),  # Monday 08:59
        ("2026-11-23 16:59", True),  # Monday 17:59
        ("2026-11-23 17:00", False),  # Monday 18:00: closing time
        ("2026-11-28 11:59", True),  # Saturday 12:59
        ("2026-11-28 12:00", False),  # Saturday 13:00
        ("2026-11-29 10:00", False),  # Sunday: no hours
        ("2026-12-25 10:00", False),  # Friday, a holiday
        ("2026-07-06 07:30", True),  # Monday 09:30 in Rome (UTC+2, summer time)
        ("2026-01-05 07:30", False),  # Monday 08:30 in Rome (UTC+1)
    ],
)
def test_support_hours_are_read_in_the_shops_timezone(utc: str, is_open: bool) -> None:
    now = datetime.fromisoformat(utc).replace(tzinfo=timezone.utc)
    assert support_open(load_shop(), now) is is_open
