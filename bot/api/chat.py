"""The widget's endpoints: session, widget configuration, and the chat WebSocket
(bot/PROTOCOL.md)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect
from pydantic import BaseModel

from bot import metrics
from bot.api.deps import Hub, HubDep, WebSocketHubDep
from bot.handoff import HandoffError

router = APIRouter()
log = logging.getLogger("bot.chat")
CLOSE_BAD_TOKEN = 4401
CLOSE_BAD_ORIGIN = 4403


class SessionRequest(BaseModel):
    token: str | None = None
    language: Literal["it", "en"] | None = None


class SessionResponse(BaseModel):
    token: str
    conversation_id: str
    expires_in: int
    resumed: bool


@router.post("/api/session")
async def open_session(body: SessionRequest, request: Request, hub: HubDep) -> SessionResponse:
    conversation_id = hub.tokens.conversation_of(body.token)
    resumed = conversation_id is not None
    if not resumed:
        if not await hub.rate_limits.allow_new_session(client_ip(request)):
            raise HTTPException(status_code=429, detail="too many new conversations from this address")
        conversation_id = hub.tokens.new_conversation_id()
        metrics.CONVERSATIONS.inc()
    return SessionResponse(
        token=hub.tokens.issue(conversation_id),
        conversation_id=conversation_id,
        expires_in=hub.settings.session_ttl_seconds,
        resumed=resumed,
    )


@router.get("/api/widget-config")
async def widget_config(hub: HubDep, lang: Literal["it", "en"] = "it") -> dict[str, Any]:
    offers = hub.shop.widget.proactive
    return {
        "languages": hub.shop.shop.languages,
        "shop_name": hub.shop.shop.name,
        "proactive": [
            {"id": o.id, "trigger": o.trigger, "step": o.step, "seconds": o.seconds, "text": o.text.get(lang)}
            for o in offers
        ],
    }


def client_ip(connection: Request | WebSocket) -> str:
    return connection.client.host if connection.client else "unknown"


def origin_allowed(hub: Hub, origin: str | None) -> bool:
    allowed = hub.settings.hub_allowed_origins
    return origin is None or "*" in allowed or origin in allowed


@router.websocket("/ws/chat")
async def chat(websocket: WebSocket, hub: WebSocketHubDep, token: str = "") -> None:
    # Accept first so the widget gets a close code it can act on (a refused handshake is just 403).
    await websocket.accept()
    if not origin_allowed(hub, websocket.headers.get("origin")):
        await websocket.close(code=CLOSE_BAD_ORIGIN, reason="origin not allowed")
        return
    conversation_id = hub.tokens.conversation_of(token)
    if conversation_id is None:
        await websocket.close(code=CLOSE_BAD_TOKEN, reason="bad or expired session token")
        return
    metrics.WEBSOCKETS.inc()
    try:
        await ChatConnection(hub, websocket, conversation_id).run()
    except WebSocketDisconnect:
        pass
    finally:
        metrics.WEBSOCKETS.dec()


class ChatConnection:
    """One open widget: replays what it missed, then forwards live events and shopper frames."""

    def __init__(self, hub: Hub, websocket: WebSocket, conversation_id: str) -> None:
        self.hub = hub
        self.websocket = websocket
        self.conversation_id = conversation_id
        self.last_seq_sent = 0

    async def run(self) -> None:
        async with self.hub.store.subscribe(self.conversation_id) as events:
            forward = asyncio.create_task(self.forward(events))
            try:
                await self.receive_frames()
            finally:
                forward.cancel()

    async def send_entry_frames(self, frames: list[dict[str, Any]]) -> None:
        """Send transcript frames in seq order, each exactly once per connection."""
        for frame in frames:
            if frame.get("type") == "message":
                if frame["seq"] <= self.last_seq_sent:
                    continue
                self.last_seq_sent = frame["seq"]
            await self.websocket.send_json(frame)

    async def forward(self, events: Any) -> None:
        async for event in events:
            if event.get("type") == "typing" and event.get("who") == "shopper":
                continue  # meant for the agent
            if event.get("type") == "message" and event["seq"] > self.last_seq_sent + 1:
                missed = await self.hub.store.entries_after(self.conversation_id, self.last_seq_sent)
                await self.send_entry_frames([entry.frame() for entry in missed])
            await self.send_entry_frames([event])

    async def receive_frames(self) -> None:
        while True:
            raw = await self.websocket.receive_text()
            reply = await self.handle(raw)
            if reply is not None:
                await self.websocket.send_json(reply)

    async def handle(self, raw: str) -> dict[str, Any] | None:
        """The direct answer to one frame (ack, pong, error), or None."""
        try:
            frame = parse_frame(raw, self.hub.settings.max_frame_bytes)
        except BadFrame as error:
            return refuse(error.code, str(error))
        kind = frame.get("type")
        if kind == "hello":
            after = frame.get("after_seq", 0)
            if not isinstance(after, int) or after < 0:
                return refuse("bad_frame", "after_seq must be a non-negative integer")
            entries = await self.hub.store.entries_after(self.conversation_id, after)
            self.last_seq_sent = max(self.last_seq_sent, after)
            await self.send_entry_frames([entry.frame() for entry in entries])
            handoff = await self.hub.handoffs.get(self.conversation_id)
            return await self.hub.handoffs.shopper_frame(handoff) if handoff else None
        if kind == "message":
            return await self.handle_message(frame)
        if kind == "csat":
            return await self.handle_csat(frame)
        if kind == "typing":
            return await self.handle_typing(frame)
        if kind == "ticket":
            return await self.handle_ticket(frame)
        if kind == "leave_queue":
            return await self.handle_leave_queue()
        if kind == "ping":
            return {"type": "pong"}
        return refuse("bad_frame", f"unknown frame type {kind!r}")

    async def handle_message(self, frame: dict[str, Any]) -> dict[str, Any]:
        client_id, text, metadata = frame.get("id"), frame.get("text"), frame.get("metadata") or {}
        if not isinstance(client_id, str) or not 0 < len(client_id) <= 100:
            return refuse("bad_frame", "a message needs an id (a unique string of at most 100 characters)")
        if not isinstance(text, str) or not isinstance(metadata, dict):
            return refuse("bad_frame", "text must be a string and metadata an object", client_id)
        text = text.strip()
        if not text:
            return refuse("empty", "the message is empty", client_id)
        if len(text) > self.hub.settings.max_message_chars:
            return refuse(
                "too_long", f"messages are at most {self.hub.settings.max_message_chars} characters", client_id
            )
        if not await self.hub.rate_limits.allow_message(self.conversation_id, client_ip(self.websocket)):
            return refuse("rate_limited", "too many messages, wait a moment", client_id)
        return await self.hub.conversations.receive(self.conversation_id, client_id, text, metadata)

    async def handle_csat(self, frame: dict[str, Any]) -> dict[str, Any]:
        score = frame.get("score")
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            return refuse("bad_frame", "score must be an integer from 1 to 5")
        await self.hub.store.save_csat(self.conversation_id, score)
        return {"type": "ack", "id": "csat", "seq": None, "duplicate": False}

    async def handle_typing(self, frame: dict[str, Any]) -> dict[str, Any] | None:
        if not isinstance(frame.get("on"), bool):
            return refuse("bad_frame", "typing needs on: true or false")
        if await self.hub.handoffs.with_a_person(self.conversation_id):
            await self.hub.store.publish(self.conversation_id, {"type": "typing", "who": "shopper", "on": frame["on"]})
        return None

    async def handle_ticket(self, frame: dict[str, Any]) -> dict[str, Any]:
        email, description = frame.get("email"), frame.get("description")
        if not isinstance(email, str) or not isinstance(description, str):
            return refuse("bad_frame", "a ticket needs email and description strings", "ticket")
        try:
            ticket = await self.hub.handoffs.open_ticket(self.conversation_id, email, description)
        except (HandoffError, ValueError) as error:
            return refuse("bad_frame", str(error), "ticket")
        return {"type": "ack", "id": "ticket", "seq": None, "duplicate": False, "ticket": ticket.number}

    async def handle_leave_queue(self) -> dict[str, Any]:
        try:
            await self.hub.handoffs.leave_queue(self.conversation_id)
        except HandoffError as error:
            return refuse("bad_frame", str(error), "leave_queue")
        return {"type": "ack", "id": "leave_queue", "seq": None, "duplicate": False}


class BadFrame(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_frame(raw: str, max_bytes: int) -> dict[str, Any]:
    """A client's WebSocket frame as a JSON object; BadFrame says why it is not one."""
    if len(raw.encode()) > max_bytes:
        raise BadFrame("too_long", f"frame larger than {max_bytes} bytes")
    try:
        frame = json.loads(raw)
    except json.JSONDecodeError:
        frame = None
    if not isinstance(frame, dict):
        raise BadFrame("bad_frame", "frames are JSON objects")
    return frame


def refuse(code: str, message: str, client_id: str | None = None) -> dict[str, Any]:
    metrics.ERRORS.labels(code=code).inc()
    return {"type": "error", "code": code, "message": message, "id": client_id}
