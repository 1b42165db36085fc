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
from bot.api import chat, health  # noqa: E402
from bot.api.deps import Hub  # noqa: E402
from bot.conversations import Conversations  # noqa: E402
from bot.logs import configure_logging  # noqa: E402
from bot.rasa_client import RasaClient  # noqa: E402
from bot.rate_limits import RateLimits  # noqa: E402
from bot.sessions import SessionTokens  # noqa: E402
from bot.store import ConversationStore, MemoryStore  # noqa: E402

log = logging.getLogger("bot.app")


def open_store(settings: Settings) -> ConversationStore:
    if settings.redis_url:
        from bot.redis_store import RedisStore

        return RedisStore(settings.redis_url, settings.redis_key_prefix)
    return MemoryStore()


def build_hub(settings: Settings) -> Hub:
    store = open_store(settings)
    rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_seconds)
    return Hub(
        settings=settings,
        shop=parse_shop(settings.shop_file),
        store=store,
        rasa=rasa,
        conversations=Conversations(store, rasa, settings.rasa_retry_seconds),
        tokens=SessionTokens(settings.hub_secret_key, settings.session_ttl_seconds),
        rate_limits=RateLimits(
            settings.rate_limit_session, settings.rate_limit_ip, settings.redis_url, settings.redis_key_prefix
        ),
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
        await hub.conversations.close()
        await hub.rasa.close()
        await hub.store.close()

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
    app.mount("/demo", StaticFiles(directory=REPO_ROOT / "widget" / "demo", html=True), name="demo")
    app.mount("/widget", StaticFiles(directory=REPO_ROOT / "widget"), name="widget")
    app.get("/", include_in_schema=False)(lambda: RedirectResponse("/demo/"))
    return app
