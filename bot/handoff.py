"""The handoff state machine (DESIGN section 7), owned by the hub:

    bot -> queued -> agent -> bot | closed        queued -> ticket        bot -> ticket

A conversation leaves the bot when the assistant sends a handoff payload (the shopper asked for
a person, complained, was not understood twice, failed verification) or a hub rule fires (a word
from shop.yml `support.handoff.escalate_on`). It waits in a queue if an agent of that queue is
online during support hours, otherwise the shopper is offered a ticket. While queued or with an
agent the assistant is paused in Rasa's tracker and hears nothing; it is resumed when the agent
hands back or resolves.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import fmean
from typing import Any

from actions.hours import support_open
from actions.masks import mask_email
from actions.shop import Shop
from bot import metrics
from bot.agents import Agent, AgentDirectory
from bot.handoff_store import WITH_A_PERSON, Handoff, HandoffStore, Note
from bot.notices import notice
from bot.queues import estimated_wait_seconds, position_in_queue, priority_of, queue_for
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.store import ConversationStore
from bot.tickets import Ticket, TicketDesk
from bot.transcript import Entry, entries_from_rasa

log = logging.getLogger("bot.handoff")
BACK_FROM_AGENT = "utter_back_from_agent"
CAN_ESCALATE = ("bot", "ticket", "closed")
RELEASED = {"owner": None, "owner_name": None}


@dataclass
class QueueSnapshot:
    """What a waiting shopper's position and estimated wait are computed from."""

    queued: list[Handoff]  # in service order
    agents: list[Agent]  # online
    handling_seconds: float


class HandoffError(Exception):
    """A transition that cannot happen now (the message says why)."""


