"""Human handoff in the browser: a shopper on the demo page (widget) and an agent in the console,
two contexts of one real Chromium, against a real hub process on the real Rasa and action server.
Screenshots go to tests/screenshots/."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from assistant_processes import free_port, running_hub
from chromium import shot
from handoff_setup import Mailbox, add_agent, shop_file, text_of
from playwright.sync_api import Browser, BrowserContext, Page, expect
from rasa_stack import Assistant
from test_widget_browser import ANSWER_TIMEOUT_MS, browser  # noqa: F401 (browser is a fixture)
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

AGENT = {"username": "anna", "name": "Anna", "password": "anna-password-1234", "queues": "it.*,en.*"}
COLLEAGUE = {"username": "marco", "name": "Marco", "password": "marco-password-1234", "queues": "it.*,en.*"}
OTHER_QUEUE = {"username": "luca", "name": "Luca", "password": "luca-password-1234", "queues": "en.returns"}
NO_BOT_REPLY_WAIT_MS = 4_000  # longer than a bot turn takes here (about 1 s)


# ---------- fixtures: agents, shop files, hubs, a real SMTP server ----------


@pytest.fixture(scope="module")
def agents_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("agents") / "agents.json"
    for agent in (AGENT, COLLEAGUE, OTHER_QUEUE):
        add_agent(path, **agent)
    return path


@pytest.fixture(scope="module")
def open_hub(assistant: Assistant, agents_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("handoff-hub")
    env = {"SHOP_FILE": str(shop_file(workdir, True)), "AGENTS_FILE": str(agents_file), "OUTBOX_DIR": str(workdir)}
    with running_hub(assistant.rasa_url, workdir, env) as url:
        yield url


@dataclass
class ClosedHub:
    url: str
    inbox: Mailbox


@pytest.fixture(scope="module")
def closed_hub(
    assistant: Assistant, agents_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ClosedHub]:
    workdir = tmp_path_factory.mktemp("closed-hub")
    inbox = Mailbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {
        "SHOP_FILE": str(shop_file(workdir, False)),
        "AGENTS_FILE": str(agents_file),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_STARTTLS": "false",
    }
    try:
        with running_hub(assistant.rasa_url, workdir, env) as url:
            yield ClosedHub(url, inbox)
    finally:
        smtp.stop()


NewContext = Callable[..., BrowserContext]


@pytest.fixture
def contexts(browser: Browser) -> Iterator[NewContext]:  # noqa: F811
    """Makes separate browser contexts (own cookies and storage), all closed after the test."""
    opened: list[BrowserContext] = []

    def new(locale: str = "it-IT") -> BrowserContext:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=locale)
        opened.append(context)
        return context

    yield new
    for context in opened:
        context.close()


# ---------- the two sides ----------


def log_in(page: Page, hub: str, agent: dict[str, str]) -> None:
    page.goto(f"{hub}/agent/login")
    page.get_by_label("Nome utente").fill(agent["username"])
    page.get_by_label("Password").fill(agent["password"])
    page.get_by_role("button", name="Entra").click()
    expect(page).to_have_url(f"{hub}/agent/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")


def open_widget(page: Page, hub: str) -> None:
    page.goto(f"{hub}/demo/")
    page.locator(".ca-launcher").click()
    expect(page.get_by_role("dialog")).to_be_visible()


def ask(page: Page, text: str) -> None:
    box = page.locator(".ca-input")
    box.fill(text)
    box.press("Enter")


def conversation_id(shopper: Page) -> str:
    return shopper.evaluate("window.CheckoutAssistant.conversationId")


def console_api(agent: Page, hub: str, path: str) -> tuple[int, dict]:
    """GET from the console API with the agent's own session cookie: (status, JSON body)."""
    response = agent.request.get(f"{hub}/agent/api/{path}")
    return response.status, response.json()


def stored_conversation(agent: Page, hub: str, conversation: str) -> dict:
    status, body = console_api(agent, hub, f"conversations/{conversation}")
    assert status == 200, body
    return body


