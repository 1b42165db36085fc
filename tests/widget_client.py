"""A test stand-in for the widget: opens a session over HTTP and speaks the WebSocket protocol
of bot/PROTOCOL.md."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect


class FrameSocket:
    """A JSON-frame WebSocket whose every received frame is kept in `frames`."""

    def __init__(self) -> None:
        self.ws: ClientConnection | None = None
        self.frames: list[dict[str, Any]] = []

    async def send_frame(self, frame: dict[str, Any] | str) -> None:
        await self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def until(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30) -> dict[str, Any]:
        """Read frames until one matches."""
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.ws.recv())
                self.frames.append(frame)
                if predicate(frame):
                    return frame


class WidgetClient(FrameSocket):
    def __init__(self, hub_url: str, token: str | None = None) -> None:
        super().__init__()
        self.hub_url = hub_url
        self.token = token

    async def open_session(self, language: str | None = None) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.hub_url) as http:
            response = await http.post("/api/session", json={"token": self.token, "language": language})
        response.raise_for_status()
        session = response.json()
        self.token = session["token"]
        return session

    async def connect(self, after_seq: int = 0, origin: str | None = None) -> WidgetClient:
        if self.token is None:
            await self.open_session()
        url = self.hub_url.replace("http", "ws", 1) + f"/ws/chat?token={self.token}"
        self.ws = await connect(url, origin=origin)
        await self.send_frame({"type": "hello", "after_seq": after_seq})
        return self

    async def say(self, text: str, client_id: str | None = None, **metadata: Any) -> str:
        client_id = client_id or uuid.uuid4().hex
        await self.send_frame({"type": "message", "id": client_id, "text": text, "metadata": metadata})
        return client_id

    async def turn(self, text: str, timeout: float = 30, **metadata: Any) -> list[dict[str, Any]]:
        """Say something; the bot's messages of that turn (until typing stops)."""
        start = len(self.frames)
        await self.say(text, **metadata)
        await self.until(lambda f: f.get("type") == "typing" and f["on"] is False, timeout)
        return [f for f in self.frames[start:] if f.get("type") == "message" and f["role"] == "bot"]

    def messages(self) -> list[dict[str, Any]]:
        return [f for f in self.frames if f.get("type") == "message"]

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
