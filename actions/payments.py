"""Payment methods and payment problems, answered from shop.yml."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.cart import latest_cart
from actions.common import conversation_language, latest_entity
from actions.formatting import country_names, days_range, money
from actions.shop import PaymentMethod, load_shop


def method_conditions(method: PaymentMethod, language: str) -> list[tuple[str, dict[str, Any]]]:
    """The (response, values) pairs that qualify a method: fee, countries, minimum amount."""
    conditions: list[tuple[str, dict[str, Any]]] = []
    if method.fee:
        conditions.append(("utter_payment_method_fee", {"fee": money(method.fee, language)}))
    if method.countries:
        conditions.append(("utter_payment_method_countries", {"countries": country_names(method.countries, language)}))
    if method.min_amount:
        conditions.append(("utter_payment_method_min_amount", {"min_amount": money(method.min_amount, language)}))
    return conditions


class ActionPaymentMethods(Action):
    def name(self) -> str:
        return "action_payment_methods"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        payments, language = load_shop().payments, conversation_language(tracker)
        asked = latest_entity(tracker, "payment_method")
        methods_list = "\n".join(f"- {method.name.get(language)}" for method in payments.methods)
        if asked is None:
            dispatcher.utter_message(response="utter_payment_methods", methods=methods_list)
            return []
        method = payments.method(asked)
        if method is None:
            dispatcher.utter_message(response="utter_payment_method_not_accepted", methods=methods_list)
            return []
        dispatcher.utter_message(response="utter_payment_method_accepted", method=method.name.get(language))
        for response, values in method_conditions(method, language):
            dispatcher.utter_message(response=response, **values)
        cart = latest_cart(tracker)
        if cart is not None and method.min_amount and cart.subtotal < method.min_amount:
            dispatcher.utter_message(
                response="utter_cart_below_method_minimum",
                subtotal=money(cart.subtotal, language),
                min_amount=money(method.min_amount, language),
            )
        return []


class ActionPaymentProblem(Action):
    def name(self) -> str:
        return "action_payment_problem"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        payments, language = load_shop().payments, conversation_language(tracker)
        alternatives = ", ".join(method.name.get(language).split(" (")[0] for method in payments.methods[:3])
        dispatcher.utter_message(
            response="utter_payment_problem",
            release_days=days_range(payments.duplicate_charge_release_days),
            alternatives=alternatives,
        )
        return []