def tracker_events(assistant: Assistant, conversation: str) -> list[dict]:
    response = httpx.get(f"{assistant.rasa_url}/conversations/{conversation}/tracker", timeout=30)
    response.raise_for_status()
    return response.json()["events"]


def waiting_item(agent: Page):
    return agent.locator("#waiting-list .conv")


# ---------- tests ----------


def test_console_needs_a_login(open_hub: str, contexts: NewContext) -> None:
    page = contexts().new_page()
    page.goto(f"{open_hub}/agent/")
    expect(page).to_have_url(f"{open_hub}/agent/login")
    for path in ["me", "queue", "agents", "canned?lang=it", "conversations/anything"]:
        assert httpx.get(f"{open_hub}/agent/api/{path}").status_code == 401, path
    assert httpx.post(f"{open_hub}/agent/api/conversations/anything/accept").status_code == 401
    socket_url = open_hub.replace("http://", "ws://") + "/agent/ws"
    with pytest.raises(ConnectionClosed) as closed, connect(socket_url) as socket:
        socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def test_a_revoked_session_sends_the_console_back_to_login(open_hub: str, contexts: NewContext) -> None:
    page = contexts().new_page()
    log_in(page, open_hub, AGENT)
    # Revoke the session behind the console's back (what expiry does): the hub closes the live
    # socket with 4401 at its next session check, and the console goes to the login page.
    assert page.request.post(f"{open_hub}/agent/api/logout").status == 204
    expect(page).to_have_url(f"{open_hub}/agent/login?expired=1", timeout=30_000)
    expect(page.get_by_role("status")).to_have_text("La sessione è scaduta: accedi di nuovo.")


