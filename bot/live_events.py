"""Live events on named channels: every subscriber of a channel gets every event published on it
after it subscribed. In one process (asyncio queues) or across processes (Redis pub/sub)."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as redis


class LocalChannels:
    def __init__(self) -> None:
        self.subscribers: dict[str, set[asyncio.Queue]] = defaultdict(set)

    def publish(self, channel: str, event: dict[str, Any]) -> None:
        for queue in list(self.subscribers.get(channel, ())):
            queue.put_nowait(json.loads(json.dumps(event, default=str)))  # what Redis would deliver

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        queue: asyncio.Queue = asyncio.Queue()
        self.subscribers[channel].add(queue)

        async def events() -> AsyncIterator[dict[str, Any]]:
            while True:
                yield await queue.get()

        try:
            yield events()
        finally:
            self.subscribers[channel].discard(queue)
            if not self.subscribers[channel]:
                del self.subscribers[channel]


async def redis_publish(client: redis.Redis, channel: str, event: dict[str, Any]) -> None:
    await client.publish(channel, json.dumps(event, default=str))


@asynccontextmanager
async def redis_subscription(client: redis.Redis, channel: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    pubsub = client.pubsub()
    await pubsub.subscribe(channel)

    async def events() -> AsyncIterator[dict[str, Any]]:
        async for message in pubsub.listen():
            if message.get("type") == "message":
                yield json.loads(message["data"])

    try:
        yield events()
    finally:
        await pubsub.unsubscribe()
        await pubsub.aclose()
