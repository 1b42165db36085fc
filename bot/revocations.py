"""Agent console sessions that were logged out before they expired.

A session token stays valid until its lifetime ends, so logging out records the session id as
revoked for that long. In memory for one hub process; in Redis (REDIS_URL) so a logout in one hub
process holds in all of them.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable

import redis.asyncio as redis

from bot.settings import Settings


class Revocations(ABC):
    @abstractmethod
    async def revoke(self, session_id: str, ttl_seconds: int) -> None:
        """Refuse this session from now on, for `ttl_seconds` (then its token has expired anyway)."""

    @abstractmethod
    async def is_revoked(self, session_id: str) -> bool: ...

    async def close(self) -> None:
        return None


class MemoryRevocations(Revocations):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.revoked_until: dict[str, float] = {}

    async def revoke(self, session_id: str, ttl_seconds: int) -> None:
        now = self.clock()
        self.revoked_until = {sid: until for sid, until in self.revoked_until.items() if until > now}
        self.revoked_until[session_id] = now + ttl_seconds

    async def is_revoked(self, session_id: str) -> bool:
        return self.revoked_until.get(session_id, 0.0) > self.clock()


class RedisRevocations(Revocations):
    """Key `<prefix>agent-revoked:<session id>`, expiring with the session."""

    def __init__(self, url: str, prefix: str = "hub:") -> None:
        self.redis = redis.from_url(url, decode_responses=True)
        self.prefix = prefix

    def key(self, session_id: str) -> str:
        return f"{self.prefix}agent-revoked:{session_id}"

    async def revoke(self, session_id: str, ttl_seconds: int) -> None:
        await self.redis.set(self.key(session_id), "1", ex=max(1, ttl_seconds))

    async def is_revoked(self, session_id: str) -> bool:
        return bool(await self.redis.exists(self.key(session_id)))

    async def close(self) -> None:
        await self.redis.aclose()


def open_revocations(settings: Settings) -> Revocations:
    if settings.redis_url:
        return RedisRevocations(settings.redis_url, settings.redis_key_prefix)
    return MemoryRevocations()
