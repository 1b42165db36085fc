"""The bot hub against the real trained assistant and the real Redis: replay, idempotency,
outages, limits, refused frames and tokens, several hub processes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from assistant_processes import RASA_ENV, REPO, free_port, rasa_server_command, running_hub
from rasa_stack import Assistant
from redis_keys import REDIS_URL
from wait_ready import wait_ready
from websockets.exceptions import ConnectionClosed
from widget_client import WidgetClient


@pytest.fixture(scope="module")
def hub(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_hub(assistant.rasa_url, tmp_path_factory.mktemp("hub")) as url:
        yield url


async def close_code(widget: WidgetClient, origin: str | None = None) -> int:
    """The code the hub closes the connection with."""
    with pytest.raises(ConnectionClosed) as closed:
        await widget.connect(origin=origin)
        await widget.until(lambda f: True, timeout=5)
    return closed.value.rcvd.code


def bot_texts(frames: list[dict]) -> str:
    return "\n".join(frame["text"] for frame in frames)


async def test_chat_answer_uses_the_cart(hub: str) -> None:
    widget = await WidgetClient(hub).connect()
    replies = await widget.turn("quanto costa la spedizione?", cart={"subtotal": 62, "country": "IT"})
    assert "27,00" in bot_texts(replies)
    await widget.close()


async def test_reconnect_replays_what_was_missed(hub: str) -> None:
    widget = await WidgetClient(hub).connect()
    await widget.say("ciao")
    ack = await widget.until(lambda f: f["type"] == "ack")
    await widget.close()  # gone before the bot answered
    await asyncio.sleep(2)
    again = await WidgetClient(hub, widget.token).connect(after_seq=ack["seq"])
    greeting = await again.until(lambda f: f["type"] == "message")
    assert greeting["role"] == "bot" and greeting["seq"] == ack["seq"] + 1
    assert "Bottega Aurora" in greeting["text"]
    await again.close()


async def test_two_tabs_share_one_conversation(hub: str) -> None:
    first = await WidgetClient(hub).connect()
    second = await WidgetClient(hub, first.token).connect()
    await first.turn("how much is shipping to germany?")
    echoed = await second.until(lambda f: f["type"] == "message" and f["role"] == "bot")
    assert "12.90" in echoed["text"]
    assert [m["role"] for m in second.messages()][:2] == ["shopper", "bot"]
    await first.close()
    await second.close()


async def test_a_retried_message_is_answered_once(hub: str, assistant: Assistant) -> None:
    widget = await WidgetClient(hub).connect()
    session = await widget.open_session()  # same conversation, renewed token
    client_id = await widget.say("ciao")
    await widget.until(lambda f: f["type"] == "typing" and not f["on"])
    await widget.say("ciao", client_id=client_id)  # the widget retries after a lost ack
    duplicate = await widget.until(lambda f: f["type"] == "ack" and f["duplicate"])
    assert duplicate["seq"] == 1
    await asyncio.sleep(1)
    assert [m["role"] for m in widget.messages()] == ["shopper", "bot"]
    async with httpx.AsyncClient(base_url=assistant.rasa_url) as rasa:
        tracker = (await rasa.get(f"/conversations/{session['conversation_id']}/tracker")).json()
    user_events = [e for e in tracker["events"] if e["event"] == "user"]
    assert len(user_events) == 1 and user_events[0]["metadata"]["client_message_id"] == client_id
    await widget.close()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_frame"),
        ("[1, 2]", "bad_frame"),
        (json.dumps({"type": "dance"}), "bad_frame"),
        (json.dumps({"type": "message", "text": "no id"}), "bad_frame"),
        (json.dumps({"type": "message", "id": "e1", "text": "   "}), "empty"),
        (json.dumps({"type": "message", "id": "e2", "text": "x" * 5000}), "too_long"),
        (json.dumps({"type": "message", "id": "e3", "text": "hi", "metadata": {"pad": "y" * 40000}}), "too_long"),
        (json.dumps({"type": "csat", "score": 9}), "bad_frame"),
    ],
)
async def test_bad_frames_are_refused_and_change_nothing(hub: str, frame: str, code: str) -> None:
    widget = await WidgetClient(hub).connect()
    await widget.send_frame(frame)
    error = await widget.until(lambda f: f["type"] == "error")
    assert error["code"] == code and error["message"]
    replies = await widget.turn("ciao")  # the connection still works, and nothing else was stored
    assert replies and [m["seq"] for m in widget.messages()] == [1, 2]
    await widget.close()


async def test_csat_is_accepted(hub: str) -> None:
    widget = await WidgetClient(hub).connect()
    await widget.send_frame({"type": "csat", "score": 5})
    ack = await widget.until(lambda f: f["type"] == "ack")
    assert ack["id"] == "csat"
    await widget.close()


async def test_bad_token_is_closed_with_4401(hub: str) -> None:
    assert await close_code(WidgetClient(hub, token="forged.token.value")) == 4401
    session = await WidgetClient(hub, token="forged.token.value").open_session()
    assert session["resumed"] is False  # a bad token starts a new conversation


async def test_expired_token_and_foreign_origin_are_refused(assistant: Assistant, tmp_path: Path) -> None:
    env = {"SESSION_TTL_SECONDS": "1", "HUB_ALLOWED_ORIGINS": "https://shop.example"}
    with running_hub(assistant.rasa_url, tmp_path, env) as url:
        widget = WidgetClient(url)
        await widget.open_session()
        assert await close_code(widget, origin="https://evil.example") == 4403
        await asyncio.sleep(2.1)
        assert await close_code(widget, origin="https://shop.example") == 4401


async def test_rate_limit_per_conversation(assistant: Assistant, tmp_path: Path) -> None:
    with running_hub(assistant.rasa_url, tmp_path, {"RATE_LIMIT_SESSION": "3/minute"}) as url:
        widget = await WidgetClient(url).connect()
        for text in ("ciao", "grazie", "ok"):
            await widget.say(text)
            await widget.until(lambda f: f["type"] == "ack")
        await widget.say("ancora uno")
        error = await widget.until(lambda f: f["type"] == "error")
        assert error["code"] == "rate_limited"
        await asyncio.sleep(1)
        assert "ancora uno" not in [m["text"] for m in widget.messages()]
        await widget.close()


def start_rasa(port: int, action_url: str, workdir: Path) -> subprocess.Popen:
    env = os.environ | RASA_ENV | {"ACTION_SERVER_URL": f"{action_url}/webhook"}
    log = (workdir / "rasa-restart.log").open("a")
    process = subprocess.Popen(rasa_server_command(port), cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_ready([f"http://127.0.0.1:{port}/status"], 240, still_starting=lambda: process.poll() is None)
    return process


async def test_rasa_restart_mid_conversation_loses_no_message(assistant: Assistant, tmp_path: Path) -> None:
    port = free_port()
    rasa = start_rasa(port, assistant.action_url, tmp_path)
    try:
        with running_hub(f"http://127.0.0.1:{port}", tmp_path) as url:
            widget = await WidgetClient(url).connect()
            assert await widget.turn("ciao")
            rasa.terminate()
            rasa.wait(timeout=30)
            await widget.say("quanto costa la spedizione in germania?")
            delayed = await widget.until(lambda f: f["type"] == "status")
            assert delayed["state"] == "delayed"
            rasa = await asyncio.to_thread(start_rasa, port, assistant.action_url, tmp_path)
            answer = await widget.until(lambda f: f["type"] == "message" and f["role"] == "bot", timeout=120)
            assert "12,90" in answer["text"]
            await widget.close()
    finally:
        rasa.terminate()
        rasa.wait(timeout=30)


async def test_two_hub_processes_on_one_redis_share_conversations(
    assistant: Assistant, tmp_path: Path, redis_prefix: str
) -> None:
    env = {"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": redis_prefix}
    with (
        running_hub(assistant.rasa_url, tmp_path, env) as hub_a,
        running_hub(assistant.rasa_url, tmp_path, env) as hub_b,
    ):
        on_a = await WidgetClient(hub_a).connect()
        on_b = await WidgetClient(hub_b, on_a.token).connect()
        await on_a.turn("where is my order?")
        answer_on_b = await on_b.until(lambda f: f["type"] == "message" and f["role"] == "bot")
        assert "6 digits" in answer_on_b["text"] or "order" in answer_on_b["text"].lower()
        await on_a.close()
        await on_b.close()
    port = free_port()
    with running_hub(assistant.rasa_url, tmp_path, env, port=port) as restarted:  # every hub gone, then back
        later = await WidgetClient(restarted, on_a.token).connect()
        replayed = [await later.until(lambda f: f["type"] == "message") for _ in range(len(on_a.messages()))]
        assert [m["seq"] for m in replayed] == [m["seq"] for m in on_a.messages()]
        await later.close()


def test_health_readiness_and_metrics(hub: str) -> None:
    assert httpx.get(f"{hub}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{hub}/readyz")
    assert ready.status_code == 200 and ready.json()["rasa"] is True
    metrics = httpx.get(f"{hub}/metrics").text
    assert "hub_turn_seconds_bucket" in metrics and "hub_messages_total" in metrics


def test_widget_config_comes_from_shop_yml(hub: str) -> None:
    config = httpx.get(f"{hub}/api/widget-config", params={"lang": "en"}).json()
    payment_idle = next(offer for offer in config["proactive"] if offer["id"] == "payment_idle")
    assert payment_idle["trigger"] == "idle" and payment_idle["step"] == "payment"
    assert payment_idle["text"].startswith("Questions about paying?")
