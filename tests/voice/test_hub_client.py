"""The gateway's side of the hub conversation, against real hub processes on Redis: a hub that
restarts in the middle of a call loses nothing, neither the caller's words nor the replies."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from assistant_processes import free_port, running_hub
from redis_keys import REDIS_URL
from voice_stack import HUB_SECRET_KEY, Stack

from voice.hub_client import HubConversation, HubUnavailable

VOICE = {"channel": "voice", "language": "en"}


async def bot_turn(conversation: HubConversation, frames: list[dict]) -> list[dict]:
    """Frames until the bot stops typing; its entries."""
    turn = []
    async with asyncio.timeout(60):
        while True:
            frame = await conversation.next_frame()
            frames.append(frame)
            if frame.get("type") == "message" and frame["role"] == "bot":
                turn.append(frame)
            if frame.get("type") == "typing" and frame["on"] is False and frame.get("who", "bot") == "bot":
                return turn


async def test_a_hub_restart_mid_call_loses_nothing(stack: Stack, tmp_path: Path, redis_prefix: str) -> None:
    port = free_port()
    env = {
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": redis_prefix,
        "SHOP_FILE": str(stack.shop_file),
        "AGENTS_FILE": str(stack.agents_file),
        "HUB_SECRET_KEY": HUB_SECRET_KEY,
    }
    frames: list[dict] = []
    conversation = HubConversation(f"http://127.0.0.1:{port}")
    with running_hub(stack.assistant.rasa_url, tmp_path, env, port) as hub_url:
        await conversation.open("en")
        await conversation.say("where is my order", VOICE)
        first = await bot_turn(conversation, frames)
        assert "order number" in " ".join(entry["text"] for entry in first).lower()
    # the hub is down: the caller keys in the order number meanwhile
    await conversation.say("100002", VOICE)
    assert conversation.unacked, "a message the hub never acknowledged must be kept for resending"
    with running_hub(stack.assistant.rasa_url, tmp_path, env, port) as hub_url:
        second = await bot_turn(conversation, frames)
        assert hub_url.endswith(str(port))
    await conversation.close()

    assert "email" in " ".join(entry["text"] for entry in second).lower()  # the assistant got 100002
    entries = [frame for frame in frames if frame.get("type") == "message"]
    seqs = [entry["seq"] for entry in entries]
    assert seqs == sorted(set(seqs)), f"every entry once, in order: {seqs}"
    shopper = [entry["text"] for entry in entries if entry["role"] == "shopper"]
    assert shopper == ["where is my order", "100002"]
    assert not conversation.unacked


async def test_an_unreachable_hub_is_reported_at_once() -> None:

    with pytest.raises(HubUnavailable):
        await HubConversation(f"http://127.0.0.1:{free_port()}").open("it")
