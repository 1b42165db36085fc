"""The one message model every channel shares: a transcript entry of a conversation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Role = Literal["shopper", "bot", "agent", "system"]


class Button(BaseModel):
    title: str
    payload: str


class Entry(BaseModel):
    """One line of a transcript. `seq` orders a conversation's entries, from 1."""

    seq: int = 0
    role: Role
    text: str = ""
    buttons: list[Button] = []
    custom: dict[str, Any] = {}
    client_id: str | None = None  # the sender's message id, on shopper messages
    channel: str = "web"
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def frame(self) -> dict[str, Any]:
        """The WebSocket frame for this entry (bot/PROTOCOL.md)."""
        return {"type": "message", **self.model_dump(mode="json", exclude={"channel"})}


def entries_from_rasa(replies: list[dict[str, Any]]) -> list[Entry]:
    """Rasa REST replies -> bot entries (a reply may carry text, buttons and/or custom)."""
    return [
        Entry(
            role="bot",
            text=reply.get("text") or "",
            buttons=[Button(title=b["title"], payload=b["payload"]) for b in reply.get("buttons") or []],
            custom=reply.get("custom") or {},
        )
        for reply in replies
        if reply.get("text") or reply.get("custom") or reply.get("buttons")
    ]
