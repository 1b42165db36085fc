"""verify_order_form: the order number and the email or phone of the order, checked against the
demo orders in a real SQLite store; three mismatches lock lookups for 15 minutes."""

from __future__ import annotations

import time
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.verification import ValidateVerifyOrderForm
from tests.actions.trackers import DOMAIN, form_tracker, responses, tracker

FORM_SLOTS = ["order_id", "order_contact"]


pytestmark = pytest.mark.usefixtures("orders")  # the demo orders in SQLite (conftest.py)


async def validate(requested_slot: str, value: str, **slots: Any) -> tuple[list[dict], list[tuple[str | None, dict]]]:
    """The events and responses of validate_verify_order_form for the shopper's answer `value`."""
    dispatcher = CollectingDispatcher()
    conversation = form_tracker("verify_order_form", requested_slot, {requested_slot: value}, slots)
    events = await ValidateVerifyOrderForm().run(dispatcher, conversation, DOMAIN)
    return events, responses(dispatcher)


# --- order number


@pytest.mark.parametrize("typed", ["12345", "1234567", "1' OR '1'='1", "abc"])
async def test_invalid_order_number_is_asked_again_without_using_an_attempt(typed: str) -> None:
    events, said = await validate("order_id", typed, verification_failures=1)
    assert events == [SlotSet("order_id", None)]
    assert said == [("utter_order_id_invalid", {})]


async def test_order_number_is_normalised() -> None:
    events, said = await validate("order_id", "#100 001")
    assert events == [SlotSet("order_id", "100001")]
    assert said == []


# --- contact


@pytest.mark.parametrize("typed", ["non me lo ricordo", "x' OR '1'='1' --", "mario.rossi@", "12 34"])
async def test_answer_that_is_neither_email_nor_phone_is_asked_again_without_using_an_attempt(typed: str) -> None:
    events, said = await validate("order_contact", typed, order_id="100001", verification_failures=1)
    assert events == [SlotSet("order_contact", None)]
    assert said == [("utter_contact_invalid", {})]


@pytest.mark.parametrize(
    ("typed", "contact"),
    [
        ("mario.rossi@example.com", "mario.rossi@example.com"),
        ("la mia mail è Mario.Rossi@Example.com grazie", "Mario.Rossi@Example.com"),
        ("+39 347 123 4567", "+39 347 123 4567"),
        ("il mio numero è 347 123 4567", "347 123 4567"),
    ],
)
async def test_matching_contact_verifies_the_order_and_ends_the_form(typed: str, contact: str) -> None:
    events, said = await validate("order_contact", typed, order_id="100001", verification_failures=2)
    assert events == [
        SlotSet("order_contact", contact),
        SlotSet("verified_order_id", "100001"),
        SlotSet("verification_failures", 0),
        SlotSet("requested_slot", None),
    ]
    assert said == []


async def test_uk_customer_verifies_with_the_phone_in_national_format() -> None:
    events, said = await validate("order_contact", "07700 900123", order_id="100002")
    assert SlotSet("verified_order_id", "100002") in events
    assert said == []


@pytest.mark.parametrize(
    ("order_id", "contact"),
    [
        ("999999", "mario.rossi@example.com"),  # no such order
        ("100001", "emma.clark@example.co.uk"),  # another order's email
        ("100001", "+39 333 000 0000"),  # wrong phone
    ],
    ids=["unknown_order", "wrong_email", "wrong_phone"],
)
async def test_mismatch_uses_an_attempt_and_resets_both_slots_with_the_same_answer(order_id: str, contact: str) -> None:
    events, said = await validate("order_contact", contact, order_id=order_id, verification_failures=0)
    assert events == [
        SlotSet("order_contact", None),
        SlotSet("order_id", None),
        SlotSet("verification_failures", 1),
    ]
    assert said == [("utter_verification_mismatch", {"attempts_left": 2})]


async def test_second_mismatch_leaves_one_attempt() -> None:
    events, said = await validate("order_contact", "nobody@example.com", order_id="100001", verification_failures=1)
    assert SlotSet("verification_failures", 2) in events
    assert said == [("utter_verification_mismatch", {"attempts_left": 1})]


async def test_third_mismatch_locks_lookups_for_15_minutes_and_ends_the_form() -> None:
    before = time.time()
    events, said = await validate("order_contact", "nobody@example.com", order_id="100001", verification_failures=2.0)
    after = time.time()
    lock = next(event for event in events if event["name"] == "order_lock_until")
    assert before + 15 * 60 <= lock["value"] <= after + 15 * 60
    assert events == [
        SlotSet("order_contact", None),
        SlotSet("order_id", None),
        SlotSet("verification_failures", 0),
        SlotSet("order_lock_until", lock["value"]),
        SlotSet("requested_slot", None),
    ]
    assert said == []  # action_run_order_request tells the shopper about the lock


async def test_correct_contact_during_a_lock_is_not_checked() -> None:
    locked = {"order_id": "100001", "order_lock_until": time.time() + 600}
    events, said = await validate("order_contact", "mario.rossi@example.com", **locked)
    assert events == [SlotSet("requested_slot", None)]
    assert said == []


# --- which slots the form still needs


async def required_slots(**slots: Any) -> list[str]:
    conversation = tracker(slots=slots, active_loop="verify_order_form")
    return await ValidateVerifyOrderForm().required_slots(FORM_SLOTS, CollectingDispatcher(), conversation, DOMAIN)


async def test_form_asks_order_number_and_contact_by_default() -> None:
    assert await required_slots() == FORM_SLOTS
    assert await required_slots(order_lock_until=time.time() - 1) == FORM_SLOTS  # an expired lock


async def test_form_needs_nothing_while_locked() -> None:
    assert await required_slots(order_lock_until=time.time() + 60) == []


async def test_form_needs_nothing_once_verified() -> None:
    assert await required_slots(verified_order_id="100001") == []
