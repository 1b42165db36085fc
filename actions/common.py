"""Small helpers every action module uses."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.shop import load_shop


def conversation_language(tracker: Tracker) -> str:
    language = tracker.get_slot("language")
    return language if language in ("it", "en") else load_shop().shop.languages[0]


def latest_entity(tracker: Tracker, entity: str) -> str | None:
    """The entity's value in the latest user message (synonym-normalised by NLU), if any."""
    value = next(tracker.get_latest_entity_values(entity), None)
    return str(value) if value is not None else None


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")
