"""The voice gateway's app factory: `uvicorn voice.app:create_app --factory` (or `python -m voice`).

Serves the Twilio webhook and media stream, the browser microphone page at /phone/ and its
WebSocket, /healthz and /metrics, and runs the Asterisk AudioSocket server beside them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.logs import configure_logging
from voice import browser, twilio
from voice.audiosocket import AudioSocketServer
from voice.prompts import prompt
from voice.services import CallRecord, Services, ServicesDep, build_services
from voice.settings import REPO_ROOT, VoiceSettings
from voice.spoken import for_the_ear

log = logging.getLogger("voice.app")
STATIC = REPO_ROOT / "voice" / "static"


async def warm_up(services: Services) -> None:
    """Synthesize the greetings now, so the first caller does not wait for them."""
    for language in ("it", "en"):
        for name in ("greeting", "other_language"):
            text = for_the_ear(prompt(name, language, shop=services.shop.shop.name), [], {}, language)
            try:
                await services.speaker.prompt(text, language)
            except Exception:  # the first call will synthesize it instead
                log.exception("could not synthesize a prompt ahead", extra={"prompt": name, "language": language})


def create_app(settings: VoiceSettings | None = None) -> FastAPI:
    settings = settings or VoiceSettings()
    configure_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await asyncio.to_thread(build_services, settings)  # loads the speech models
        app.state.services = services
        audiosocket = AudioSocketServer(services)
        if settings.audiosocket_port:
            await audiosocket.start(settings.voice_host, settings.audiosocket_port)
        await warm_up(services)
        speech = {language: services.recognizers.available(language) for language in ("it", "en")}
        log.info("voice gateway started", extra={"hub": settings.voice_hub_url, "speech": speech})
        yield
        await audiosocket.close()
        await services.close()

    app = FastAPI(title="Checkout assistant voice gateway", lifespan=lifespan)
    app.include_router(twilio.router)
    app.include_router(browser.router)
    app.get("/healthz")(healthz)
    app.get("/metrics")(metrics)
    app.get("/calls")(recent_calls)
    app.get("/phone/", include_in_schema=False)(lambda: FileResponse(STATIC / "phone.html"))
    app.mount("/phone", StaticFiles(directory=STATIC), name="phone")
    app.get("/", include_in_schema=False)(lambda: RedirectResponse("/phone/"))
    return app


async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def recent_calls(services: ServicesDep) -> list[CallRecord]:
    """Calls in progress and the last ones ended, newest first, with their hub conversations."""
    return list(reversed(services.recent_calls))


async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
