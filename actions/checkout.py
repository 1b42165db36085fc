"""Guest checkout and discount codes, answered from shop.yml and the shopper's cart."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.cart import latest_cart
from actions.common import conversation_language, latest_entity
from actions.formatting import day, money
from actions.shop import DiscountCode, load_shop

# Tokens that look like a promo code: letters then digits ("WELCOME10", "aurora20"), or a
# capitalised word ("SUMMERSALE") in a message that is not shouted ("IL CODICE NON VA").
CODE_WITH_DIGITS = re.compile(r"\b(?=[A-Za-z0-9]{5,}\b)[A-Za-z]+\d+\b")
CODE_IN_CAPITALS = re.compile(r"\b[A-Z]{6,}\b")


def code_in_message(tracker: Tracker) -> str | None:
    """The code the shopper typed: the NLU entity, or a known or code-like token in the text."""
    entity = latest_entity(tracker, "promo_code")
    if entity:
        return entity.strip().upper()
    text = tracker.latest_message.get("text") or ""
    known = {code.code for code in load_shop().discounts.codes}
    for token in re.findall(r"[A-Za-z0-9]+", text):
        if token.upper() in known:
            return token.upper()
    match = CODE_WITH_DIGITS.search(text) or (CODE_IN_CAPITALS.search(text) if re.search("[a-z]", text) else None)
    return match.group(0).upper() if match else None


def code_verdict(code: DiscountCode | None, subtotal: Any, today: date) -> str:
    """One of: unknown, expired, below_minimum, valid."""
    if code is None:
        return "unknown"
    if today > code.valid_until:
        return "expired"
    if subtotal is not None and subtotal < code.min_subtotal:
        return "below_minimum"
    return "valid"


class ActionGuestCheckout(Action):
    def name(self) -> str:
        return "action_guest_checkout"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        checkout, language = load_shop().checkout, conversation_language(tracker)
        dispatcher.utter_message(
            response="utter_guest_checkout_yes" if checkout.guest_checkout else "utter_guest_checkout_no",
            benefits=checkout.account_benefits.get(language),
            reset_url=checkout.password_reset_url,
        )
        return []


class ActionDiscountCode(Action):
    def name(self) -> str:
        return "action_discount_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        discounts, language = load_shop().discounts, conversation_language(tracker)
        typed = code_in_message(tracker)
        if typed is None:
            dispatcher.utter_message(
                response="utter_discount_code_how" if discounts.combinable else "utter_discount_code_how_one_per_order"
            )
            return []
        code = discounts.find(typed)
        cart = latest_cart(tracker)
        verdict = code_verdict(code, cart.subtotal if cart else None, date.today())
        values: dict[str, Any] = {"code": typed}
        if code is not None:
            values |= {
                "benefit": f"-{code.percent}%" if code.percent else ("🚚 0" if code.free_shipping else ""),
                "valid_until": day(code.valid_until, language),
                "min_subtotal": money(code.min_subtotal, language),
                "missing": money(code.min_subtotal - cart.subtotal, language) if cart else "",
            }
        dispatcher.utter_message(response=f"utter_discount_code_{verdict}", **values)
        if code is not None and verdict == "valid" and code.first_order_only:
            dispatcher.utter_message(response="utter_discount_code_first_order_only")
        return []
