"""What every call of one gateway process shares: settings, the speech models (loaded once),
the speaker, and the providers' call-control clients."""

from __future__ import annotations

import sys
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

import httpx
from fastapi import Depends
from starlette.requests import HTTPConnection

from voice.settings import REPO_ROOT, VoiceSettings
from voice.stt import Recognizers
from voice.transfer import AsteriskARI, TwilioCalls
from voice.tts import Speaker

sys.path.insert(0, str(REPO_ROOT))  # actions.shop: the one reader of shop.yml

from actions.shop import Shop, parse_shop  # noqa: E402

RECENT_CALLS = 100


@dataclass
class CallRecord:
    """What an operator needs to find a call's transcript: its hub conversation (GET /calls)."""

    call_id: str
    provider: str
    language: str
    conversation_id: str
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    ended_at: str | None = None
    end_reason: str | None = None

    def ended(self, reason: str) -> None:
        self.ended_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.end_reason = reason


@dataclass
class Services:
    settings: VoiceSettings
    recognizers: Recognizers
    speaker: Speaker
    shop: Shop  # shop.yml: the name for the greeting, the support email
    http: httpx.AsyncClient
    twilio: TwilioCalls | None  # None: Twilio credentials not configured
    asterisk: AsteriskARI | None  # None: ARI not configured
    recent_calls: deque[CallRecord] = field(default_factory=lambda: deque(maxlen=RECENT_CALLS))

    async def close(self) -> None:
        self.speaker.close()
        await self.http.aclose()


def build_services(settings: VoiceSettings) -> Services:
    http = httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=3.0))
    twilio = None
    if settings.twilio_account_sid and settings.twilio_auth_token:
        twilio = TwilioCalls(http, settings.twilio_api_url, settings.twilio_account_sid, settings.twilio_auth_token)
    asterisk = None
    if settings.ari_url:
        asterisk = AsteriskARI(http, settings.ari_url, settings.ari_username or "", settings.ari_password or "")
    return Services(
        settings=settings,
        recognizers=Recognizers(settings.vosk_models()),
        speaker=Speaker(settings.tts_voices(), settings.tts_rate, settings.tts_cache_dir),
        shop=parse_shop(settings.shop_file),
        http=http,
        twilio=twilio,
        asterisk=asterisk,
    )


def services_of(connection: HTTPConnection) -> Services:
    return connection.app.state.services


ServicesDep = Annotated[Services, Depends(services_of)]