def test_handoff_from_the_widget_to_the_console_and_back(
    open_hub: str, assistant: Assistant, contexts: NewContext
) -> None:
    agent = contexts().new_page()
    shopper = contexts().new_page()

    # The agent logs in: a wrong password first.
    agent.goto(f"{open_hub}/agent/login")
    agent.get_by_label("Nome utente").fill(AGENT["username"])
    agent.get_by_label("Password").fill("not-the-password")
    agent.get_by_role("button", name="Entra").click()
    expect(agent.get_by_role("alert")).to_have_text("Nome utente o password errati.")
    log_in(agent, open_hub, AGENT)
    expect(agent.locator("#agent-name")).to_contain_text("Anna")

    # The shopper asks for a person and waits first in line.
    open_widget(shopper, open_hub)
    shopper.evaluate("() => { window.agentEvents = []; CheckoutAssistant.on('agent', (e) => agentEvents.push(e)); }")
    ask(shopper, "vorrei parlare con un operatore")
    status = shopper.locator(".ca-handoff-text")
    expect(status).to_contain_text("Sei il numero 1 in coda", timeout=ANSWER_TIMEOUT_MS)
    expect(shopper.get_by_role("button", name="Lascia invece un messaggio")).to_be_visible()
    conversation = conversation_id(shopper)

    # The agent sees it in the queue, with the reason and the one-line summary.
    waiting = waiting_item(agent)
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Ha chiesto una persona")
    expect(waiting.locator(".conv-summary")).to_contain_text("requested")
    expect(agent).to_have_title(re.compile(r"^\(1\) Console operatori"))
    shot(agent, "console-queue")

    # An agent of another queue neither sees it nor may open it.
    outsider = contexts().new_page()
    log_in(outsider, open_hub, OTHER_QUEUE)
    expect(outsider.locator("#waiting-list .conv-empty")).to_be_visible()
    assert console_api(outsider, open_hub, f"conversations/{conversation}")[0] == 403

    # Accept: the shopper sees Anna join.
    waiting.get_by_role("button", name=re.compile("^Accetta")).click()
    expect(agent.locator("#mine-list .conv")).to_have_count(1)
    expect(agent.locator("#composer-input")).to_be_enabled()
    expect(status).to_have_text("Anna è con te", timeout=ANSWER_TIMEOUT_MS)
    expect(shopper.locator(".ca-msg--notice")).to_contain_text("Anna del nostro team è entrato")

    # The context panel shows what the bot knew.
    context_panel = agent.locator("#context")
    for known in ["Italiano", "Ha chiesto una persona", "human_handoff", "Portafoglio", "62,00"]:
        expect(context_panel).to_contain_text(known)  # language, reason, intents, the demo cart

    # Chat both ways, with typing shown on both sides.
    shopper.locator(".ca-input").press_sequentially("ho un problema con il pagamento", delay=40)
    expect(agent.locator("#shopper-typing")).to_have_text("Il cliente sta scrivendo…")
    shopper.locator(".ca-input").press("Enter")
    expect(agent.locator(".entry--shopper").last).to_contain_text("ho un problema con il pagamento")
    agent.get_by_label("Risposte pronte").select_option(label="Saluto")
    composer = agent.locator("#composer-input")
    expect(composer).to_have_value(re.compile("^Ciao, sono Anna"))
    composer.press("End")
    composer.press_sequentially(" Vediamo insieme.", delay=40)
    expect(shopper.locator(".ca-typing-name")).to_have_text("Anna sta scrivendo…")
    composer.press("Enter")
    agent_message = shopper.locator(".ca-msg--agent[data-seq]").last
    expect(agent_message).to_contain_text("Vediamo insieme.", timeout=ANSWER_TIMEOUT_MS)
    expect(agent_message.locator(".ca-name")).to_have_text("Anna")
    agent.get_by_label("Nuova nota interna").fill("Carta rifiutata: controllare il gateway")
    agent.get_by_role("button", name="Aggiungi nota").click()
    expect(agent.locator("#notes-list")).to_contain_text("Carta rifiutata: controllare il gateway")
    expect(shopper.get_by_role("log")).not_to_contain_text("controllare il gateway")
    shot(agent, "console-chat")
    shot(shopper, "widget-with-agent")

    # While a person helps, the bot stays silent and never even hears the shopper.
    ask(shopper, "la carta viene rifiutata")
    expect(agent.locator(".entry--shopper").last).to_contain_text("la carta viene rifiutata")
    agent.wait_for_timeout(NO_BOT_REPLY_WAIT_MS)
    transcript = stored_conversation(agent, open_hub, conversation)["transcript"]
    asked = next(e["seq"] for e in transcript if e["text"] == "ho un problema con il pagamento")
    assert [e for e in transcript if e["seq"] > asked and e["role"] == "bot"] == []
    events = tracker_events(assistant, conversation)
    assert any(e["event"] == "pause" for e in events)
    heard = {e.get("text") for e in events if e["event"] == "user"}
    assert not heard & {"ho un problema con il pagamento", "la carta viene rifiutata"}

    # Hand back: the bot answers again, with the cart it knew.
    agent.get_by_role("button", name="Restituisci al bot").click()
    expect(agent.locator("#mine-list .conv")).to_have_count(0)
    expect(shopper.locator(".ca-handoff")).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)
    expect(shopper.locator(".ca-msg--notice").last).to_contain_text("assistente virtuale")
    ask(shopper, "quanto costa la spedizione?")
    shipping_answer = shopper.locator(".ca-msg--bot[data-seq]", has_text="27,00")  # 89 threshold - 62 in the cart
    expect(shipping_answer).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    assert any(e["event"] == "resume" for e in tracker_events(assistant, conversation))

    # Escalate again, accept, resolve: the shopper rates the chat, and the rating is stored.
    shopper.get_by_role("button", name="Parla con una persona").click()
    expect(status).to_contain_text("Sei il numero 1 in coda", timeout=ANSWER_TIMEOUT_MS)
    waiting.get_by_role("button", name=re.compile("^Accetta")).click()
    expect(status).to_have_text("Anna è con te", timeout=ANSWER_TIMEOUT_MS)
    agent.get_by_label("Esito").select_option("solved")
    agent.get_by_role("button", name="Risolvi").click()
    expect(agent.locator("#mine-list .conv")).to_have_count(0)
    stars = shopper.locator(".ca-csat .ca-star")
    expect(stars).to_have_count(5, timeout=ANSWER_TIMEOUT_MS)
    shot(shopper, "widget-csat")
    stars.nth(4).click()
    expect(shopper.locator(".ca-csat")).to_have_text("Grazie per la valutazione!")
    deadline = time.monotonic() + 10
    while stored_conversation(agent, open_hub, conversation)["csat"] is None and time.monotonic() < deadline:
        time.sleep(0.1)
    stored = stored_conversation(agent, open_hub, conversation)
    assert (stored["csat"], stored["state"], stored["disposition"]) == (5, "closed", "solved")
    assert shopper.evaluate("agentEvents") == [
        {"state": "queued", "agent": None},
        {"state": "agent", "agent": "Anna"},
        {"state": "bot", "agent": None},
        {"state": "queued", "agent": None},
        {"state": "agent", "agent": "Anna"},
        {"state": "closed", "agent": None},
    ]


