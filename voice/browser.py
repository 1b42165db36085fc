"""The browser microphone page (/phone/): a demo caller that needs no telephone line.

WebSocket `/browser/call`. The page sends `{"type": "start", "language": "it"|"en", "rate": <its
sample rate>}` first, then binary frames of 16-bit little-endian mono PCM at that rate (resampled
here to line format), `{"type": "dtmf", "digit": "5"}` and `{"type": "hangup"}`. The gateway
sends binary line-format audio (8 kHz, 16-bit), `{"type": "ready", "language"}`,
`{"type": "clear"}` (barge-in: drop what is queued for playback), `{"type": "caption", "who":
"caller"|"bot"|"agent"|"system", "text", "final"}`, `{"type": "error", "message"}` (a frame was
refused, the call goes on) and `{"type": "hangup"}`. A handoff stays on this line: the caller
talks with the agent through the console (relay).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from voice import metrics
from voice.audio import LINE_RATE, StreamResampler
from voice.call import Call
from voice.line import CallInfo, FrameBuffer, Line
from voice.services import ServicesDep

router = APIRouter()
log = logging.getLogger("voice.browser")
CLOSE_POLICY_VIOLATION = 1008
MAX_AUDIO_MESSAGE_BYTES = 64 * 1024  # a second of 32 kHz audio; pages send 20-100 ms at a time
RATES = range(8000, 192001)
KEYS = "0123456789*#"


class BadMessage(ValueError):
    """A message from the page that cannot be used."""


@router.get("/browser/config")
async def browser_config(services: ServicesDep) -> dict[str, Any]:
    """Which languages the page can offer for speech (Italian needs its Vosk model)."""
    recognizers = services.recognizers
    return {
        "languages": {language: recognizers.available(language) for language in ("it", "en")},
        "default_language": services.settings.voice_language,
        "shop_name": services.shop.shop.name,
    }


@router.websocket("/browser/call")
async def browser_call(websocket: WebSocket, services: ServicesDep) -> None:
    await websocket.accept()
    try:
        start = parse_start(await websocket.receive_text())
    except (BadMessage, KeyError, WebSocketDisconnect, RuntimeError) as error:
        metrics.ERRORS.labels(kind="browser_message").inc()
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(code=CLOSE_POLICY_VIOLATION, reason=str(error)[:120] or "expected start")
        return
    line = BrowserLine(websocket)
    info = CallInfo(f"browser-{uuid.uuid4().hex[:16]}", "browser", start["language"])
    call = Call(line, info, services)
    await line.send_json({"type": "ready", "language": call.language})
    runner = asyncio.create_task(call.run())
    reader = asyncio.create_task(read_messages(websocket, line, call, start["rate"]))
    await asyncio.wait({runner, reader}, return_when=asyncio.FIRST_COMPLETED)
    call.caller_hung_up()
    reader.cancel()
    await asyncio.gather(runner, reader, return_exceptions=True)
    await line.hang_up()


def parse_start(raw: str) -> dict[str, Any]:
    try:
        start = json.loads(raw)
    except ValueError as error:
        raise BadMessage("the first message must be a JSON start message") from error
    if not isinstance(start, dict) or start.get("type") != "start":
        raise BadMessage("the first message must be {type: start, language, rate}")
    if start.get("language") not in ("it", "en"):
        raise BadMessage("language must be 'it' or 'en'")
    if not isinstance(start.get("rate"), int) or start["rate"] not in RATES:
        raise BadMessage("rate must be the page's sample rate in Hz (8000-192000)")
    return start


class BrowserLine(Line):
    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.closed = False

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.send(self.websocket.send_text, json.dumps(message))

    async def send(self, sender: Any, data: Any) -> None:
        if self.closed:
            return
        try:
            await sender(data)
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.closed = True

    async def send_audio(self, frame: bytes) -> None:
        await self.send(self.websocket.send_bytes, frame)

    async def clear(self) -> None:
        await self.send_json({"type": "clear"})

    async def caption(self, who: str, text: str, final: bool) -> None:
        await self.send_json({"type": "caption", "who": who, "text": text, "final": final})

    async def hang_up(self) -> None:
        await self.send_json({"type": "hangup"})
        if not self.closed:
            self.closed = True
            with contextlib.suppress(RuntimeError, OSError):
                await self.websocket.close()


async def read_messages(websocket: WebSocket, line: BrowserLine, call: Call, rate: int) -> None:
    """The page's audio (resampled to line format) and keys into the call, until it hangs up."""
    resampler = StreamResampler(rate, LINE_RATE) if rate != LINE_RATE else None
    frames = FrameBuffer()
    while True:
        try:
            message = await websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            return
        if message["type"] == "websocket.disconnect":
            return
        try:
            if message.get("bytes") is not None:
                audio = page_audio(message["bytes"])
                for frame in frames.push(resampler.process(audio) if resampler else audio):
                    call.hear(frame)
            elif page_command(message.get("text") or "", call) == "hangup":
                return
        except BadMessage as error:
            metrics.ERRORS.labels(kind="browser_message").inc()
            log.warning("bad browser message skipped", extra={"call": call.info.call_id, "error": str(error)})
            await line.send_json({"type": "error", "message": str(error)})


def page_audio(data: bytes) -> bytes:
    if len(data) % 2:
        raise BadMessage(f"audio must be 16-bit samples: {len(data)} bytes is an odd number")
    if len(data) > MAX_AUDIO_MESSAGE_BYTES:
        raise BadMessage(f"audio messages are at most {MAX_AUDIO_MESSAGE_BYTES} bytes")
    return data


def page_command(raw: str, call: Call) -> str:
    try:
        command = json.loads(raw)
    except ValueError as error:
        raise BadMessage("text messages are JSON objects") from error
    kind = command.get("type") if isinstance(command, dict) else None
    if kind == "dtmf":
        digit = command.get("digit")
        if not isinstance(digit, str) or len(digit) != 1 or digit not in KEYS:
            raise BadMessage("dtmf needs one digit of 0-9, * or #")
        call.key(digit)
    elif kind != "hangup":
        raise BadMessage(f"unknown message type {kind!r}")
    return kind
