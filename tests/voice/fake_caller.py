"""Fake callers: what a telephony provider would send the gateway for one call, in real time.

A caller's line carries a 20 ms frame every 20 ms (speech while the caller talks, silence
otherwise), like a real phone line, and records every frame of bot audio with the time it
arrived. Twilio's side is played from its documentation: the signed incoming-call webhook, then
the Media Streams events the TwiML asks for. Asterisk's side is the AudioSocket TLV stream.
The signatures are computed here, independently of the gateway's code.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import struct
import time
import uuid
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass
from xml.etree import ElementTree

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from voice.audio import FRAME_BYTES, pcm16_to_ulaw, split_frames, ulaw_to_pcm16

FRAME_SECONDS = 0.02
SILENT_FRAME = bytes(FRAME_BYTES)


@dataclass(frozen=True)
class BotFrame:
    at: float  # time.monotonic() of arrival
    pcm: bytes  # line format
    wire_bytes: int  # size of the audio as the protocol carried it (mu-law bytes for Twilio)


@dataclass(frozen=True)
class Reply:
    frames: list[BotFrame]

    @property
    def audio(self) -> bytes:
        return b"".join(frame.pcm for frame in self.frames)

    @property
    def first_at(self) -> float:
        return self.frames[0].at

    @property
    def seconds(self) -> float:
        return len(self.audio) / 16000


class FakeCaller(ABC):
    def __init__(self) -> None:
        self.to_say: deque[tuple[bytes, asyncio.Future | None]] = deque()
        self.bot_frames: list[BotFrame] = []
        self.clears: list[float] = []
        self.hung_up = asyncio.Event()  # the gateway ended the call (or the connection)
        self.frame_arrived = asyncio.Event()
        self.tasks: list[asyncio.Task] = []

    # -- the protocol ----------------------------------------------------------------------

    @abstractmethod
    async def dial(self) -> FakeCaller: ...

    @abstractmethod
    async def send_audio(self, frame: bytes) -> None: ...

    @abstractmethod
    async def send_key(self, key: str) -> None: ...

    @abstractmethod
    async def receive(self) -> None: ...

    @abstractmethod
    async def hang_up(self) -> None: ...

    # -- the line ----------------------------------------------------------------------------

    def start_line(self) -> None:
        self.tasks = [asyncio.create_task(self.pace()), asyncio.create_task(self.receive_until_closed())]

    async def pace(self) -> None:
        """One frame every 20 ms, on a clock that does not drift."""
        loop = asyncio.get_running_loop()
        due = loop.time()
        while not self.hung_up.is_set():
            frame, spoken = self.to_say.popleft() if self.to_say else (SILENT_FRAME, None)
            try:
                await self.send_audio(frame)
            except (ConnectionClosed, ConnectionError):
                self.hung_up.set()
                return
            if spoken is not None:
                spoken.set_result(time.monotonic())
            due += FRAME_SECONDS
            await asyncio.sleep(max(0.0, due - loop.time()))

    async def receive_until_closed(self) -> None:
        with contextlib.suppress(ConnectionClosed, ConnectionError, asyncio.IncompleteReadError):
            await self.receive()
        self.hung_up.set()

    def record(self, pcm: bytes, wire_bytes: int) -> None:
        self.bot_frames.append(BotFrame(time.monotonic(), pcm, wire_bytes))
        self.frame_arrived.set()

    def start_saying(self, pcm: bytes) -> asyncio.Future:
        """Queue speech on the line; the future gets the time its last frame was sent."""
        spoken = asyncio.get_running_loop().create_future()
        frames = split_frames(pcm)
        self.to_say.extend((frame, None) for frame in frames[:-1])
        self.to_say.append((frames[-1], spoken))
        return spoken

    async def say(self, pcm: bytes) -> float:
        """Speak, in real time; the time the caller stopped."""
        return await self.start_saying(pcm)

    async def press(self, keys: str, gap: float = 0.25) -> float:
        for key in keys:
            await self.send_key(key)
            await asyncio.sleep(gap)
        return time.monotonic()

    async def bot_reply(self, since: float = 0.0, timeout: float = 60, quiet: float = 1.5) -> Reply:
        """The bot audio that began after `since`: from its first frame until the bot has been
        silent (no frames) for `quiet` seconds."""
        async with asyncio.timeout(timeout):
            while not any(frame.at > since for frame in self.bot_frames):
                if self.hung_up.is_set():
                    raise AssertionError("the call ended before the bot spoke")
                await self.next_frame(timeout=0.5)
            while await self.next_frame(timeout=quiet):
                pass
        return Reply([frame for frame in self.bot_frames if frame.at > since])

    async def bot_talking(self, for_seconds: float, since: float = 0.0, timeout: float = 60) -> None:
        """Wait until the bot has been talking for `for_seconds` (audio received after `since`)."""
        async with asyncio.timeout(timeout):
            while len([frame for frame in self.bot_frames if frame.at > since]) * FRAME_SECONDS < for_seconds:
                await self.next_frame(timeout=0.5)

    async def next_frame(self, timeout: float) -> bool:
        """Wait for the next frame of bot audio; False if none came within `timeout` seconds."""
        self.frame_arrived.clear()
        try:
            await asyncio.wait_for(self.frame_arrived.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        if not self.hung_up.is_set():
            await self.hang_up()
        self.hung_up.set()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def twilio_signature(auth_token: str, url: str, params: dict[str, str] | None = None) -> str:
    """As Twilio documents it: HMAC-SHA1 over the URL and the POST parameters sorted by name."""
    signed = url + "".join(name + value for name, value in sorted((params or {}).items()))
    return base64.b64encode(hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


class TwilioCaller(FakeCaller):
    """Twilio's side: the incoming-call webhook, then a Media Streams WebSocket."""

    def __init__(self, gateway_url: str, auth_token: str, to: str, caller: str = "+447700900123") -> None:
        super().__init__()
        self.gateway_url = gateway_url
        self.auth_token = auth_token
        self.to = to
        self.caller = caller
        self.account_sid = "AC" + "0" * 31 + "1"
        self.call_sid = "CA" + uuid.uuid4().hex
        self.stream_sid = "MZ" + uuid.uuid4().hex
        self.ws: ClientConnection | None = None
        self.sequence = 0
        self.media_chunk = 0
        self.marks: list[str] = []
        self.twiml = ""

    async def dial(self) -> TwilioCaller:
        stream_url, parameters = await self.incoming_call_webhook()
        signature = twilio_signature(self.auth_token, stream_url)
        self.ws = await connect(stream_url, additional_headers={"X-Twilio-Signature": signature})
        await self.send_event({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await self.send_event(
            {
                "event": "start",
                "start": {
                    "accountSid": self.account_sid,
                    "streamSid": self.stream_sid,
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                    "customParameters": parameters,
                },
            }
        )
        self.start_line()
        return self

    async def incoming_call_webhook(self) -> tuple[str, dict[str, str]]:
        """POST the call to /twilio/voice as Twilio does; the stream URL and parameters of the TwiML."""
        url = f"{self.gateway_url}/twilio/voice"
        form = {
            "CallSid": self.call_sid,
            "AccountSid": self.account_sid,
            "From": self.caller,
            "To": self.to,
            "CallStatus": "ringing",
            "Direction": "inbound",
        }
        headers = {"X-Twilio-Signature": twilio_signature(self.auth_token, url, form)}
        async with httpx.AsyncClient() as http:
            response = await http.post(url, data=form, headers=headers)
        response.raise_for_status()
        self.twiml = response.text
        stream = ElementTree.fromstring(response.text).find("./Connect/Stream")
        parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
        return stream.get("url"), parameters

    async def send_event(self, event: dict) -> None:
        self.sequence += 1
        if event["event"] != "connected":
            event = {**event, "sequenceNumber": str(self.sequence), "streamSid": self.stream_sid}
        await self.ws.send(json.dumps(event))

    async def send_raw(self, text: str) -> None:
        await self.ws.send(text)

    async def send_audio(self, frame: bytes) -> None:
        self.media_chunk += 1
        payload = base64.b64encode(pcm16_to_ulaw(frame)).decode()
        media = {
            "track": "inbound",
            "chunk": str(self.media_chunk),
            "timestamp": str(self.media_chunk * 20),
            "payload": payload,
        }
        await self.send_event({"event": "media", "media": media})

    async def send_key(self, key: str) -> None:
        await self.send_event({"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": key}})

    async def receive(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if message["event"] == "media":
                ulaw = base64.b64decode(message["media"]["payload"])
                self.record(ulaw_to_pcm16(ulaw), len(ulaw))
            elif message["event"] == "clear":
                self.clears.append(time.monotonic())
            elif message["event"] == "mark":
                self.marks.append(message["mark"]["name"])
                await self.send_event({"event": "mark", "mark": message["mark"]})  # played (we keep no buffer)

    async def hang_up(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self.send_event(
                    {"event": "stop", "stop": {"accountSid": self.account_sid, "callSid": self.call_sid}}
                )
            await self.ws.close()


AUDIOSOCKET = struct.Struct(">BH")
HANGUP, UUID, DTMF, AUDIO = 0x00, 0x01, 0x03, 0x10


def tlv(kind: int, payload: bytes = b"") -> bytes:
    return AUDIOSOCKET.pack(kind, len(payload)) + payload


class AudioSocketCaller(FakeCaller):
    """Asterisk's side of AudioSocket: the call's UUID, then TLV frames both ways."""

    def __init__(self, port: int, call_uuid: str | None = None) -> None:
        super().__init__()
        self.port = port
        self.call_uuid = call_uuid or str(uuid.uuid4())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.hangup_received = False

    async def dial(self) -> AudioSocketCaller:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        await self.send_raw(tlv(UUID, uuid.UUID(self.call_uuid).bytes))
        self.start_line()
        return self

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send_audio(self, frame: bytes) -> None:
        await self.send_raw(tlv(AUDIO, frame))

    async def send_key(self, key: str) -> None:
        await self.send_raw(tlv(DTMF, key.encode()))

    async def receive(self) -> None:
        while True:
            kind, length = AUDIOSOCKET.unpack(await self.reader.readexactly(AUDIOSOCKET.size))
            payload = await self.reader.readexactly(length)
            if kind == AUDIO:
                self.record(payload, len(payload))
            elif kind == HANGUP:
                self.hangup_received = True
                return

    async def hang_up(self) -> None:
        if self.writer is not None and not self.writer.is_closing():
            with contextlib.suppress(ConnectionError):
                await self.send_raw(tlv(HANGUP))
            self.writer.close()
