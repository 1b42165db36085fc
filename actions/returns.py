"""The return policy, answered from shop.yml. Starting a return for a real order is in
actions/order_requests.py, after the shopper is verified."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import conversation_language
from actions.formatting import country_names, days_range, money
from actions.shop import load_shop


class ActionReturnPolicy(Action):
    def name(self) -> str:
        return "action_return_policy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        returns, language = load_shop().returns, conversation_language(tracker)
        dispatcher.utter_message(
            response="utter_return_policy",
            window_days=returns.window_days,
            exclusions=returns.exclusions.get(language),
            free_countries=country_names(returns.free_returns_countries, language),
            return_cost=money(returns.return_shipping_cost, language),
            refund_days=returns.refund_days,
            refund_method=returns.refund_method.get(language),
            bank_days=days_range(returns.bank_processing_days),
        )
        dispatcher.utter_message(text=returns.exchanges.get(language))
        return []
