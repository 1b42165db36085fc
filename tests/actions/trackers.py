"""Helpers for the action tests: trackers built from small dicts, the real domain, and what an
action dispatched (response name + template variables)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import actions.order_requests
import actions.verification
from actions.orders import OrderStore

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SLOTS = {"language": "it"}  # the slot's initial value in domain/core.yml


def load_domain() -> dict[str, Any]:
    """domain/*.yml merged into one dict, as Rasa sends it to the action server."""
    domain: dict[str, Any] = {"intents": [], "entities": [], "actions": [], "slots": {}, "forms": {}, "responses": {}}
    for path in sorted((REPO_ROOT / "domain").glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, merged in domain.items():
            if isinstance(merged, list):
                merged.extend(part.get(key) or [])
            else:
                merged.update(part.get(key) or {})
    return domain


DOMAIN = load_domain()


def user_event(
    text: str = "",
    intent: str = "inform",
    confidence: float = 0.95,
    entities: dict[str, str] | None = None,
    metadata: dict[str, Any] | None = None,
    intent_ranking: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A user message as it appears in tracker events; `entities` maps entity name -> value."""
    parse_data: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [{"entity": name, "value": value} for name, value in (entities or {}).items()],
        "intent_ranking": intent_ranking or [{"name": intent, "confidence": confidence}],
    }
    if metadata:
        parse_data["metadata"] = metadata
    return {"event": "user", "timestamp": None, "text": text, "parse_data": parse_data, "metadata": metadata or {}}


def fallback_event(text: str = "asdfgh") -> dict[str, Any]:
    """A message NLU did not understand."""
    return user_event(text, intent="nlu_fallback", confidence=0.3)


def tracker(
    *,
    slots: dict[str, Any] | None = None,
    history: Iterable[dict[str, Any]] = (),
    active_loop: str | None = None,
    **latest: Any,
) -> Tracker:
    """A conversation ending with the shopper's message `latest` (the arguments of user_event),
    after the events in `history`; `slots` on top of the domain's initial values."""
    message = user_event(**latest)
    return Tracker(
        sender_id="shopper",
        slots={**DEFAULT_SLOTS, **(slots or {})},
        latest_message=message["parse_data"],
        events=[*history, message],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def form_tracker(
    form: str, requested_slot: str, candidates: dict[str, Any], slots: dict[str, Any] | None = None
) -> Tracker:
    """The tracker a form's validation action gets: the slot values just extracted from the
    shopper's answer (`candidates`) set, and as SlotSet events at the end of the conversation."""
    conversation = tracker(
        slots={**(slots or {}), **candidates, "requested_slot": requested_slot},
        active_loop=form,
        text=str(next(iter(candidates.values()))),
    )
    conversation.events.extend(SlotSet(name, value) for name, value in candidates.items())
    return conversation


MESSAGE_KEYS = {"text", "buttons", "elements", "custom", "template", "response", "image", "attachment"}
PLACEHOLDER = re.compile(r"{(\w+)}")


def responses(dispatcher: CollectingDispatcher) -> list[tuple[str | None, dict[str, Any]]]:
    """(response name, template variables) of each message sent, or (None, {"text": ...}) for a
    plain text. Checks that each response is in the domain and gets every {variable} its texts
    use, so a shopper never sees a raw placeholder."""
    sent: list[tuple[str | None, dict[str, Any]]] = []
    for message in dispatcher.messages:
        name = message["response"]
        if name is None:
            sent.append((None, {"text": message["text"]}))
            continue
        variables = {key: value for key, value in message.items() if key not in MESSAGE_KEYS}
        assert name in DOMAIN["responses"], f"{name} is not a response of the domain"
        needed = {var for variant in DOMAIN["responses"][name] for var in PLACEHOLDER.findall(variant.get("text", ""))}
        assert needed <= variables.keys(), f"{name} is sent without {sorted(needed - variables.keys())}"
        sent.append((name, variables))
    return sent


def response_names(dispatcher: CollectingDispatcher) -> list[str | None]:
    return [name for name, _ in responses(dispatcher)]


def use_store(monkeypatch: pytest.MonkeyPatch, store: OrderStore) -> None:
    """Make the actions read and write `store` instead of the store of DATABASE_URL."""
    monkeypatch.setattr(actions.verification, "order_store", lambda: store)
    monkeypatch.setattr(actions.order_requests, "order_store", lambda: store)
