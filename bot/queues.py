"""Which queue a conversation waits in, how urgent it is, and how long the shopper will wait.

Queues are named `<language>.<topic>`; the topic comes from what the shopper asked about most
recently, the priority from the reason and the cart's value (shop.yml `support.handoff`).
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.handoff_store import Handoff

LANGUAGES = ("it", "en")
TOPICS = ("payments", "delivery", "returns", "general")
QUEUES = tuple(f"{language}.{topic}" for language in LANGUAGES for topic in TOPICS)
TOPIC_OF_INTENT = {
    "payment_methods": "payments",
    "payment_problem": "payments",
    "discount_code": "payments",
    "extra_costs": "payments",
    "guest_checkout": "payments",
    "invoice_request": "payments",
    "shipping_cost": "delivery",
    "delivery_time": "delivery",
    "order_status": "delivery",
    "change_address": "delivery",
    "return_policy": "returns",
    "start_return": "returns",
    "refund_status": "returns",
    "cancel_order": "returns",
}


def topic_of(recent_intents: list[dict[str, Any]]) -> str:
    """The topic of the latest intent that has one ("general" when none does)."""
    for intent in reversed(recent_intents):
        topic = TOPIC_OF_INTENT.get(intent.get("name", ""))
        if topic:
            return topic
    return "general"


def queue_for(language: str, recent_intents: list[dict[str, Any]]) -> str:
    return f"{language if language in LANGUAGES else LANGUAGES[0]}.{topic_of(recent_intents)}"


def cart_value(cart: dict[str, Any]) -> Decimal:
    try:
        return Decimal(str(cart.get("subtotal") or 0))
    except InvalidOperation:
        return Decimal(0)


def priority_of(reason: str, cart: dict[str, Any], priority_cart_value: Decimal) -> int:
    """0 normal, +1 for a complaint, +1 for a cart worth at least `priority_cart_value`."""
    return int(reason == "complaint") + int(cart_value(cart) >= priority_cart_value)


def position_in_queue(handoff: Handoff, queued: list[Handoff]) -> int:
    """1 for the next one served in its queue (`queued` is in service order)."""
    same_queue = [h.conversation_id for h in queued if h.queue == handoff.queue]
    return same_queue.index(handoff.conversation_id) + 1 if handoff.conversation_id in same_queue else 0


def estimated_wait_seconds(position: int, handling_seconds: float, agents_serving: int) -> int:
    """Everyone ahead is served in turn by the agents of the queue, one handling time each;
    in whole minutes, as the shopper is told it."""
    turns = math.ceil(position / max(agents_serving, 1))
    return math.ceil(turns * handling_seconds / 60) * 60 if position else 0
