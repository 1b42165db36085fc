"""The agent console: its pages, its HTTP API and its live WebSocket (bot/PROTOCOL.md section 4)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel, Field

from bot import metrics
from bot.agent_sessions import AgentSessions
from bot.agents import Agent
from bot.api.chat import BadFrame, client_ip, parse_frame
from bot.api.deps import Hub, HubDep, WebSocketHubDep
from bot.handoff import HandoffError
from bot.handoff_store import Handoff
from bot.queues import QUEUES, position_in_queue
from bot.settings import REPO_ROOT

router = APIRouter(prefix="/agent")
log = logging.getLogger("bot.agent")
CONSOLE_FILES = REPO_ROOT / "bot" / "console"
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
PRESENCE_SECONDS = 45  # an agent whose console stopped renewing this is offline
PRESENCE_RENEW_SECONDS = 15
CLOSE_NOT_LOGGED_IN = 4401


# ---- sessions --------------------------------------------------------------------------------


async def agent_of(hub: Hub, token: str | None) -> Agent | None:
    username = await hub.agent_sessions.username_of(token)
    return hub.agents.get(username) if username else None


async def current_agent(request: Request, hub: HubDep) -> Agent:
    agent = await agent_of(hub, request.cookies.get(AgentSessions.COOKIE))
    if agent is None:
        raise HTTPException(status_code=401, detail="log in first")
    return agent


AgentDep = Annotated[Agent, Depends(current_agent)]


class Login(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


@router.post("/api/login")
async def login(body: Login, request: Request, response: Response, hub: HubDep) -> dict[str, Any]:
    if not await hub.rate_limits.allow_login(client_ip(request)):
        raise HTTPException(status_code=429, detail="too many login attempts, wait a minute")
    agent = await asyncio.to_thread(hub.agents.verify, body.username.strip().lower(), body.password)  # slow on purpose
    if agent is None:
        raise HTTPException(status_code=401, detail="wrong username or password")
    response.set_cookie(
        AgentSessions.COOKIE,
        hub.agent_sessions.issue(agent.username),
        max_age=hub.settings.agent_session_ttl_seconds,
        httponly=True,
        samesite="strict",
        secure=hub.settings.hub_env == "production",
        path="/agent",
    )
    return agent.public()


@router.post("/api/logout", status_code=204)
async def logout(request: Request, response: Response, hub: HubDep) -> None:
    token = request.cookies.get(AgentSessions.COOKIE)
    if token:
        await hub.agent_sessions.revoke(token)
    response.delete_cookie(AgentSessions.COOKIE, path="/agent")


@router.get("/api/me")
async def me(agent: AgentDep) -> dict[str, Any]:
    return agent.public()


# ---- pages -----------------------------------------------------------------------------------


@router.get("/login", include_in_schema=False)
async def login_page() -> FileResponse:
    return FileResponse(CONSOLE_FILES / "login.html")


@router.get("/", include_in_schema=False, response_model=None)
async def console_page(request: Request, hub: HubDep) -> FileResponse | RedirectResponse:
    if await agent_of(hub, request.cookies.get(AgentSessions.COOKIE)) is None:
        return RedirectResponse("/agent/login", status_code=303)
    return FileResponse(CONSOLE_FILES / "index.html")


@router.get("/static/{name}", include_in_schema=False)
async def console_asset(name: str) -> FileResponse:
    """Scripts and styles only: the pages themselves need a login."""
    path = (CONSOLE_FILES / name).resolve()
    if path.parent != CONSOLE_FILES.resolve() or path.suffix not in STATIC_TYPES or not path.is_file():
        raise HTTPException(status_code=404, detail="not found")
    return FileResponse(path, media_type=STATIC_TYPES[path.suffix])


# ---- queue and conversations -------------------------------------------------------------------


def summary(handoff: Handoff, queued: list[Handoff], now: float) -> dict[str, Any]:
    waiting = handoff.state == "queued" and handoff.queued_at is not None
    return {
        "conversation_id": handoff.conversation_id,
        "state": handoff.state,
        "queue": handoff.queue,
        "language": handoff.language,
        "channel": handoff.channel,
        "reason": handoff.reason,
        "summary": handoff.summary,
        "priority": handoff.priority,
        "waiting_seconds": int(now - handoff.queued_at) if waiting else 0,
        "position": position_in_queue(handoff, queued),
        "owner": {"username": handoff.owner, "name": handoff.owner_name} if handoff.owner else None,
    }


async def queue_view(hub: Hub, agent: Agent) -> dict[str, Any]:
    queued, active, now = await hub.handoff_store.queued(), await hub.handoff_store.active(), time.time()
    return {
        "waiting": [summary(h, queued, now) for h in queued if agent.serves(h.queue)],
        "mine": [summary(h, queued, now) for h in active if h.state == "agent" and h.owner == agent.username],
        "online": sorted(await hub.handoff_store.online()),
    }


async def visible_handoff(hub: Hub, agent: Agent, conversation_id: str) -> Handoff:
    """The conversation, if this agent may see it: one of their queues, or their own."""
    handoff = await hub.handoff_store.get(conversation_id)
    if handoff is None:
        raise HTTPException(status_code=404, detail="no handoff for this conversation")
    if not (agent.serves(handoff.queue) or handoff.owner == agent.username):
        raise HTTPException(status_code=403, detail="this conversation is not in your queues")
    return handoff


async def answer(hub: Hub, handoff: Handoff | None, conflict: str) -> dict[str, Any]:
    if handoff is None:
        raise HTTPException(status_code=409, detail=conflict)
    return summary(handoff, await hub.handoff_store.queued(), time.time())


@router.get("/api/queue")
async def queue(agent: AgentDep, hub: HubDep) -> dict[str, Any]:
    return await queue_view(hub, agent)


@router.get("/api/conversations/{conversation_id}")
async def conversation(conversation_id: str, agent: AgentDep, hub: HubDep) -> dict[str, Any]:
    handoff = await visible_handoff(hub, agent, conversation_id)
    entries = await hub.store.entries_after(conversation_id, 0)
    return {
        **summary(handoff, await hub.handoff_store.queued(), time.time()),
        "cart": handoff.cart,
        "verified_order_id": handoff.verified_order_id,
        "order_summary": handoff.order_summary,
        "recent_intents": handoff.recent_intents,
        "disposition": handoff.disposition,
        "csat": await hub.store.csat(conversation_id),
        "transcript": [entry.frame() for entry in entries],
        "notes": [note.model_dump(mode="json") for note in await hub.handoff_store.notes(conversation_id)],
    }


@router.post("/api/conversations/{conversation_id}/accept")
async def accept(conversation_id: str, agent: AgentDep, hub: HubDep) -> dict[str, Any]:
    await visible_handoff(hub, agent, conversation_id)
    return await answer(hub, await hub.handoffs.accept(conversation_id, agent), "already taken")


class Text(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


@router.post("/api/conversations/{conversation_id}/messages")
async def post_message(conversation_id: str, body: Text, agent: AgentDep, hub: HubDep) -> dict[str, Any]:
    await visible_handoff(hub, agent, conversation_id)
    entry = await hub.handoffs.post_agent_message(conversation_id, agent, body.text.strip())
    if entry is None:
        raise HTTPException(status_code=409, detail="you do not own this conversation")
    return entry.frame()


@router.post("/api/conversations/{conversation_id}/notes")
async def add_note(conversation_id: str, body: Text, agent: AgentDep, hub: HubDep) -> dict[str, Any]:
    await visible_handoff(hub, agent, conversation_id)
    return (await hub.handoffs.add_note(conversation_id, agent, body.text.strip())).model_dump(mode="json")


class Transfer(BaseModel):
    queue: str | None = None
    agent: str | None = None


@router.post("/api/conversations/{conversation_id}/transfer")
async def transfer(conversation_id: str, body: Transfer, agent: AgentDep, hub: HubDep) -> dict[str, Any]:
    await visible_handoff(hub, agent, conversation_id)
    if (body.queue is None) == (body.agent is None):
        raise HTTPException(status_code=400, detail="transfer to either a queue or an agent")
    if body.queue is not None:
        if body.queue not in QUEUES:
            raise HTTPException(status_code=400, detail=f"unknown queue {body.queue!r}")
        moved = await hub.handoffs.transfer_to_queue(conversation_id, agent, body.queue)
    else:
        colleague = hub.agents.get(body.agent or "")
        if colleague is None or colleague.username == agent.username:
            raise HTTPException(status_code=400, detail=f"unknown agent {body.agent!r}")
        try:
            moved = await hub.handoffs.transfer_to_agent(conversation_id, agent, colleague)
        except HandoffError as error:
            raise HTTPException(status_code=409, detail=str(error)) from error
    return await answer(hub, moved, "you do not own this conversation")


@router.post("/api/conversations/{conversation_id}/handback")
async def hand_back(conversation_id: str, agent: AgentDep, hub: HubDep) -> dict[str, Any]:
    await visible_handoff(hub, agent, conversation_id)
    return await answer(hub, await hub.handoffs.hand_back(conversation_id, agent), "you do not own this conversation")


class Resolution(BaseModel):
    disposition: Literal["solved", "not_solved", "follow_up", "spam"]


@router.post("/api/conversations/{conversation_id}/resolve")
async def resolve(conversation_id: str, body: Resolution, agent: AgentDep, hub: HubDep) -> dict[str, Any]:
    await visible_handoff(hub, agent, conversation_id)
    resolved = await hub.handoffs.resolve(conversation_id, agent, body.disposition)
    return await answer(hub, resolved, "you do not own this conversation")


@router.get("/api/canned")
async def canned(agent: AgentDep, hub: HubDep, lang: Literal["it", "en"] = "it") -> list[dict[str, str]]:
    return [
        {"id": c.id, "title": c.title.get(lang), "text": c.text.get(lang).replace("{agent}", agent.name)}
        for c in hub.shop.support.canned_responses
    ]


@router.get("/api/agents")
async def agents(agent: AgentDep, hub: HubDep) -> list[dict[str, Any]]:
    online = await hub.handoff_store.online()
    return [{**colleague.public(), "online": colleague.username in online} for colleague in hub.agents.all()]


# ---- live console ------------------------------------------------------------------------------

WATCHED_FRAMES = {"message", "typing", "handoff"}


@router.websocket("/ws")
async def console_socket(websocket: WebSocket, hub: WebSocketHubDep) -> None:
    await websocket.accept()
    agent = await agent_of(hub, websocket.cookies.get(AgentSessions.COOKIE))
    if agent is None:
        await websocket.close(code=CLOSE_NOT_LOGGED_IN, reason="log in first")
        return
    metrics.AGENT_CONSOLES.inc()
    try:
        await ConsoleConnection(hub, websocket, agent).run()
    except WebSocketDisconnect:
        pass
    finally:
        metrics.AGENT_CONSOLES.dec()


class ConsoleConnection:
    """One open console: presence, the live queue, and the conversation being watched."""

    def __init__(self, hub: Hub, websocket: WebSocket, agent: Agent) -> None:
        self.hub = hub
        self.websocket = websocket
        self.agent = agent
        self.watching: asyncio.Task | None = None
        self.send_lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        async with self.send_lock:
            await self.websocket.send_json(frame)

    async def run(self) -> None:
        await self.hub.handoff_store.set_online(self.agent.username, PRESENCE_SECONDS)
        async with self.hub.handoff_store.subscribe_console() as events:
            await self.hub.handoff_store.publish_console({"type": "changed"})
            tasks = [asyncio.create_task(self.follow_queue(events)), asyncio.create_task(self.stay_online())]
            try:
                await self.receive_frames()
            finally:
                for task in [*tasks, *([self.watching] if self.watching else [])]:
                    task.cancel()
                await self.hub.handoff_store.set_offline(self.agent.username)
                await self.hub.handoff_store.publish_console({"type": "changed"})

    async def follow_queue(self, events: Any) -> None:
        await self.send({"type": "queue", **await queue_view(self.hub, self.agent)})
        async for _ in events:
            await self.send({"type": "queue", **await queue_view(self.hub, self.agent)})

    async def stay_online(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_RENEW_SECONDS)
            await self.hub.handoff_store.set_online(self.agent.username, PRESENCE_SECONDS)
            if await agent_of(self.hub, self.websocket.cookies.get(AgentSessions.COOKIE)) is None:
                await self.websocket.close(code=CLOSE_NOT_LOGGED_IN, reason="session expired")
                return

    async def receive_frames(self) -> None:
        while True:
            raw = await self.websocket.receive_text()
            reply = await self.handle(raw)
            if reply is not None:
                await self.send(reply)

    async def handle(self, raw: str) -> dict[str, Any] | None:
        try:
            frame = parse_frame(raw, self.hub.settings.max_frame_bytes)
        except BadFrame as error:
            return console_error(error.code, str(error))
        kind = frame.get("type")
        if kind == "ping":
            return {"type": "pong"}
        if kind == "watch":
            return await self.watch(frame.get("conversation_id"))
        if kind == "typing":
            return await self.typing(frame.get("conversation_id"), frame.get("on"))
        return console_error("bad_frame", f"unknown frame type {kind!r}")

    async def watch(self, conversation_id: Any) -> dict[str, Any] | None:
        if not isinstance(conversation_id, str):
            return console_error("bad_frame", "watch needs a conversation_id")
        try:
            await visible_handoff(self.hub, self.agent, conversation_id)
        except HTTPException as error:
            return console_error("forbidden" if error.status_code == 403 else "not_found", str(error.detail))
        if self.watching:
            self.watching.cancel()
        self.watching = asyncio.create_task(self.relay(conversation_id))
        return None

    async def relay(self, conversation_id: str) -> None:
        async with self.hub.store.subscribe(conversation_id) as events:
            async for event in events:
                if event.get("type") in WATCHED_FRAMES:
                    await self.send({**event, "conversation_id": conversation_id})

    async def typing(self, conversation_id: Any, on: Any) -> dict[str, Any] | None:
        if not isinstance(conversation_id, str) or not isinstance(on, bool):
            return console_error("bad_frame", "typing needs conversation_id and on")
        handoff = await self.hub.handoff_store.get(conversation_id)
        if handoff is None or handoff.owner != self.agent.username:
            return console_error("forbidden", "you do not own this conversation")
        event = {"type": "typing", "who": "agent", "on": on, "name": self.agent.name}
        await self.hub.store.publish(conversation_id, event)
        return None


def console_error(code: str, message: str) -> dict[str, Any]:
    metrics.ERRORS.labels(code=f"console_{code}").inc()
    return {"type": "error", "code": code, "message": message}
