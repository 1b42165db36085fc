"""When NLU is not sure: ask to rephrase with the likeliest topics as buttons; after two misses
in a row, offer a person."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import conversation_language
from actions.handoff import consecutive_fallbacks

SUGGESTIONS = 3
TOPIC_LABELS: dict[str, tuple[str, str]] = {  # intent: (Italian, English)
    "payment_methods": ("Metodi di pagamento", "Payment methods"),
    "payment_problem": ("Problema col pagamento", "Payment problem"),
    "shipping_cost": ("Costi di spedizione", "Shipping costs"),
    "delivery_time": ("Tempi di consegna", "Delivery times"),
    "extra_costs": ("Costi extra, IVA e dogana", "Extra costs, VAT and customs"),
    "guest_checkout": ("Acquisto senza account", "Checkout without an account"),
    "discount_code": ("Codici sconto", "Discount codes"),
    "order_status": ("Dov'è il mio ordine", "Where is my order"),
    "change_address": ("Cambiare indirizzo", "Change address"),
    "cancel_order": ("Annullare un ordine", "Cancel an order"),
    "return_policy": ("Politica di reso", "Return policy"),
    "start_return": ("Fare un reso", "Return an item"),
    "refund_status": ("Stato del rimborso", "Refund status"),
    "invoice_request": ("Fattura", "Invoice"),
}  # no "talk to a person" here: that is offered after the second miss


def topic_buttons(tracker: Tracker, language: str) -> list[dict[str, str]]:
    ranking = tracker.latest_message.get("intent_ranking") or []
    index = 1 if language == "en" else 0
    likely = [entry["name"] for entry in ranking if entry.get("name") in TOPIC_LABELS][:SUGGESTIONS]
    return [{"title": TOPIC_LABELS[name][index], "payload": f"/{name}"} for name in likely]


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        language = conversation_language(tracker)
        misses = consecutive_fallbacks(tracker)
        marker = {"fallback": {"misses_in_a_row": misses}}  # counted by the hub's metrics
        if misses >= 2:
            dispatcher.utter_message(response="utter_fallback_offer_human", json_message=marker)
        else:
            dispatcher.utter_message(
                response="utter_fallback_rephrase", buttons=topic_buttons(tracker, language), json_message=marker
            )
        return []