class Handoffs:
    def __init__(
        self,
        store: ConversationStore,
        handoffs: HandoffStore,
        rasa: RasaClient,
        shop: Shop,
        agents: AgentDirectory,
        tickets: TicketDesk,
    ) -> None:
        self.store = store
        self.handoffs = handoffs
        self.rasa = rasa
        self.shop = shop
        self.agents = agents
        self.tickets = tickets
        words = [*shop.support.handoff.escalate_on.it, *shop.support.handoff.escalate_on.en]
        self.escalation_words = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.I) if words else None

    # ---- reading -------------------------------------------------------------------------

    async def get(self, conversation_id: str) -> Handoff | None:
        return await self.handoffs.get(conversation_id)

    async def with_a_person(self, conversation_id: str) -> bool:
        handoff = await self.handoffs.get(conversation_id)
        return handoff is not None and handoff.state in WITH_A_PERSON

    def hub_rule_fires(self, text: str) -> bool:
        return bool(self.escalation_words and self.escalation_words.search(text))

    async def online_agents(self) -> list[Agent]:
        return [agent for name in sorted(await self.handoffs.online()) if (agent := self.agents.get(name))]

    async def queue_snapshot(self) -> QueueSnapshot:
        measured = await self.handoffs.handling_times()
        return QueueSnapshot(
            queued=await self.handoffs.queued(),
            agents=await self.online_agents(),
            handling_seconds=fmean(measured) if measured else self.shop.support.handoff.average_handling_minutes * 60,
        )

    async def shopper_frame(self, handoff: Handoff, snapshot: QueueSnapshot | None = None) -> dict[str, Any]:
        """The `handoff` frame the widget gets (bot/PROTOCOL.md section 3)."""
        frame: dict[str, Any] = {"type": "handoff", "state": handoff.state, "queue": handoff.queue}
        if handoff.state == "queued":
            snapshot = snapshot or await self.queue_snapshot()
            position = position_in_queue(handoff, snapshot.queued)
            serving = sum(agent.serves(handoff.queue) for agent in snapshot.agents)
            frame["position"] = position
            frame["wait_seconds"] = estimated_wait_seconds(position, snapshot.handling_seconds, serving)
        if handoff.state == "agent":
            frame["agent"] = handoff.owner_name
        return frame

    # ---- leaving the bot -----------------------------------------------------------------

    async def escalate(self, conversation_id: str, payload: dict[str, Any], metadata: dict[str, Any]) -> None:
        """Act on a handoff payload from the assistant: queue the conversation, or offer a ticket."""
        language = payload.get("language") or "it"
        recent_intents = payload.get("recent_intents") or []
        cart = metadata.get("cart") if isinstance(metadata.get("cart"), dict) else {}
        queue = queue_for(language, recent_intents)
        context = {
            "queue": queue,
            "language": language,
            "channel": str(metadata.get("channel") or "web"),
            "reason": str(payload.get("reason") or "requested"),
            "summary": str(payload.get("summary") or ""),
            "recent_intents": recent_intents,
            "verified_order_id": payload.get("verified_order_id"),
            "order_summary": await self.last_order_card(conversation_id),
            "cart": cart,
            "priority": priority_of(payload.get("reason", ""), cart, self.shop.support.handoff.priority_cart_value),
            "disposition": None,
            "ticket_number": None,
            "accepted_at": None,
            **RELEASED,
        }
        if not support_open(self.shop, datetime.now(UTC)):
            await self.offer_ticket(conversation_id, context, "closed")
        elif not any(agent.serves(queue) for agent in await self.online_agents()):
            await self.offer_ticket(conversation_id, context, "no_agent")
        else:
            await self.enqueue(conversation_id, context)

    async def enqueue(self, conversation_id: str, context: dict[str, Any]) -> None:
        handoff = await self.handoffs.transition(
            conversation_id, CAN_ESCALATE, {**context, "state": "queued", "queued_at": time.time()}
        )
        if handoff is None:
            return  # already with a person
        metrics.HANDOFFS.labels(queue=handoff.queue, reason=handoff.reason, outcome="queued").inc()
        await self.pause_assistant(conversation_id)
        await self.announce_queue()

    async def offer_ticket(self, conversation_id: str, context: dict[str, Any], reason: str) -> None:
        handoff = await self.handoffs.transition(
            conversation_id, (*CAN_ESCALATE, "queued"), {**context, "state": "ticket"}
        )
        if handoff is None:
            return
        metrics.HANDOFFS.labels(queue=handoff.queue, reason=handoff.reason, outcome="ticket").inc()
        await self.say(
            handoff, notice(f"ticket_offer.{reason}", handoff.language, {"ticket_offer": {"reason": reason}})
        )
        await self.publish_state(handoff)

    async def leave_queue(self, conversation_id: str) -> None:
        """The shopper stops waiting: the assistant is back and a ticket is offered."""
        handoff = await self.handoffs.transition(conversation_id, ("queued",), {"state": "ticket"})
        if handoff is None:
            raise HandoffError("the conversation is not waiting in a queue")
        await self.resume_assistant(conversation_id)
        await self.say(
            handoff, notice("ticket_offer.left_queue", handoff.language, {"ticket_offer": {"reason": "left_queue"}})
        )
        await self.publish_state(handoff)
        await self.announce_queue()

    async def open_ticket(self, conversation_id: str, email: str, description: str) -> Ticket:
        handoff = await self.handoffs.get(conversation_id)
        if handoff is None or handoff.state != "ticket":
            raise HandoffError("no ticket was offered in this conversation")
        if handoff.ticket_number:
            raise HandoffError(f"ticket {handoff.ticket_number} is already open for this conversation")
        transcript = await self.store.entries_after(conversation_id, 0)
        ticket = await self.tickets.open(conversation_id, email, description, handoff.language, transcript)
        await self.handoffs.transition(conversation_id, ("ticket",), {"ticket_number": ticket.number})
        metrics.TICKETS.labels(emailed=str(ticket.emailed).lower()).inc()
        await self.say(
            handoff,
            notice(
                "ticket",
                handoff.language,
                {"ticket": {"number": ticket.number}},
                number=ticket.number,
                email=mask_email(ticket.email),
            ),
        )
        return ticket

    # ---- the agent's side ----------------------------------------------------------------

    async def accept(self, conversation_id: str, agent: Agent) -> Handoff | None:
        """Atomic claim: of two agents (or hub processes) racing, exactly one gets the handoff."""
        now = time.time()
        handoff = await self.handoffs.transition(
            conversation_id,
            ("queued",),
            {"state": "agent", "owner": agent.username, "owner_name": agent.name, "accepted_at": now},
        )
        if handoff is None:
            return None
        metrics.QUEUE_SECONDS.labels(queue=handoff.queue).observe(now - (handoff.queued_at or now))
        await self.say(
            handoff, notice("agent_joined", handoff.language, {"agent_joined": {"name": agent.name}}, name=agent.name)
        )
        await self.publish_state(handoff)
        await self.announce_queue()
        return handoff

    async def post_agent_message(self, conversation_id: str, agent: Agent, text: str) -> Entry | None:
        handoff = await self.handoffs.get(conversation_id)
        if handoff is None or handoff.state != "agent" or handoff.owner != agent.username:
            return None
        entry = Entry(role="agent", text=text, custom={"agent": {"name": agent.name}})
        return await self.say(handoff, entry)

    async def add_note(self, conversation_id: str, agent: Agent, text: str) -> Note:
        note = Note(author=agent.name, text=text)
        await self.handoffs.add_note(conversation_id, note)
        return note

    async def transfer_to_queue(self, conversation_id: str, agent: Agent, queue: str) -> Handoff | None:
        handoff = await self.release(
            conversation_id, agent, {"state": "queued", "queue": queue, "queued_at": time.time()}
        )
        if handoff is not None:
            await self.say(handoff, self.agent_left(agent, handoff, "queued"))
            await self.publish_state(handoff)
            await self.announce_queue()
        return handoff

    async def transfer_to_agent(self, conversation_id: str, agent: Agent, colleague: Agent) -> Handoff | None:
        current = await self.handoffs.get(conversation_id)
        if current is None or not colleague.serves(current.queue):
            raise HandoffError(f"{colleague.username} does not serve this conversation's queue")
        if colleague.username not in await self.handoffs.online():
            raise HandoffError(f"{colleague.username} is not online")
        handoff = await self.release(
            conversation_id,
            agent,
            {"state": "agent", "owner": colleague.username, "owner_name": colleague.name, "accepted_at": time.time()},
        )
        if handoff is not None:
            await self.say(handoff, self.agent_left(agent, handoff, "agent"))
            await self.say(
                handoff,
                notice(
                    "agent_joined", handoff.language, {"agent_joined": {"name": colleague.name}}, name=colleague.name
                ),
            )
            await self.publish_state(handoff)
            await self.announce_queue()
        return handoff

    async def hand_back(self, conversation_id: str, agent: Agent) -> Handoff | None:
        """The assistant takes over again, with everything it knew (slots, verified order)."""
        handoff = await self.release(conversation_id, agent, {"state": "bot"})
        if handoff is None:
            return None
        await self.say(handoff, self.agent_left(agent, handoff, "bot"))
        await self.publish_state(handoff)
        if await self.resume_assistant(conversation_id):
            await self.assistant_says(handoff, BACK_FROM_AGENT)
        await self.announce_queue()
        return handoff

    async def resolve(self, conversation_id: str, agent: Agent, disposition: str) -> Handoff | None:
        handoff = await self.release(conversation_id, agent, {"state": "closed", "disposition": disposition})
        if handoff is None:
            return None
        metrics.RESOLVED.labels(queue=handoff.queue, disposition=disposition).inc()
        await self.say(handoff, self.agent_left(agent, handoff, "closed"))
        await self.say(handoff, notice("csat_request", handoff.language, {"csat_request": True}))
        await self.publish_state(handoff)
        await self.resume_assistant(conversation_id)
        await self.announce_queue()
        return handoff

    async def release(self, conversation_id: str, agent: Agent, changes: dict[str, Any]) -> Handoff | None:
        """End the agent's ownership (only the owner can); records how long they handled it."""
        current = await self.handoffs.get(conversation_id)
        handoff = await self.handoffs.transition(
            conversation_id, ("agent",), {**RELEASED, "accepted_at": None, **changes}, owner=agent.username
        )
        if handoff is None:
            return None
        if current is not None and current.accepted_at and handoff.state != "agent":
            handled = time.time() - current.accepted_at
            metrics.HANDLING_SECONDS.labels(queue=current.queue).observe(handled)
            await self.handoffs.record_handling(handled)
        return handoff

    def agent_left(self, agent: Agent, handoff: Handoff, next_state: str) -> Entry:
        return notice(
            f"agent_left.{next_state}",
            handoff.language,
            {"agent_left": {"name": agent.name, "next": next_state}},
            name=agent.name,
        )

    # ---- plumbing --------------------------------------------------------------------------

    async def say(self, handoff: Handoff, entry: Entry) -> Entry:
        stored = await self.store.append(handoff.conversation_id, entry.model_copy(update={"channel": handoff.channel}))
        metrics.MESSAGES.labels(role=stored.role).inc()
        await self.store.publish(handoff.conversation_id, stored.frame())
        return stored

    async def publish_state(self, handoff: Handoff) -> None:
        await self.store.publish(handoff.conversation_id, await self.shopper_frame(handoff))

    async def announce_queue(self) -> None:
        """Every waiting shopper gets their new position; every console refreshes its queue."""
        snapshot = await self.queue_snapshot()  # read once for every waiting shopper
        for handoff in snapshot.queued:
            await self.store.publish(handoff.conversation_id, await self.shopper_frame(handoff, snapshot))
        await self.handoffs.publish_console({"type": "changed"})

    async def last_order_card(self, conversation_id: str) -> dict[str, Any] | None:
        for entry in reversed(await self.store.entries_after(conversation_id, 0)):
            if "order_summary" in entry.custom:
                return entry.custom["order_summary"]
        return None

    async def pause_assistant(self, conversation_id: str) -> None:
        try:
            await self.rasa.pause(conversation_id)
        except RasaUnavailable as error:  # the hub stops forwarding anyway; the tracker misses the mark
            log.warning("could not pause the assistant", extra={"conversation": conversation_id, "error": str(error)})

    async def resume_assistant(self, conversation_id: str) -> bool:
        try:
            await self.rasa.resume(conversation_id)
            return True
        except RasaUnavailable as error:
            log.warning("could not resume the assistant", extra={"conversation": conversation_id, "error": str(error)})
            return False

    async def assistant_says(self, handoff: Handoff, action: str) -> None:
        try:
            replies = await self.rasa.execute(handoff.conversation_id, action)
        except RasaUnavailable as error:
            log.warning("assistant did not speak", extra={"conversation": handoff.conversation_id, "error": str(error)})
            return
        for entry in entries_from_rasa(replies):
            await self.say(handoff, entry)
