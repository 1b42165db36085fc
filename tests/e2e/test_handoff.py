"""Human handoff through real hub processes, the real trained assistant, real Redis and a real
SMTP server: queue, claim, silence of the bot, hand-back, transfer, resolve, tickets, auth,
several hubs and a hub restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from assistant_processes import free_port, running_hub
from handoff_setup import AgentSide, Mailbox, handoff_env, running_mailbox, text_of
from rasa_stack import Assistant
from redis_keys import REDIS_URL
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from widget_client import WidgetClient


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("handoff")


@pytest.fixture(scope="module")
def hub(assistant: Assistant, workdir: Path) -> Iterator[str]:
    with running_hub(assistant.rasa_url, workdir, handoff_env(workdir)) as url:
        yield url


@pytest.fixture
async def anna(hub: str) -> AsyncIterator[AgentSide]:
    agent = AgentSide(hub, "anna")
    assert (await agent.login()).status_code == 200
    await agent.open_console()
    yield agent
    await agent.close()


async def escalate(widget: WidgetClient, text: str = "vorrei parlare con un operatore", **metadata: Any) -> dict:
    """Ask for a person; the handoff frame that follows."""
    await widget.say(text, **metadata)
    return await widget.until(lambda f: f["type"] == "handoff")


def tracker(assistant: Assistant, conversation_id: str) -> list[dict]:
    return httpx.get(f"{assistant.rasa_url}/conversations/{conversation_id}/tracker", timeout=30).json()["events"]


async def conversation_id_of(widget: WidgetClient) -> str:
    async with httpx.AsyncClient(base_url=widget.hub_url) as http:
        response = await http.post("/api/session", json={"token": widget.token})
    return response.json()["conversation_id"]


async def test_queue_accept_chat_silence_and_hand_back(hub: str, anna: AgentSide, assistant: Assistant) -> None:
    widget = await WidgetClient(hub).connect()
    conversation = await conversation_id_of(widget)
    queued = await escalate(widget, cart={"subtotal": 210, "country": "IT", "items": [{"name": "Borsa", "qty": 1}]})
    assert queued["state"] == "queued" and queued["position"] == 1 and queued["wait_seconds"] > 0

    waiting = await anna.waiting_for(conversation)
    assert waiting["reason"] == "requested" and waiting["priority"] == 1  # a cart above 150 EUR goes first
    assert waiting["language"] == "it" and waiting["queue"].startswith("it.")
    context = (await anna.conversation(conversation)).json()
    assert context["cart"]["subtotal"] == 210
    assert [e["role"] for e in context["transcript"]][:2] == ["shopper", "bot"]  # bot turns included
    assert context["recent_intents"][-1]["name"] == "human_handoff" and context["recent_intents"][-1]["confidence"] > 0

    accepted = await anna.post(conversation, "accept")
    assert accepted.status_code == 200 and accepted.json()["owner"]["name"] == "Anna"
    joined = await widget.until(lambda f: f["type"] == "message" and "agent_joined" in f["custom"])
    assert joined["role"] == "system" and "Anna" in joined["text"]
    assert (await widget.until(lambda f: f["type"] == "handoff"))["agent"] == "Anna"

    await anna.send_frame({"type": "watch", "conversation_id": conversation})
    await widget.send_frame({"type": "typing", "on": True})
    typing = await anna.until(lambda f: f["type"] == "typing")
    assert typing == {"type": "typing", "who": "shopper", "on": True, "conversation_id": conversation}
    await widget.say("il pacco è arrivato rotto")
    relayed = await anna.until(lambda f: f["type"] == "message" and f["role"] == "shopper")
    assert relayed["text"] == "il pacco è arrivato rotto"

    await anna.send_frame({"type": "typing", "conversation_id": conversation, "on": True})
    assert (await widget.until(lambda f: f["type"] == "typing"))["who"] == "agent"
    reply = await anna.post(conversation, "messages", {"text": "Mi dispiace, ti mando subito un sostituto."})
    assert reply.status_code == 200
    from_agent = await widget.until(lambda f: f["type"] == "message" and f["role"] == "agent")
    assert from_agent["custom"]["agent"]["name"] == "Anna"

    await asyncio.sleep(2)  # the bot would have answered by now
    events = tracker(assistant, conversation)
    assert {"pause"} <= {e["event"] for e in events}
    assert not any(e["event"] == "user" and e.get("text") == "il pacco è arrivato rotto" for e in events)
    assert not [
        f for f in widget.frames if f.get("type") == "message" and f["role"] == "bot" and f["seq"] > joined["seq"]
    ]
    assert not [f for f in widget.frames if f.get("type") == "typing" and f.get("who") == "shopper"]

    assert (await anna.post(conversation, "handback")).status_code == 200
    left = await widget.until(lambda f: f["type"] == "message" and "agent_left" in f["custom"])
    assert left["custom"]["agent_left"] == {"name": "Anna", "next": "bot"}
    back = await widget.until(lambda f: f["type"] == "message" and f["role"] == "bot")
    assert "assistente virtuale" in back["text"]
    assert "resume" in {e["event"] for e in tracker(assistant, conversation)}
    answer = await widget.turn("quanto costa la spedizione?", cart={"subtotal": 62, "country": "IT"})
    assert "27,00" in answer[-1]["text"]  # the bot is back, and still knows the language
    await widget.close()


async def test_transfer_notes_canned_resolve_and_csat(hub: str, anna: AgentSide, workdir: Path) -> None:
    bruno = AgentSide(hub, "bruno")
    await bruno.login()
    await bruno.open_console()
    widget = await WidgetClient(hub).connect()
    conversation = await conversation_id_of(widget)
    await escalate(widget, "voglio parlare con una persona")
    await anna.waiting_for(conversation)
    assert (await anna.post(conversation, "accept")).status_code == 200

    note = await anna.post(conversation, "notes", {"text": "cliente abituale"})
    assert note.status_code == 200
    canned = (await anna.http.get("/agent/api/canned", params={"lang": "it"})).json()
    assert canned[0]["text"].startswith("Ciao, sono Anna")
    colleagues = {a["username"]: a for a in (await anna.http.get("/agent/api/agents")).json()}
    assert colleagues["bruno"]["online"] is True and "password_hash" not in colleagues["bruno"]

    moved = await anna.post(conversation, "transfer", {"agent": "bruno"})
    assert moved.status_code == 200 and moved.json()["owner"]["username"] == "bruno"
    assert (await anna.post(conversation, "messages", {"text": "ancora io"})).status_code == 409
    assert (await bruno.post(conversation, "transfer", {"queue": "xx.nothing"})).status_code == 400
    assert (await bruno.post(conversation, "transfer", {"queue": "it.returns"})).status_code == 200
    await bruno.waiting_for(conversation, "it.returns")
    assert (await bruno.post(conversation, "accept")).status_code == 200

    resolved = await bruno.post(conversation, "resolve", {"disposition": "solved"})
    assert resolved.status_code == 200 and resolved.json()["state"] == "closed"
    await widget.until(lambda f: f["type"] == "message" and f["custom"].get("csat_request"))
    await widget.send_frame({"type": "csat", "score": 5})
    await widget.until(lambda f: f["type"] == "ack" and f["id"] == "csat")
    details = (await bruno.conversation(conversation)).json()
    assert details["csat"] == 5 and details["disposition"] == "solved"
    assert details["notes"][0]["text"] == "cliente abituale" and details["notes"][0]["author"] == "Anna"
    assert not any("cliente abituale" in f.get("text", "") for f in widget.messages())  # notes stay internal
    await bruno.close()
    await widget.close()


async def test_two_agents_racing_for_one_conversation_exactly_one_wins(
    assistant: Assistant, workdir: Path, redis_prefix: str
) -> None:
    env = handoff_env(workdir, REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=redis_prefix)
    with running_hub(assistant.rasa_url, workdir, env) as hub_a, running_hub(assistant.rasa_url, workdir, env) as hub_b:
        anna, bruno = AgentSide(hub_a, "anna"), AgentSide(hub_b, "bruno")
        for agent in (anna, bruno):
            await agent.login()
            await agent.open_console()
        for _ in range(5):
            widget = await WidgetClient(hub_a).connect()
            conversation = await conversation_id_of(widget)
            await escalate(widget)
            await bruno.waiting_for(conversation)  # live across hub processes (pub/sub)
            results = await asyncio.gather(
                *[agent.post(conversation, "accept") for agent in (anna, bruno, anna, bruno, anna, bruno)]
            )
            assert sorted(r.status_code for r in results) == [200, 409, 409, 409, 409, 409]
            winner = next(r for r in results if r.status_code == 200).json()["owner"]["name"]
            joined = [f for f in await drain(widget) if "agent_joined" in f.get("custom", {})]
            assert [f["custom"]["agent_joined"]["name"] for f in joined] == [winner]
            await widget.close()
        await anna.close()
        await bruno.close()


async def drain(widget: WidgetClient, seconds: float = 1.5) -> list[dict]:
    """Every frame that arrives within `seconds`."""
    start = len(widget.frames)
    with pytest.raises(TimeoutError):
        await widget.until(lambda f: False, timeout=seconds)
    return [f for f in widget.frames[start:] if f.get("type") == "message"]


async def test_hub_restart_mid_handoff_loses_nothing(assistant: Assistant, workdir: Path, redis_prefix: str) -> None:
    env = handoff_env(workdir, REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=redis_prefix)
    port = free_port()
    with running_hub(assistant.rasa_url, workdir, env) as other_hub:
        anna = AgentSide(other_hub, "anna")
        await anna.login()
        await anna.open_console()
        with running_hub(assistant.rasa_url, workdir, env, port=port) as shopper_hub:
            widget = await WidgetClient(shopper_hub).connect()
            conversation = await conversation_id_of(widget)
            await escalate(widget)
            await anna.waiting_for(conversation)
            assert (await anna.post(conversation, "accept")).status_code == 200
            joined = await widget.until(lambda f: f["type"] == "message" and "agent_joined" in f["custom"])
        # the shopper's hub is gone; the agent goes on writing through the other one
        await anna.post(conversation, "messages", {"text": "Sono ancora qui, controllo l'ordine."})
        with running_hub(assistant.rasa_url, workdir, env, port=port) as restarted:
            again = await WidgetClient(restarted, widget.token).connect(after_seq=joined["seq"])
            missed = await again.until(lambda f: f["type"] == "message" and f["role"] == "agent")
            assert missed["text"] == "Sono ancora qui, controllo l'ordine."
            assert (await again.until(lambda f: f["type"] == "handoff"))["state"] == "agent"
            await anna.send_frame({"type": "watch", "conversation_id": conversation})
            await asyncio.sleep(0.5)
            await again.say("grazie, aspetto")
            assert (await anna.until(lambda f: f["type"] == "message" and f["role"] == "shopper"))["text"] == (
                "grazie, aspetto"
            )
            await again.close()
        await anna.close()


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with running_mailbox() as running:
        yield running


@pytest.mark.parametrize("on_duty, reason", [(True, "no_agent"), (False, "closed")])
async def test_ticket_is_offered_stored_and_mailed_when_nobody_can_help(
    assistant: Assistant, tmp_path: Path, mailbox: tuple[Mailbox, int], on_duty: bool, reason: str
) -> None:
    box, smtp_port = mailbox
    env = handoff_env(tmp_path, on_duty, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port), SMTP_STARTTLS="false")
    with running_hub(assistant.rasa_url, tmp_path, env) as hub:
        widget = await WidgetClient(hub).connect()
        state = await escalate(widget, "I want to talk to a human")
        assert state["state"] == "ticket"
        [offer] = [f for f in widget.messages() if "ticket_offer" in f["custom"]]  # came just before the state
        assert offer["custom"]["ticket_offer"]["reason"] == reason and "email" in offer["text"]

        await widget.send_frame({"type": "ticket", "email": "not-an-email", "description": "help"})
        refused = await widget.until(lambda f: f["type"] == "error")
        assert refused["id"] == "ticket"
        await widget.send_frame({"type": "ticket", "email": "mario@example.com", "description": "Pacco mai arrivato"})
        ack = await widget.until(lambda f: f["type"] == "ack" and f["id"] == "ticket")
        number = ack["ticket"]
        confirmed = await widget.until(lambda f: f["type"] == "message" and "ticket" in f["custom"])
        assert confirmed["custom"]["ticket"]["number"] == number and "m***@example.com" in confirmed["text"]
        await widget.send_frame({"type": "ticket", "email": "mario@example.com", "description": "again"})
        assert (await widget.until(lambda f: f["type"] == "error"))["id"] == "ticket"  # one ticket per offer

        mail = await asyncio.to_thread(box.wait_for, number)
        assert len(box.messages) == 1 and number in mail["Subject"] and mail["Reply-To"] == "mario@example.com"
        assert mail["To"] == "assistenza@bottega-aurora.example"
        assert "Pacco mai arrivato" in text_of(mail) and "I want to talk to a human" in text_of(mail)
        answer = await widget.turn("how much is shipping to germany?")  # the bot goes on helping
        assert "12.90" in answer[-1]["text"]
        await widget.close()


async def test_leaving_the_queue_offers_a_ticket_and_the_bot_answers_again(hub: str, anna: AgentSide) -> None:
    widget = await WidgetClient(hub).connect()
    await escalate(widget)
    await widget.send_frame({"type": "leave_queue"})
    offer = await widget.until(lambda f: f["type"] == "message" and "ticket_offer" in f["custom"])
    assert offer["custom"]["ticket_offer"]["reason"] == "left_queue"
    assert (await widget.until(lambda f: f["type"] == "handoff"))["state"] == "ticket"
    await widget.send_frame({"type": "leave_queue"})
    assert (await widget.until(lambda f: f["type"] == "error"))["id"] == "leave_queue"  # not waiting any more
    answer = await widget.turn("quali metodi di pagamento accettate?")
    assert "PayPal" in answer[-1]["text"]
    await widget.close()


async def test_a_word_from_shop_yml_sends_the_conversation_to_a_person(hub: str, anna: AgentSide) -> None:
    widget = await WidgetClient(hub).connect()
    conversation = await conversation_id_of(widget)
    await widget.say("se non mi rimborsate chiamo il mio avvocato")
    assert (await widget.until(lambda f: f["type"] == "handoff"))["state"] == "queued"
    assert (await anna.waiting_for(conversation))["reason"] == "escalate_on_word"
    await widget.send_frame({"type": "leave_queue"})
    await widget.close()


async def test_queue_positions_follow_priority(hub: str, anna: AgentSide) -> None:
    first, second = await WidgetClient(hub).connect(), await WidgetClient(hub).connect()
    assert (await escalate(first, "voglio un operatore"))["position"] == 1
    complaint = await escalate(second, "sono molto arrabbiato, è una vergogna")
    assert complaint["position"] == 1  # a complaint goes first
    moved = await first.until(lambda f: f["type"] == "handoff" and f.get("position") == 2)
    assert moved["wait_seconds"] >= complaint["wait_seconds"] > 0
    for widget in (first, second):
        await widget.send_frame({"type": "leave_queue"})
        await widget.close()


async def test_console_needs_a_login_and_shows_only_the_agents_queues(hub: str, workdir: Path) -> None:
    async with httpx.AsyncClient(base_url=hub) as anonymous:
        assert (await anonymous.get("/agent/api/queue")).status_code == 401
        assert (await anonymous.post("/agent/api/conversations/x/accept")).status_code == 401
        page = await anonymous.get("/agent/", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/agent/login"
        assert (await anonymous.get("/agent/static/index.html")).status_code == 404
        assert (await anonymous.get("/agent/login")).status_code == 200
    with pytest.raises(ConnectionClosed) as closed:
        async with connect(hub.replace("http", "ws", 1) + "/agent/ws") as socket:
            await socket.recv()
    assert closed.value.rcvd.code == 4401

    wrong = AgentSide(hub, "anna")
    refused = await wrong.login("not the password")
    unknown = await AgentSide(hub, "nobody").login()
    assert refused.status_code == unknown.status_code == 401
    assert refused.json() == unknown.json() == {"detail": "wrong username or password"}
    await wrong.close()

    widget = await WidgetClient(hub).connect()
    conversation = await conversation_id_of(widget)
    await escalate(widget)  # an Italian conversation
    carla = AgentSide(hub, "carla")  # serves en.returns only
    assert (await carla.login()).status_code == 200
    assert (await carla.conversation(conversation)).status_code == 403
    assert (await carla.post(conversation, "accept")).status_code == 403
    assert conversation not in {
        c["conversation_id"] for c in (await carla.http.get("/agent/api/queue")).json()["waiting"]
    }
    assert (await carla.http.post("/agent/api/logout")).status_code == 204
    assert (await carla.http.get("/agent/api/me")).status_code == 401
    await carla.close()
    await widget.send_frame({"type": "leave_queue"})
    await widget.close()


async def test_sessions_expire_and_logout_reaches_every_hub(
    assistant: Assistant, workdir: Path, redis_prefix: str
) -> None:
    env = handoff_env(workdir, REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=redis_prefix, AGENT_SESSION_TTL_SECONDS="2")
    with running_hub(assistant.rasa_url, workdir, env) as hub_a, running_hub(assistant.rasa_url, workdir, env) as hub_b:
        anna = AgentSide(hub_a, "anna")
        await anna.login()
        cookie = anna.http.cookies.get("agent_session")
        async with httpx.AsyncClient(base_url=hub_b, cookies={"agent_session": cookie}) as elsewhere:
            assert (await elsewhere.get("/agent/api/me")).status_code == 200  # one login, every hub
            await anna.http.post("/agent/api/logout")
            assert (await elsewhere.get("/agent/api/me")).status_code == 401
        await anna.login()
        assert (await anna.http.get("/agent/api/me")).status_code == 200
        await asyncio.sleep(3)
        assert (await anna.http.get("/agent/api/me")).status_code == 401
        await anna.close()


def test_handoff_metrics_are_exposed(hub: str) -> None:
    metrics = httpx.get(f"{hub}/metrics").text
    for name in (
        "hub_conversations_total",
        "hub_handoffs_total",
        "hub_handoff_queue_seconds_bucket",
        "hub_handoff_handling_seconds_bucket",
        "hub_handoffs_resolved_total",
    ):
        assert name in metrics
    assert 'outcome="queued"' in metrics
