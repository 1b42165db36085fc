"""Handing the conversation to a person: the machine-readable payload the hub acts on, and
what the shopper is told happens next."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import conversation_language, latest_intent
from actions.formatting import hours_summary
from actions.hours import support_open
from actions.shop import load_shop

REASON_BY_INTENT = {"human_handoff": "requested", "complaint": "complaint", "nlu_fallback": "repeated_fallback"}
NOT_TOPICS = {"greet", "goodbye", "thank", "affirm", "deny", "inform", "human_handoff", "complaint", "nlu_fallback"}


def recent_user_turns(tracker: Tracker, limit: int = 10) -> list[dict[str, Any]]:
    turns = [event for event in tracker.events if event.get("event") == "user"]
    return turns[-limit:]


def intent_of(turn: dict[str, Any]) -> dict[str, Any]:
    """The intent NLU gave a user event ({} when none)."""
    return (turn.get("parse_data") or {}).get("intent") or {}


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the latest user messages in a row NLU did not understand."""
    count = 0
    for turn in reversed(recent_user_turns(tracker)):
        if intent_of(turn).get("name") != "nlu_fallback":
            break
        count += 1
    return count


def handoff_reason(tracker: Tracker) -> str:
    turns = recent_user_turns(tracker, 3)
    if len(turns) >= 3 and all(intent_of(turn).get("name") == "nlu_fallback" for turn in turns[:2]):
        return "repeated_fallback"
    return REASON_BY_INTENT.get(latest_intent(tracker) or "", "dialogue_rule")


def recent_intents(tracker: Tracker) -> list[dict[str, Any]]:
    intents = []
    for turn in recent_user_turns(tracker):
        intent = intent_of(turn)
        if intent.get("name"):
            intents.append({"name": intent["name"], "confidence": round(float(intent.get("confidence") or 0), 3)})
    return intents


def one_line_summary(reason: str, topics: list[str], order_id: str | None, language: str) -> str:
    """E.g. "complaint; asked about order_status, shipping_cost; verified order 100002; language it"."""
    parts = [reason]
    if topics:
        parts.append("asked about " + ", ".join(topics))
    if order_id:
        parts.append(f"verified order {order_id}")
    parts.append(f"language {language}")
    return "; ".join(parts)


def emit_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> None:
    """Tell the shopper what happens next, with the payload the hub acts on."""
    shop, language = load_shop(), conversation_language(tracker)
    intents = recent_intents(tracker)
    topics = list(dict.fromkeys(i["name"] for i in intents if i["name"] not in NOT_TOPICS))
    order_id = tracker.get_slot("verified_order_id")
    is_open = support_open(shop, datetime.now(timezone.utc))
    payload = {
        "handoff": {
            "reason": reason,
            "language": language,
            "summary": one_line_summary(reason, topics, order_id, language),
            "verified_order_id": order_id,
            "recent_intents": intents,
            "support_open": is_open,
        }
    }
    dispatcher.utter_message(
        response="utter_handoff_open" if is_open else "utter_handoff_closed",
        json_message=payload,
        hours=hours_summary(shop, language),
        email=shop.support.email,
    )


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        emit_handoff(dispatcher, tracker, handoff_reason(tracker))
        return []