def test_two_agents_race_then_transfer_with_a_verified_order(open_hub: str, contexts: NewContext) -> None:
    anna, marco = contexts().new_page(), contexts().new_page()
    log_in(anna, open_hub, AGENT)
    log_in(marco, open_hub, COLLEAGUE)
    shopper = contexts("en-GB").new_page()
    shopper.goto(f"{open_hub}/demo/")
    shopper.get_by_role("button", name="EN", exact=True).click()
    shopper.locator(".ca-launcher").click()
    for text in ["where is my order?", "100002", "emma.clark@example.co.uk"]:  # verified: the order card
        answered = shopper.locator(".ca-msg--bot[data-seq]").count()
        ask(shopper, text)
        shopper.wait_for_function(
            "n => document.querySelectorAll('.ca-msg--bot[data-seq]').length > n",
            arg=answered,
            timeout=ANSWER_TIMEOUT_MS,
        )
    expect(shopper.locator(".ca-order")).to_contain_text("100002")
    ask(shopper, "I want to talk to a person")
    for agent in (anna, marco):
        expect(waiting_item(agent)).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
        expect(waiting_item(agent).locator(".flag")).to_contain_text("EN")

    # Both consoles click "Accept" at the same instant (one clock: the pages share a browser).
    at = anna.evaluate("Date.now() + 500")
    for agent in (anna, marco):
        agent.evaluate(
            "at => setTimeout(() => document.querySelector('#waiting-list .conv-accept').click(), at - Date.now())", at
        )
    for agent in (anna, marco):
        expect(agent.locator("#mine-list .conv, #toast.toast--error:not([hidden])").first).to_be_visible()
    winners = [agent for agent in (anna, marco) if agent.locator("#mine-list .conv").count() == 1]
    assert len(winners) == 1
    winner, loser = winners[0], marco if winners[0] is anna else anna
    expect(loser.locator("#toast")).to_have_text("Conversazione già presa da un altro operatore.")
    expect(loser.locator("#mine-list .conv")).to_have_count(0)
    names = {id(anna): AGENT, id(marco): COLLEAGUE}
    status = shopper.locator(".ca-handoff-text")
    expect(status).to_have_text(f"{names[id(winner)]['name']} is with you", timeout=ANSWER_TIMEOUT_MS)

    # The winner sees the verified order, in the console's English.
    winner.get_by_role("button", name="EN", exact=True).click()
    context_panel = winner.locator("#context")
    expect(context_panel.locator(".order")).to_contain_text("Order 100002")
    expect(context_panel).to_contain_text("English")
    expect(winner.locator("#transcript .order")).to_contain_text("DHL")
    shot(winner, "console-chat-en")

    # Transfer to the colleague: they own it at once, and the shopper is told.
    winner.get_by_label("Transfer to").select_option(f"agent:{names[id(loser)]['username']}")
    winner.get_by_role("button", name="Transfer", exact=True).click()
    expect(winner.locator("#mine-list .conv")).to_have_count(0)
    expect(loser.locator("#mine-list .conv")).to_have_count(1)
    expect(status).to_have_text(f"{names[id(loser)]['name']} is with you", timeout=ANSWER_TIMEOUT_MS)
    loser.locator("#mine-list .conv-open").click()
    loser.get_by_role("button", name="Risolvi").click()
    expect(loser.locator("#mine-list .conv")).to_have_count(0)


