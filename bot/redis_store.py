"""ConversationStore on Redis: shared by every hub process, survives hub restarts.

Keys (prefix `hub:`, REDIS_KEY_PREFIX): `conv:<id>:entries` list of JSON entries (seq = position + 1, appended
under a per-conversation counter), `conv:<id>:clients` hash client id -> seq, `pending` hash,
`csat` hash; live events on the pub/sub channel `conv:<id>:events`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as redis

from bot.live_events import redis_publish, redis_subscription
from bot.store import ConversationStore
from bot.transcript import Entry

CONVERSATION_TTL_SECONDS = 30 * 24 * 3600
UNKNOWN_SEQ = "0"  # claimed, entry not stored yet

# Assign the next seq and append in one step, so two hub processes never share a seq.
APPEND_SCRIPT = """
local seq = redis.call('INCR', KEYS[1])
local encoded = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('RPUSH', KEYS[2], encoded)
if ARGV[2] ~= '' then redis.call('HSET', KEYS[3], ARGV[2], seq) end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return encoded
"""


class RedisStore(ConversationStore):
    def __init__(self, url: str, prefix: str = "hub:") -> None:
        self.redis = redis.from_url(url, decode_responses=True)
        self.append_script = self.redis.register_script(APPEND_SCRIPT)
        self.prefix = prefix

    def key(self, conversation_id: str, part: str) -> str:
        return f"{self.prefix}conv:{conversation_id}:{part}"

    async def append(self, conversation_id: str, entry: Entry) -> Entry:
        keys = [self.key(conversation_id, name) for name in ("seq", "entries", "clients")]
        encoded = await self.append_script(
            keys=keys, args=[entry.model_dump_json(exclude={"seq"}), entry.client_id or "", CONVERSATION_TTL_SECONDS]
        )
        return Entry.model_validate_json(encoded)

    async def entries_after(self, conversation_id: str, seq: int) -> list[Entry]:
        raw = await self.redis.lrange(self.key(conversation_id, "entries"), seq, -1)
        return [Entry.model_validate_json(item) for item in raw]

    async def claim_client_message(self, conversation_id: str, client_id: str) -> bool:
        return bool(await self.redis.hsetnx(self.key(conversation_id, "clients"), client_id, UNKNOWN_SEQ))

    async def seq_of_client_message(self, conversation_id: str, client_id: str) -> int | None:
        value = await self.redis.hget(self.key(conversation_id, "clients"), client_id)
        return int(value) if value and value != UNKNOWN_SEQ else None

    async def set_pending(self, conversation_id: str, client_id: str, delivery: dict[str, Any] | None) -> None:
        field = json.dumps([conversation_id, client_id])
        if delivery is None:
            await self.redis.hdel(f"{self.prefix}pending", field)
        else:
            await self.redis.hset(f"{self.prefix}pending", field, json.dumps(delivery))

    async def pending(self) -> list[tuple[str, str, dict[str, Any]]]:
        items = await self.redis.hgetall(f"{self.prefix}pending")
        return [(*json.loads(field), json.loads(delivery)) for field, delivery in items.items()]

    async def save_csat(self, conversation_id: str, score: int) -> None:
        await self.redis.hset(f"{self.prefix}csat", conversation_id, score)

    async def csat(self, conversation_id: str) -> int | None:
        value = await self.redis.hget(f"{self.prefix}csat", conversation_id)
        return int(value) if value else None

    async def publish(self, conversation_id: str, event: dict[str, Any]) -> None:
        await redis_publish(self.redis, self.key(conversation_id, "events"), event)

    def subscribe(self, conversation_id: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        return redis_subscription(self.redis, self.key(conversation_id, "events"))

    async def ping(self) -> bool:
        return bool(await self.redis.ping())

    async def close(self) -> None:
        await self.redis.aclose()
