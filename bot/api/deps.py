"""The hub's shared services, as typed FastAPI dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, WebSocket

from actions.shop import Shop
from bot.conversations import Conversations
from bot.rasa_client import RasaClient
from bot.rate_limits import RateLimits
from bot.sessions import SessionTokens
from bot.settings import Settings
from bot.store import ConversationStore


@dataclass
class Hub:
    settings: Settings
    shop: Shop
    store: ConversationStore
    rasa: RasaClient
    conversations: Conversations
    tokens: SessionTokens
    rate_limits: RateLimits


def hub_of_request(request: Request) -> Hub:
    return request.app.state.hub


def hub_of_websocket(websocket: WebSocket) -> Hub:
    return websocket.app.state.hub


HubDep = Annotated[Hub, Depends(hub_of_request)]
WebSocketHubDep = Annotated[Hub, Depends(hub_of_websocket)]
