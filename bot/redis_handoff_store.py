"""HandoffStore on Redis: the queue, claims, presence and console events shared by every hub
process.

Keys (prefix `hub:`): `handoff:<id>` hash (each field JSON-encoded), `handoff-queued` sorted set
in service order, `handoff-active` set (queued or with an agent), `handoff:<id>:notes` list,
`agents-online` sorted set (username -> online until), `handling-seconds` list; console events
on the pub/sub channel `console`.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

import redis.asyncio as redis

from bot.handoff_store import HANDLING_SAMPLES, Handoff, HandoffStore, Note
from bot.live_events import redis_publish, redis_subscription

RECORD_TTL_SECONDS = 30 * 24 * 3600

# Compare-and-set of one record, and its place in the queue indexes, in one step.
# KEYS: record, queued zset, active set. ARGV: id, owner (JSON) or '', ttl, number of expected
# states, the expected states (JSON), then field/value pairs (JSON values).
TRANSITION_SCRIPT = """
local state = redis.call('HGET', KEYS[1], 'state') or '"bot"'
local expected = tonumber(ARGV[4])
local allowed = false
for i = 5, 4 + expected do
  if ARGV[i] == state then allowed = true end
end
if not allowed then return false end
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return false end
for i = 5 + expected, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
local new_state = redis.call('HGET', KEYS[1], 'state')
if new_state == '"queued"' then
  local priority = tonumber(redis.call('HGET', KEYS[1], 'priority')) or 0
  local queued_at = tonumber(redis.call('HGET', KEYS[1], 'queued_at')) or 0
  redis.call('ZADD', KEYS[2], queued_at - priority * 1e11, ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
if new_state == '"queued"' or new_state == '"agent"' then
  redis.call('SADD', KEYS[3], ARGV[1])
else
  redis.call('SREM', KEYS[3], ARGV[1])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return redis.call('HGETALL', KEYS[1])
"""


class RedisHandoffStore(HandoffStore):
    def __init__(self, url: str, prefix: str = "hub:") -> None:
        self.redis = redis.from_url(url, decode_responses=True)
        self.transition_script = self.redis.register_script(TRANSITION_SCRIPT)
        self.prefix = prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    async def get(self, conversation_id: str) -> Handoff | None:
        fields = await self.redis.hgetall(self.key(f"handoff:{conversation_id}"))
        return decode(fields) if fields else None

    async def transition(
        self, conversation_id: str, expected: Iterable[str], changes: dict[str, Any], owner: str | None = None
    ) -> Handoff | None:
        states = [json.dumps(state) for state in expected]
        pairs = [
            item
            for name, value in {**changes, "conversation_id": conversation_id}.items()
            for item in (name, json.dumps(value, default=str))
        ]
        result = await self.transition_script(
            keys=[self.key(f"handoff:{conversation_id}"), self.key("handoff-queued"), self.key("handoff-active")],
            args=[
                conversation_id,
                json.dumps(owner) if owner is not None else "",
                RECORD_TTL_SECONDS,
                len(states),
                *states,
                *pairs,
            ],
        )
        if not result:
            return None
        return decode(dict(zip(result[::2], result[1::2], strict=True)))

    async def records(self, conversation_ids: list[str]) -> list[Handoff]:
        found = []
        for conversation_id in conversation_ids:
            record = await self.get(conversation_id)
            if record is not None:
                found.append(record)
        return found

    async def queued(self) -> list[Handoff]:
        ids = await self.redis.zrange(self.key("handoff-queued"), 0, -1)
        return [h for h in await self.records(ids) if h.state == "queued"]

    async def active(self) -> list[Handoff]:
        ids = sorted(await self.redis.smembers(self.key("handoff-active")))
        return await self.records(ids)

    async def add_note(self, conversation_id: str, note: Note) -> None:
        key = self.key(f"handoff:{conversation_id}:notes")
        await self.redis.rpush(key, note.model_dump_json())
        await self.redis.expire(key, RECORD_TTL_SECONDS)

    async def notes(self, conversation_id: str) -> list[Note]:
        raw = await self.redis.lrange(self.key(f"handoff:{conversation_id}:notes"), 0, -1)
        return [Note.model_validate_json(item) for item in raw]

    async def set_online(self, username: str, seconds: float) -> None:
        await self.redis.zadd(self.key("agents-online"), {username: time.time() + seconds})

    async def set_offline(self, username: str) -> None:
        await self.redis.zrem(self.key("agents-online"), username)

    async def online(self) -> set[str]:
        return set(await self.redis.zrangebyscore(self.key("agents-online"), time.time(), "+inf"))

    async def record_handling(self, seconds: float) -> None:
        key = self.key("handling-seconds")
        await self.redis.lpush(key, seconds)
        await self.redis.ltrim(key, 0, HANDLING_SAMPLES - 1)

    async def handling_times(self) -> list[float]:
        return [float(value) for value in await self.redis.lrange(self.key("handling-seconds"), 0, -1)]

    async def publish_console(self, event: dict[str, Any]) -> None:
        await redis_publish(self.redis, self.key("console"), event)

    def subscribe_console(self) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        return redis_subscription(self.redis, self.key("console"))

    async def close(self) -> None:
        await self.redis.aclose()


def decode(fields: dict[str, str]) -> Handoff:
    return Handoff.model_validate({name: json.loads(value) for name, value in fields.items()})
