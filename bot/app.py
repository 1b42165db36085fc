"""The hub's app factory: `uvicorn bot.app:create_app --factory`."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from bot.settings import REPO_ROOT, Settings

sys.path.insert(0, str(REPO_ROOT))  # actions.shop: the one reader of shop.yml

from actions.shop import parse_shop  # noqa: E402
from bot.agent_sessions import AgentSessions  # noqa: E402
from bot.agents import AgentDirectory  # noqa: E402
from bot.api import agent, chat, health  # noqa: E402
from bot.api.deps import Hub  # noqa: E402
from bot.conversations import Conversations  # noqa: E402
from bot.handoff import Handoffs  # noqa: E402
from bot.handoff_store import HandoffStore, MemoryHandoffStore  # noqa: E402
from bot.logs import configure_logging  # noqa: E402
from bot.mailer import mailer_from_settings  # noqa: E402
from bot.rasa_client import RasaClient  # noqa: E402
from bot.rate_limits import RateLimits  # noqa: E402
from bot.revocations import open_revocations  # noqa: E402
from bot.sessions import SessionTokens  # noqa: E402
from bot.store import ConversationStore, MemoryStore  # noqa: E402
from bot.tickets import TicketDesk, open_ticket_store  # noqa: E402

log = logging.getLogger("bot.app")


def open_store(settings: Settings) -> ConversationStore:
    if settings.redis_url:
        from bot.redis_store import RedisStore

        return RedisStore(settings.redis_url, settings.redis_key_prefix)
    return MemoryStore()


def open_handoff_store(settings: Settings) -> HandoffStore:
    if settings.redis_url:
        from bot.redis_handoff_store import RedisHandoffStore

        return RedisHandoffStore(settings.redis_url, settings.redis_key_prefix)
    return MemoryHandoffStore()


def build_hub(settings: Settings) -> Hub:
    shop = parse_shop(settings.shop_file)
    store = open_store(settings)
    handoff_store = open_handoff_store(settings)
    ticket_store = open_ticket_store(settings)
    rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_seconds)
    agents = AgentDirectory(settings.agents_file)
    tickets = TicketDesk(
        ticket_store, mailer_from_settings(settings), shop.support.email, settings.smtp_from, shop.shop.name
    )
    handoffs = Handoffs(store, handoff_store, rasa, shop, agents, tickets)
    return Hub(
        settings=settings,
        shop=shop,
        store=store,
        rasa=rasa,
        conversations=Conversations(store, rasa, handoffs, settings.rasa_retry_seconds),
        tokens=SessionTokens(settings.hub_secret_key, settings.session_ttl_seconds),
        rate_limits=RateLimits(
            settings.rate_limit_session, settings.rate_limit_ip, settings.redis_url, settings.redis_key_prefix
        ),
        handoff_store=handoff_store,
        handoffs=handoffs,
        agents=agents,
        agent_sessions=AgentSessions(
            settings.hub_secret_key, settings.agent_session_ttl_seconds, open_revocations(settings)
        ),
        ticket_store=ticket_store,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging()
    hub = build_hub(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resumed = await hub.conversations.resume_pending()
        log.info("hub started", extra={"store": type(hub.store).__name__, "resumed_deliveries": resumed})
        yield
        await hub.close()

    app = FastAPI(title="Checkout assistant hub", lifespan=lifespan)
    app.state.hub = hub
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.hub_allowed_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
    )
    app.include_router(health.router)
    app.include_router(chat.router)
    app.include_router(agent.router)
    app.mount("/demo", StaticFiles(directory=REPO_ROOT / "widget" / "demo", html=True), name="demo")
    app.mount("/widget", StaticFiles(directory=REPO_ROOT / "widget"), name="widget")
    app.get("/", include_in_schema=False)(lambda: RedirectResponse("/demo/"))
    return app
