"""Where conversations live: transcripts, idempotency keys, pending deliveries, CSAT, and the
live events of a conversation (every tab and every hub process sees them).

In memory by default; Redis when REDIS_URL is set (bot/redis_store.py), behind one interface.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from bot.live_events import LocalChannels
from bot.transcript import Entry


class ConversationStore(ABC):
    @abstractmethod
    async def append(self, conversation_id: str, entry: Entry) -> Entry:
        """Store an entry with the conversation's next seq; return it with that seq."""

    @abstractmethod
    async def entries_after(self, conversation_id: str, seq: int) -> list[Entry]:
        """Every entry with a seq greater than `seq`, in order."""

    @abstractmethod
    async def claim_client_message(self, conversation_id: str, client_id: str) -> bool:
        """True the first time this client message id is seen in the conversation."""

    @abstractmethod
    async def seq_of_client_message(self, conversation_id: str, client_id: str) -> int | None:
        """The seq of the shopper entry stored for a client message id."""

    @abstractmethod
    async def set_pending(self, conversation_id: str, client_id: str, delivery: dict[str, Any] | None) -> None:
        """Remember (or, with None, forget) a message not yet answered by the assistant."""

    @abstractmethod
    async def pending(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Every (conversation id, client id, delivery) not yet answered."""

    @abstractmethod
    async def save_csat(self, conversation_id: str, score: int) -> None: ...

    @abstractmethod
    async def csat(self, conversation_id: str) -> int | None: ...

    @abstractmethod
    async def publish(self, conversation_id: str, event: dict[str, Any]) -> None:
        """Send a live event (a frame) to every subscriber of the conversation."""

    @abstractmethod
    def subscribe(self, conversation_id: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """`async with store.subscribe(c) as events:` then `async for event in events`."""

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


class MemoryStore(ConversationStore):
    """One process, nothing persisted: the embedded default."""

    def __init__(self) -> None:
        self.entries: dict[str, list[Entry]] = defaultdict(list)
        self.client_seqs: dict[tuple[str, str], int | None] = {}
        self.pending_deliveries: dict[tuple[str, str], dict[str, Any]] = {}
        self.ratings: dict[str, int] = {}
        self.channels = LocalChannels()

    async def append(self, conversation_id: str, entry: Entry) -> Entry:
        entries = self.entries[conversation_id]
        stored = entry.model_copy(update={"seq": len(entries) + 1})
        entries.append(stored)
        if stored.client_id:
            self.client_seqs[(conversation_id, stored.client_id)] = stored.seq
        return stored

    async def entries_after(self, conversation_id: str, seq: int) -> list[Entry]:
        return [entry for entry in self.entries.get(conversation_id, []) if entry.seq > seq]

    async def claim_client_message(self, conversation_id: str, client_id: str) -> bool:
        key = (conversation_id, client_id)
        if key in self.client_seqs:
            return False
        self.client_seqs[key] = None
        return True

    async def seq_of_client_message(self, conversation_id: str, client_id: str) -> int | None:
        return self.client_seqs.get((conversation_id, client_id))

    async def set_pending(self, conversation_id: str, client_id: str, delivery: dict[str, Any] | None) -> None:
        if delivery is None:
            self.pending_deliveries.pop((conversation_id, client_id), None)
        else:
            self.pending_deliveries[(conversation_id, client_id)] = delivery

    async def pending(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [(c, m, d) for (c, m), d in self.pending_deliveries.items()]

    async def save_csat(self, conversation_id: str, score: int) -> None:
        self.ratings[conversation_id] = score

    async def csat(self, conversation_id: str) -> int | None:
        return self.ratings.get(conversation_id)

    async def publish(self, conversation_id: str, event: dict[str, Any]) -> None:
        self.channels.publish(conversation_id, event)

    def subscribe(self, conversation_id: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        return self.channels.subscribe(conversation_id)
