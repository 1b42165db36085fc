"""Where the handoff state of conversations lives: one record per conversation that ever left
the bot, the queue of those waiting for a person, who is online, and the console's live events.

Every change is a compare-and-set (`transition`): it applies only if the conversation is in one
of the expected states (and, when given, owned by the expected agent), so two agents or two hub
processes racing for one conversation can never both win. In memory by default; Redis when
REDIS_URL is set (bot/redis_handoff_store.py), behind one interface.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.live_events import LocalChannels

State = Literal["bot", "queued", "agent", "ticket", "closed"]
WITH_A_PERSON: frozenset[str] = frozenset({"queued", "agent"})
HANDLING_SAMPLES = 50  # the waiting estimate averages the latest handling times


class Note(BaseModel):
    author: str
    text: str
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class Handoff(BaseModel):
    """A conversation's handoff state and the context the agent sees."""

    conversation_id: str
    state: State = "bot"
    queue: str = "it.general"
    language: str = "it"
    channel: str = "web"
    reason: str = ""
    summary: str = ""
    priority: int = 0
    cart: dict[str, Any] = {}
    verified_order_id: str | None = None
    order_summary: dict[str, Any] | None = None
    recent_intents: list[dict[str, Any]] = []
    queued_at: float | None = None
    accepted_at: float | None = None
    owner: str | None = None  # agent username
    owner_name: str | None = None  # agent first name, shown to the shopper
    disposition: str | None = None
    ticket_number: str | None = None

    def service_order(self) -> tuple[int, float]:
        """Higher priority first, then who has waited longest."""
        return (-self.priority, self.queued_at or 0.0)


class HandoffStore(ABC):
    @abstractmethod
    async def get(self, conversation_id: str) -> Handoff | None: ...

    @abstractmethod
    async def transition(
        self, conversation_id: str, expected: Iterable[str], changes: dict[str, Any], owner: str | None = None
    ) -> Handoff | None:
        """Apply `changes` atomically if the state (a conversation with no record is in "bot")
        is one of `expected` and, when `owner` is given, the conversation belongs to that agent.
        Returns the changed record, or None when the condition did not hold."""

    @abstractmethod
    async def queued(self) -> list[Handoff]:
        """Every conversation waiting for a person, in service order."""

    @abstractmethod
    async def active(self) -> list[Handoff]:
        """Every conversation waiting for or talking to a person."""

    @abstractmethod
    async def add_note(self, conversation_id: str, note: Note) -> None: ...

    @abstractmethod
    async def notes(self, conversation_id: str) -> list[Note]: ...

    @abstractmethod
    async def set_online(self, username: str, seconds: float) -> None:
        """The agent counts as online for `seconds` (the console renews it while open)."""

    @abstractmethod
    async def set_offline(self, username: str) -> None: ...

    @abstractmethod
    async def online(self) -> set[str]: ...

    @abstractmethod
    async def record_handling(self, seconds: float) -> None: ...

    @abstractmethod
    async def handling_times(self) -> list[float]:
        """The latest handling times, newest first."""

    @abstractmethod
    async def publish_console(self, event: dict[str, Any]) -> None:
        """Tell every open agent console (in every hub process) that something changed."""

    @abstractmethod
    def subscribe_console(self) -> AsyncIterator[AsyncIterator[dict[str, Any]]]: ...

    async def close(self) -> None:
        return None


class MemoryHandoffStore(HandoffStore):
    """One process: the embedded default. Each method runs without awaiting in between, so a
    transition is atomic on the event loop."""

    def __init__(self) -> None:
        self.records: dict[str, Handoff] = {}
        self.note_lists: dict[str, list[Note]] = {}
        self.online_until: dict[str, float] = {}
        self.handling: deque[float] = deque(maxlen=HANDLING_SAMPLES)
        self.channels = LocalChannels()

    async def get(self, conversation_id: str) -> Handoff | None:
        return self.records.get(conversation_id)

    async def transition(
        self, conversation_id: str, expected: Iterable[str], changes: dict[str, Any], owner: str | None = None
    ) -> Handoff | None:
        current = self.records.get(conversation_id) or Handoff(conversation_id=conversation_id)
        if current.state not in set(expected) or (owner is not None and current.owner != owner):
            return None
        changed = Handoff.model_validate({**current.model_dump(), **changes})
        self.records[conversation_id] = changed
        return changed

    async def queued(self) -> list[Handoff]:
        return sorted((h for h in self.records.values() if h.state == "queued"), key=Handoff.service_order)

    async def active(self) -> list[Handoff]:
        return [h for h in self.records.values() if h.state in WITH_A_PERSON]

    async def add_note(self, conversation_id: str, note: Note) -> None:
        self.note_lists.setdefault(conversation_id, []).append(note)

    async def notes(self, conversation_id: str) -> list[Note]:
        return list(self.note_lists.get(conversation_id, []))

    async def set_online(self, username: str, seconds: float) -> None:
        self.online_until[username] = time.time() + seconds

    async def set_offline(self, username: str) -> None:
        self.online_until.pop(username, None)

    async def online(self) -> set[str]:
        now = time.time()
        return {username for username, until in self.online_until.items() if until > now}

    async def record_handling(self, seconds: float) -> None:
        self.handling.appendleft(seconds)

    async def handling_times(self) -> list[float]:
        return list(self.handling)

    async def publish_console(self, event: dict[str, Any]) -> None:
        self.channels.publish("console", event)

    def subscribe_console(self) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        return self.channels.subscribe("console")
