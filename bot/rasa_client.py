"""Talking to Rasa's REST channel: pooled connections, timeouts, and retries that can never
make the assistant see a message twice.

Every message carries its client message id in its metadata. Before resending after a failure
we ask Rasa's tracker whether that id already arrived; if it did, its replies are read from the
tracker instead of sending the message again.
"""

from __future__ import annotations

from typing import Any

import httpx


class RasaUnavailable(Exception):
    """Rasa did not answer (down, restarting, too slow); the message can be retried."""


class RasaClient:
    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout_seconds, connect=3.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def send(
        self, conversation_id: str, client_id: str, text: str, metadata: dict[str, Any], retry: bool
    ) -> list[dict[str, Any]]:
        """The assistant's replies to one shopper message. With `retry`, a message Rasa already
        received is not sent again: its replies come from the tracker."""
        if retry:
            replies = await self.replies_in_tracker(conversation_id, client_id)
            if replies is not None:
                return replies
        body = {"sender": conversation_id, "message": text, "metadata": {**metadata, "client_message_id": client_id}}
        response = await self.request("POST", "/webhooks/rest/webhook", json=body)
        return response.json()

    async def replies_in_tracker(self, conversation_id: str, client_id: str) -> list[dict[str, Any]] | None:
        """The bot messages that followed this client message in Rasa's tracker; None if Rasa
        never received it."""
        response = await self.request("GET", f"/conversations/{conversation_id}/tracker")
        events = response.json().get("events") or []
        for index, event in enumerate(events):
            if event.get("event") == "user" and (event.get("metadata") or {}).get("client_message_id") == client_id:
                return [bot_reply(e) for e in following_bot_events(events[index + 1 :])]
        return None

    async def tracker_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        await self.request("POST", f"/conversations/{conversation_id}/tracker/events", json=events)

    async def pause(self, conversation_id: str) -> None:
        """Record in Rasa's tracker that a person took over (the assistant predicts nothing)."""
        await self.tracker_events(conversation_id, [{"event": "pause"}])

    async def resume(self, conversation_id: str) -> None:
        await self.tracker_events(conversation_id, [{"event": "resume"}])

    async def execute(self, conversation_id: str, action: str) -> list[dict[str, Any]]:
        """Run one action (e.g. a response) as the end of a turn; its messages, as REST replies."""
        response = await self.request("POST", f"/conversations/{conversation_id}/execute", json={"name": action})
        # /execute stops after the action; without the listen that ends a turn no rule matches the next message
        await self.tracker_events(conversation_id, [{"event": "action", "name": "action_listen"}])
        return response.json().get("messages") or []

    async def trigger_intent(self, conversation_id: str, intent: str) -> list[dict[str, Any]]:
        """Act as if the shopper expressed `intent`; the assistant's messages, as REST replies."""
        response = await self.request("POST", f"/conversations/{conversation_id}/trigger_intent", json={"name": intent})
        return response.json().get("messages") or []

    async def ready(self) -> bool:
        try:
            return (await self.http.get("/status", timeout=2)).status_code == 200
        except httpx.HTTPError:
            return False

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.HTTPError as error:  # connection refused, reset, timeout
            raise RasaUnavailable(f"{method} {path}: {error!r}") from error
        if response.status_code >= 500:
            raise RasaUnavailable(f"{method} {path}: HTTP {response.status_code}")
        response.raise_for_status()
        return response


def following_bot_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    bot_events = []
    for event in events:
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            bot_events.append(event)
    return bot_events


def bot_reply(event: dict[str, Any]) -> dict[str, Any]:
    """A tracker `bot` event in the shape of a REST channel reply."""
    data = event.get("data") or {}
    reply: dict[str, Any] = {"text": event.get("text")}
    if data.get("buttons"):
        reply["buttons"] = data["buttons"]
    if data.get("custom"):
        reply["custom"] = data["custom"]
    return reply
