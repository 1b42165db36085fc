"""Proving who owns an order before anything about it is shown or changed.

The shopper gives the order number and the email (or phone) of the order. A mismatch and an
unknown order get the same answer, so the bot never reveals whether an order exists. After
MAX_FAILED_ATTEMPTS mismatches, lookups are locked for LOCK_SECONDS in this conversation.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.orders import OrderStore, open_store
from actions.orders.model import find_contact, normalize_order_id

MAX_FAILED_ATTEMPTS = 3
LOCK_SECONDS = 15 * 60


@lru_cache(maxsize=1)
def order_store() -> OrderStore:
    """The store of DATABASE_URL (default: SQLite under var/), opened on first use."""
    return open_store()


def lock_remaining_seconds(tracker: Tracker, now: float | None = None) -> float:
    locked_until = tracker.get_slot("order_lock_until") or 0
    return max(0.0, float(locked_until) - (now if now is not None else time.time()))


def is_locked(tracker: Tracker) -> bool:
    return lock_remaining_seconds(tracker) > 0


class ValidateVerifyOrderForm(FormValidationAction):
    def name(self) -> str:
        return "validate_verify_order_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # A lock or a successful check ends the form; the submit rule then reports the outcome.
        if is_locked(tracker) or tracker.get_slot("verified_order_id"):
            return []
        return domain_slots

    def validate_order_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        order_id = normalize_order_id(str(value))
        if order_id is None:
            dispatcher.utter_message(response="utter_order_id_invalid")
        return {"order_id": order_id}

    def validate_order_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        contact = find_contact(str(value))
        if contact is None:  # not an email or phone at all: ask again, no attempt used
            dispatcher.utter_message(response="utter_contact_invalid")
            return {"order_contact": None}
        order_id = tracker.get_slot("order_id")
        order = order_store().find_owned_order(order_id, contact) if order_id else None
        if order is not None:
            return {"order_contact": contact, "verified_order_id": order.order_id, "verification_failures": 0}
        failures = int(tracker.get_slot("verification_failures") or 0) + 1
        reset = {"order_id": None, "order_contact": None, "verification_failures": failures}
        if failures >= MAX_FAILED_ATTEMPTS:
            return reset | {"order_lock_until": time.time() + LOCK_SECONDS, "verification_failures": 0}
        dispatcher.utter_message(response="utter_verification_mismatch", attempts_left=MAX_FAILED_ATTEMPTS - failures)
        return reset
