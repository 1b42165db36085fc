"""What happens to a shopper message: stored once, echoed to every tab, answered by the
assistant (retried until it is back if it is down), answers stored and pushed live. While a
person has the conversation (bot/handoff.py) the message goes to them only."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot import metrics
from bot.handoff import Handoffs
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.store import ConversationStore
from bot.transcript import Entry, entries_from_rasa

log = logging.getLogger("bot.conversations")
FIRST_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 5.0


class TurnLocks:
    """One lock per conversation, kept only while a turn holds or waits for it (a long-running hub
    sees countless conversations)."""

    def __init__(self) -> None:
        self.locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[None]:
        lock, users = self.locks.get(conversation_id, (asyncio.Lock(), 0))
        self.locks[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self.locks[conversation_id]
            if users == 1:
                del self.locks[conversation_id]
            else:
                self.locks[conversation_id] = (lock, users - 1)


class Conversations:
    def __init__(self, store: ConversationStore, rasa: RasaClient, handoffs: Handoffs, retry_seconds: float) -> None:
        self.store = store
        self.rasa = rasa
        self.handoffs = handoffs
        self.retry_seconds = retry_seconds
        self.turn_locks = TurnLocks()
        self.deliveries: set[asyncio.Task] = set()

    async def receive(self, conversation_id: str, client_id: str, text: str, metadata: dict[str, Any]) -> dict:
        """Store a shopper message and start its delivery; the ack frame for the sender."""
        if not await self.store.claim_client_message(conversation_id, client_id):
            seq = await self.store.seq_of_client_message(conversation_id, client_id)
            return {"type": "ack", "id": client_id, "seq": seq, "duplicate": True}
        entry = await self.store.append(conversation_id, Entry(role="shopper", text=text, client_id=client_id))
        metrics.MESSAGES.labels(role="shopper").inc()
        await self.store.publish(conversation_id, entry.frame())
        if await self.handoffs.with_a_person(conversation_id):
            return {"type": "ack", "id": client_id, "seq": entry.seq, "duplicate": False}
        delivery = {"text": text, "metadata": metadata, "received": time.time()}
        await self.store.set_pending(conversation_id, client_id, delivery)
        self.start_delivery(conversation_id, client_id, delivery)
        return {"type": "ack", "id": client_id, "seq": entry.seq, "duplicate": False}

    def start_delivery(self, conversation_id: str, client_id: str, delivery: dict[str, Any]) -> None:
        task = asyncio.create_task(self.deliver(conversation_id, client_id, delivery))
        self.deliveries.add(task)
        task.add_done_callback(self.deliveries.discard)

    async def resume_pending(self) -> int:
        """Deliver what a previous hub process accepted but could not answer (called at start)."""
        pending = await self.store.pending()
        for conversation_id, client_id, delivery in pending:
            self.start_delivery(conversation_id, client_id, delivery)
        return len(pending)

    async def deliver(self, conversation_id: str, client_id: str, delivery: dict[str, Any]) -> None:
        async with self.turn_locks.hold(conversation_id):  # one turn at a time per conversation, in order
            if await self.handoffs.with_a_person(conversation_id):  # a person took over while it waited
                await self.store.set_pending(conversation_id, client_id, None)
                return
            await self.store.publish(conversation_id, {"type": "typing", "on": True})
            replies = await self.ask_rasa(conversation_id, client_id, delivery)
            handoff = None
            if replies is not None and self.handoffs.hub_rule_fires(delivery["text"]) and not handoff_in(replies):
                handoff = await self.escalation_by_rule(conversation_id, replies)
            for entry in entries_from_rasa(replies) if replies is not None else [give_up_entry()]:
                stored = await self.store.append(
                    conversation_id, entry.model_copy(update={"channel": channel_of(delivery)})
                )
                metrics.MESSAGES.labels(role=stored.role).inc()
                if "fallback" in stored.custom:
                    metrics.FALLBACKS.inc()
                handoff = handoff or stored.custom.get("handoff")
                await self.store.publish(conversation_id, stored.frame())
            await self.store.set_pending(conversation_id, client_id, None)
            await self.store.publish(conversation_id, {"type": "typing", "on": False})
            if handoff:
                await self.handoffs.escalate(conversation_id, handoff, delivery["metadata"])
        metrics.TURN_SECONDS.observe(time.time() - delivery["received"])

    async def escalation_by_rule(self, conversation_id: str, replies: list[dict]) -> dict[str, Any] | None:
        """A word from shop.yml `escalate_on`: the assistant hands over as if asked (its tracker says
        so too); the payload's reason says it was the hub's rule. Adds the handover to `replies`."""
        try:
            more = await self.rasa.trigger_intent(conversation_id, "human_handoff")
        except RasaUnavailable:
            return None
        replies.extend(more)
        payload = handoff_in(more)
        return {**payload, "reason": "escalate_on_word"} if payload else None

    async def ask_rasa(self, conversation_id: str, client_id: str, delivery: dict[str, Any]) -> list[dict] | None:
        """The assistant's replies, retrying while it is unavailable; None after retry_seconds."""
        delay, retry = FIRST_RETRY_DELAY, False
        deadline = delivery["received"] + self.retry_seconds
        while True:
            try:
                replies = await self.rasa.send(
                    conversation_id, client_id, delivery["text"], delivery["metadata"], retry
                )
                if retry:
                    await self.store.publish(conversation_id, {"type": "status", "state": "ok"})
                return replies
            except RasaUnavailable as error:
                metrics.RASA_RETRIES.inc()
                log.warning(
                    "assistant unavailable, will retry", extra={"conversation": conversation_id, "error": str(error)}
                )
                if not retry:
                    await self.store.publish(conversation_id, {"type": "status", "state": "delayed"})
                retry = True
            if time.time() + delay > deadline:
                metrics.ERRORS.labels(code="rasa_gave_up").inc()
                return None
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY)

    async def close(self) -> None:
        for task in list(self.deliveries):
            task.cancel()
        await asyncio.gather(*self.deliveries, return_exceptions=True)


def handoff_in(replies: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((r["custom"]["handoff"] for r in replies if "handoff" in (r.get("custom") or {})), None)


def channel_of(delivery: dict[str, Any]) -> str:
    return str(delivery["metadata"].get("channel") or "web")


def give_up_entry() -> Entry:
    return Entry(
        role="system",
        text="Il servizio non risponde, riprova tra poco. / The assistant isn't answering, please try again shortly.",
        custom={"notice": "assistant_unavailable"},
    )