def test_leaving_the_queue_offers_a_ticket(open_hub: str, contexts: NewContext) -> None:
    agent = contexts().new_page()
    log_in(agent, open_hub, AGENT)
    shopper = contexts().new_page()
    open_widget(shopper, open_hub)
    ask(shopper, "vorrei parlare con un operatore")
    expect(waiting_item(agent)).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    shot(shopper, "widget-queued")
    agent.set_viewport_size({"width": 1024, "height": 700})
    waiting_item(agent).locator(".conv-open").click()
    expect(agent.locator("#context")).to_contain_text("Italiano")
    shot(agent, "console-narrow")
    shopper.get_by_role("button", name="Lascia invece un messaggio").click()
    expect(shopper.locator(".ca-ticket-form")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(shopper.locator(".ca-handoff")).to_be_hidden()
    expect(waiting_item(agent)).to_have_count(0)


@pytest.mark.parametrize(
    ("language", "request_text", "bad_email_text", "number_label"),
    [
        ("it", "vorrei parlare con un operatore", "Scrivi un indirizzo email valido", "Numero della richiesta"),
        ("en", "I want to talk to a person", "Enter a valid email address", "Request number"),
    ],
)
def test_ticket_when_support_is_closed(
    closed_hub: ClosedHub,
    contexts: NewContext,
    language: str,
    request_text: str,
    bad_email_text: str,
    number_label: str,
) -> None:
    shopper = contexts().new_page()
    shopper.goto(f"{closed_hub.url}/demo/")
    shopper.get_by_role("button", name=language.upper(), exact=True).click()
    shopper.locator(".ca-launcher").click()
    ask(shopper, request_text)
    form = shopper.locator(".ca-ticket-form")
    expect(form).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(shopper.locator(".ca-handoff")).to_be_hidden()
    shot(shopper, f"widget-ticket-form-{language}")

    email_field, description, send = form.locator("input[type=email]"), form.locator("textarea"), form.locator("button")
    email_field.fill("mario@")
    description.fill("Il pagamento con PayPal non va a buon fine")
    send.click()
    expect(form).to_contain_text(bad_email_text)  # caught in the page
    email_field.fill("mario@example..com")  # passes the page's check; the hub refuses it
    send.click()
    expect(form.get_by_role("alert")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(email_field).to_have_value("mario@example..com")  # nothing lost
    email_field.fill("mario.rossi@example.com")
    send.click()
    number = shopper.locator(".ca-ticket-number strong")
    expect(number).to_have_text(re.compile(r"^T-\d+$"), timeout=ANSWER_TIMEOUT_MS)
    expect(shopper.locator(".ca-ticket-number")).to_contain_text(number_label)
    expect(form).to_have_count(0)
    ticket = number.inner_text()
    shot(shopper, f"widget-ticket-number-{language}")

    # The support address got it over SMTP.
    assert "Il pagamento con PayPal non va a buon fine" in text_of(closed_hub.inbox.wait_for(ticket))

    # A reload replays the offer, but no form for a ticket that already exists.
    shopper.reload()
    if not shopper.get_by_role("dialog").is_visible():
        shopper.locator(".ca-launcher").click()
    expect(shopper.locator(".ca-ticket-number strong")).to_have_text(ticket, timeout=ANSWER_TIMEOUT_MS)
    expect(shopper.locator(".ca-ticket-form")).to_have_count(0)
