"""Twilio Media Streams: the incoming-call webhook answers with TwiML that connects a
bidirectional stream to `/twilio/stream`, where Twilio sends JSON events (`connected`, `start`,
`media` = base64 8 kHz mu-law 20 ms frames, `dtmf`, `mark`, `stop`) and takes `media`, `mark`
and `clear` back.

With TWILIO_AUTH_TOKEN set, both the webhook and the stream's handshake must carry a valid
X-Twilio-Signature (HMAC-SHA1 of the URL and the sorted form parameters, as Twilio documents):
otherwise anyone could start calls, or name someone else's call for a transfer.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree

from fastapi import APIRouter, HTTPException, Request, Response, WebSocket, WebSocketDisconnect
from starlette.requests import HTTPConnection

from voice import metrics
from voice.audio import pcm16_to_ulaw, ulaw_to_pcm16
from voice.call import Call
from voice.line import CallInfo, FrameBuffer, Line
from voice.services import Services, ServicesDep
from voice.transfer import TransferFailed

router = APIRouter()
log = logging.getLogger("voice.twilio")
STREAM_PATH = "/twilio/stream"
CLOSE_POLICY_VIOLATION = 1008
STOP_AFTER_TRANSFER_SECONDS = 10.0  # Twilio ends the stream itself once the call is redirected


class BadEvent(ValueError):
    """A Media Streams message that cannot be used (not JSON, bad fields, bad base64)."""


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]] = ()) -> str:
    """X-Twilio-Signature of a request to `url` with these form parameters."""
    signed = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signed_by_twilio(services: Services, connection: HTTPConnection, params: Iterable[tuple[str, str]] = ()) -> bool:
    token = services.settings.twilio_auth_token
    if not token:
        return True
    expected = twilio_signature(token, public_url(services, connection), params)
    return hmac.compare_digest(expected, connection.headers.get("x-twilio-signature", ""))


def public_url(services: Services, connection: HTTPConnection, path: str | None = None) -> str:
    """The URL Twilio uses for `path` on this server (default: this request's own URL): on
    VOICE_PUBLIC_URL's origin when set (behind a proxy the request's own host is not Twilio's),
    ws(s):// for the stream."""
    base = services.settings.voice_public_url or f"{connection.url.scheme}://{connection.url.netloc}"
    if path is None:
        path = connection.url.path + (f"?{connection.url.query}" if connection.url.query else "")
    if path.startswith(STREAM_PATH):
        base = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    else:
        base = base.replace("wss://", "https://", 1).replace("ws://", "http://", 1)
    return base.rstrip("/") + path


def connect_stream_twiml(stream_url: str, parameters: dict[str, str]) -> str:
    response = ElementTree.Element("Response")
    stream = ElementTree.SubElement(ElementTree.SubElement(response, "Connect"), "Stream", url=stream_url)
    for name, value in parameters.items():
        ElementTree.SubElement(stream, "Parameter", name=name, value=value)
    return '<?xml version="1.0" encoding="UTF-8"?>' + ElementTree.tostring(response, encoding="unicode")


@router.post("/twilio/voice")
async def incoming_call(request: Request, services: ServicesDep) -> Response:
    # Twilio posts application/x-www-form-urlencoded (no multipart parser needed)
    params = parse_qsl((await request.body()).decode(errors="replace"), keep_blank_values=True)
    if not signed_by_twilio(services, request, params):
        metrics.ERRORS.labels(kind="twilio_signature").inc()
        raise HTTPException(status_code=403, detail="invalid X-Twilio-Signature")
    form = dict(params)
    caller = {"to": form.get("To", ""), "from": form.get("From", "")}
    stream_url = public_url(services, request, STREAM_PATH)
    return Response(connect_stream_twiml(stream_url, caller), media_type="application/xml")


@router.websocket(STREAM_PATH)
async def media_stream(websocket: WebSocket, services: ServicesDep) -> None:
    await websocket.accept()
    if not signed_by_twilio(services, websocket):
        metrics.ERRORS.labels(kind="twilio_signature").inc()
        await websocket.close(code=CLOSE_POLICY_VIOLATION, reason="invalid X-Twilio-Signature")
        return
    await TwilioStream(websocket, services).run()


class TwilioLine(Line):
    def __init__(self, websocket: WebSocket, stream_sid: str, call_sid: str, services: Services) -> None:
        self.websocket = websocket
        self.stream_sid = stream_sid
        self.call_sid = call_sid
        self.services = services
        self.closed = False
        self.transferred = False

    async def send(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        try:
            await self.websocket.send_text(json.dumps({**message, "streamSid": self.stream_sid}))
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.closed = True  # the caller is gone; the call loop learns it from the reader

    async def send_audio(self, frame: bytes) -> None:
        await self.send({"event": "media", "media": {"payload": base64.b64encode(pcm16_to_ulaw(frame)).decode()}})

    async def clear(self) -> None:
        await self.send({"event": "clear"})

    async def mark(self, name: str) -> None:
        await self.send({"event": "mark", "mark": {"name": name}})

    async def hang_up(self) -> None:
        # <Connect><Stream> is the last TwiML verb: when the stream closes, Twilio ends the call
        if not self.closed:
            self.closed = True
            with contextlib.suppress(RuntimeError, OSError):
                await self.websocket.close()

    @property
    def can_transfer(self) -> bool:
        return self.services.twilio is not None and bool(self.services.settings.voice_transfer_number)

    async def transfer(self) -> bool:
        if not self.can_transfer:
            return False
        try:
            await self.services.twilio.dial(self.call_sid, self.services.settings.voice_transfer_number)
        except TransferFailed as error:
            log.error("transfer failed", extra={"call": self.call_sid, "error": str(error)})
            metrics.ERRORS.labels(kind="transfer").inc()
            return False
        self.transferred = True
        return True


class TwilioStream:
    """One Media Streams connection: events in, a Call in the middle, audio out."""

    def __init__(self, websocket: WebSocket, services: Services) -> None:
        self.websocket = websocket
        self.services = services
        self.frames = FrameBuffer()

    async def run(self) -> None:
        start = await self.until_start()
        if start is None:
            return
        line = TwilioLine(self.websocket, start["streamSid"], start["callSid"], self.services)
        parameters = start.get("customParameters") or {}
        called = parameters.get("to") or None
        info = CallInfo(start["callSid"], "twilio", self.services.settings.language_of_number(called), called)
        call = Call(line, info, self.services)
        runner = asyncio.create_task(call.run())
        reader = asyncio.create_task(self.read_events(call))
        await asyncio.wait({runner, reader}, return_when=asyncio.FIRST_COMPLETED)
        if reader.done():
            call.caller_hung_up()
        elif line.transferred:
            await asyncio.wait({reader}, timeout=STOP_AFTER_TRANSFER_SECONDS)
        reader.cancel()
        await asyncio.gather(runner, reader, return_exceptions=True)
        await line.hang_up()

    async def until_start(self) -> dict[str, Any] | None:
        """The `start` event's payload; None if the stream ends first."""
        while True:
            message = await self.next_event()
            if message is None:
                return None
            if message.get("event") == "start":
                try:
                    return parse_start(message)
                except BadEvent as error:
                    await self.refuse(error)
                    return None
            if message.get("event") == "stop":
                return None

    async def read_events(self, call: Call) -> None:
        """Caller audio and keys into the call, until `stop` or the socket closes."""
        while (message := await self.next_event()) is not None:
            event = message.get("event")
            try:
                if event == "media":
                    for frame in self.frames.push(media_audio(message)):
                        call.hear(frame)
                elif event == "dtmf":
                    call.key(dtmf_digit(message))
                elif event == "stop":
                    return
                elif event not in ("mark", "connected"):
                    raise BadEvent(f"unknown event {event!r}")
            except BadEvent as error:
                self.skip(error)

    async def next_event(self) -> dict[str, Any] | None:
        """The next JSON event (malformed ones are logged and skipped); None when the socket closes."""
        while True:
            try:
                message = await self.websocket.receive()
            except (WebSocketDisconnect, RuntimeError):
                return None
            if message["type"] == "websocket.disconnect":
                return None
            try:
                event = json.loads(message.get("text") or "")
                if not isinstance(event, dict):
                    raise ValueError("not an object")
                return event
            except ValueError as error:
                self.skip(BadEvent(f"not a JSON event: {error}"))

    def skip(self, error: BadEvent) -> None:
        metrics.ERRORS.labels(kind="twilio_event").inc()
        log.warning("bad Media Streams event skipped", extra={"error": str(error)})

    async def refuse(self, error: BadEvent) -> None:
        metrics.ERRORS.labels(kind="twilio_event").inc()
        log.warning("stream refused", extra={"error": str(error)})
        await self.websocket.close(code=CLOSE_POLICY_VIOLATION, reason=str(error)[:120])


def parse_start(message: dict[str, Any]) -> dict[str, Any]:
    start = message.get("start")
    if not isinstance(start, dict):
        raise BadEvent("start event without a start object")
    start = {**start, "streamSid": start.get("streamSid") or message.get("streamSid")}
    if not all(isinstance(start.get(key), str) and start[key] for key in ("streamSid", "callSid")):
        raise BadEvent("start event without streamSid and callSid")
    media_format = start.get("mediaFormat") or {}
    if media_format and (media_format.get("encoding"), media_format.get("sampleRate")) != ("audio/x-mulaw", 8000):
        raise BadEvent(f"unsupported media format {media_format}")
    return start


def media_audio(message: dict[str, Any]) -> bytes:
    """The caller's audio of a `media` event, as line-format PCM."""
    media = message.get("media")
    if not isinstance(media, dict) or not isinstance(media.get("payload"), str):
        raise BadEvent("media event without a payload")
    try:
        ulaw = base64.b64decode(media["payload"], validate=True)
    except binascii.Error as error:
        raise BadEvent(f"media payload is not base64: {error}") from error
    return ulaw_to_pcm16(ulaw)


def dtmf_digit(message: dict[str, Any]) -> str:
    dtmf = message.get("dtmf")
    digit = dtmf.get("digit") if isinstance(dtmf, dict) else None
    if not isinstance(digit, str) or len(digit) != 1 or digit not in "0123456789*#ABCD":
        raise BadEvent(f"dtmf event without a valid digit: {digit!r}")
    return digit
