"""The hub's shared services, as typed FastAPI dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, WebSocket

from actions.shop import Shop
from bot.agent_sessions import AgentSessions
from bot.agents import AgentDirectory
from bot.conversations import Conversations
from bot.handoff import Handoffs
from bot.handoff_store import HandoffStore
from bot.rasa_client import RasaClient
from bot.rate_limits import RateLimits
from bot.sessions import SessionTokens
from bot.settings import Settings
from bot.store import ConversationStore
from bot.tickets import TicketStore


@dataclass
class Hub:
    settings: Settings
    shop: Shop
    store: ConversationStore
    rasa: RasaClient
    conversations: Conversations
    tokens: SessionTokens
    rate_limits: RateLimits
    handoff_store: HandoffStore
    handoffs: Handoffs
    agents: AgentDirectory
    agent_sessions: AgentSessions
    ticket_store: TicketStore

    async def close(self) -> None:
        await self.conversations.close()
        await self.rasa.close()
        await self.store.close()
        await self.handoff_store.close()
        await self.ticket_store.close()
        await self.agent_sessions.revocations.close()


def hub_of_request(request: Request) -> Hub:
    return request.app.state.hub


def hub_of_websocket(websocket: WebSocket) -> Hub:
    return websocket.app.state.hub


HubDep = Annotated[Hub, Depends(hub_of_request)]
WebSocketHubDep = Annotated[Hub, Depends(hub_of_websocket)]
