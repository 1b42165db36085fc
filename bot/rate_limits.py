"""Flood protection: per-conversation and per-IP moving windows (the `limits` library), in
memory or in Redis so every hub process counts together."""

from __future__ import annotations

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

LOGIN_ATTEMPTS = parse("10/minute")  # per address: slows down password guessing


class RateLimits:
    def __init__(self, per_session: str, per_ip: str, redis_url: str | None, key_prefix: str = "hub:") -> None:
        storage = (
            RedisStorage(f"async+{redis_url}", implementation="redispy", key_prefix=f"{key_prefix}limits")
            if redis_url
            else MemoryStorage()
        )
        self.limiter = MovingWindowRateLimiter(storage)
        self.per_session = parse(per_session)
        self.per_ip = parse(per_ip)

    async def allow_message(self, conversation_id: str, ip: str) -> bool:
        return await self.limiter.hit(self.per_ip, "ip", ip) and await self.limiter.hit(
            self.per_session, "session", conversation_id
        )

    async def allow_new_session(self, ip: str) -> bool:
        return await self.limiter.hit(self.per_ip, "session-ip", ip)

    async def allow_login(self, ip: str) -> bool:
        return await self.limiter.hit(LOGIN_ATTEMPTS, "login-ip", ip)
