"""The hub conversation of one call: the gateway is a client of the widget protocol
(bot/PROTOCOL.md sections 1-3), so transcripts, handoff and metrics are shared with chat.

If the hub restarts mid-call the client reconnects and says `hello` with the last seq it saw,
and sends again every caller message the hub had not acknowledged (same client ids, so the
hub stores and answers each once): nothing is lost either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

log = logging.getLogger("voice.hub")
FIRST_RETRY_DELAY = 0.25
MAX_RETRY_DELAY = 3.0
HUB_LOST = {"type": "hub_lost"}  # put in the frame queue when the hub stays unreachable
CLOSE_BAD_TOKEN = 4401  # the hub refuses the session: reconnecting cannot help


class HubUnavailable(Exception):
    """The hub could not be reached to open the call's conversation."""


class HubConversation:
    def __init__(self, hub_url: str, reconnect_seconds: float = 60.0) -> None:
        self.hub_url = hub_url.rstrip("/")
        self.reconnect_seconds = reconnect_seconds
        self.token: str | None = None
        self.conversation_id: str | None = None
        self.last_seq = 0
        self.unacked: dict[str, dict[str, Any]] = {}  # client id -> message frame, in sending order
        self.frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task | None = None
        self.closing = False

    async def open(self, language: str) -> str:
        """Start the conversation; its id. Raises HubUnavailable."""
        try:
            async with httpx.AsyncClient(base_url=self.hub_url, timeout=10) as http:
                response = await http.post("/api/session", json={"token": None, "language": language})
                response.raise_for_status()
        except httpx.HTTPError as error:
            raise HubUnavailable(f"POST /api/session: {error!r}") from error
        session = response.json()
        self.token, self.conversation_id = session["token"], session["conversation_id"]
        try:
            await self.connect()
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as error:
            raise HubUnavailable(f"/ws/chat: {error!r}") from error
        self.reader = asyncio.create_task(self.read_frames())
        return self.conversation_id

    async def connect(self) -> None:
        url = self.hub_url.replace("http", "ws", 1) + f"/ws/chat?token={self.token}"
        self.ws = await connect(url, open_timeout=5)
        await self.ws.send(json.dumps({"type": "hello", "after_seq": self.last_seq}))
        for frame in list(self.unacked.values()):
            await self.ws.send(json.dumps(frame))

    async def say(self, text: str, metadata: dict[str, Any]) -> str:
        """Send a caller message (text or keypad digits); its client id."""
        client_id = uuid.uuid4().hex
        frame = {"type": "message", "id": client_id, "text": text, "metadata": metadata}
        self.unacked[client_id] = frame
        if self.ws is not None:
            with contextlib.suppress(ConnectionClosed):  # sent again after the reconnect
                await self.ws.send(json.dumps(frame))
        return client_id

    async def next_frame(self) -> dict[str, Any]:
        """The next frame from the hub (entries in seq order, each once), or HUB_LOST."""
        return await self.frames.get()

    async def read_frames(self) -> None:
        while True:
            try:
                async for raw in self.ws:
                    self.take(json.loads(raw))
            except ConnectionClosed:
                pass
            if self.closing:
                return
            if self.ws.close_code == CLOSE_BAD_TOKEN:
                log.error("hub refused the session", extra={"conversation": self.conversation_id})
                self.frames.put_nowait(HUB_LOST)
                return
            log.warning("hub connection lost, reconnecting", extra={"conversation": self.conversation_id})
            if not await self.reconnect():
                self.frames.put_nowait(HUB_LOST)
                return

    def take(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "message":
            if frame["seq"] <= self.last_seq:
                return
            self.last_seq = frame["seq"]
        elif kind == "ack" or (kind == "error" and frame.get("id")):
            self.unacked.pop(frame.get("id"), None)
        self.frames.put_nowait(frame)

    async def reconnect(self) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reconnect_seconds
        delay = FIRST_RETRY_DELAY
        while loop.time() < deadline and not self.closing:
            await asyncio.sleep(delay)
            try:
                await self.connect()
                log.info("hub connection back", extra={"conversation": self.conversation_id, "seq": self.last_seq})
                return True
            except (OSError, InvalidHandshake, TimeoutError, ConnectionClosed):
                delay = min(delay * 2, MAX_RETRY_DELAY)
        return False

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader
