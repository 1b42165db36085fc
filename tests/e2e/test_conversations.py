"""Whole conversations with the real trained model and the real action server, over the REST
channel, in Italian and English. Demo orders: actions/orders/seed.py."""

from __future__ import annotations

import re

import httpx
import pytest
from rasa_stack import Assistant, Shopper, custom_payloads

TEXTS = {
    "it": {
        "status": "dov'è il mio ordine? non è ancora arrivato",
        "cancel": "voglio annullare l'ordine",
        "return": "vorrei restituire un articolo che ho comprato",
        "address": "devo cambiare l'indirizzo di consegna del mio ordine",
        "refund": "non ho ancora ricevuto il rimborso",
        "invoice": "mi serve la fattura del mio ordine",
        "yes": "si confermo",
        "person": "voglio parlare con un operatore",
        "shipping": "quanto costa la spedizione?",
        "gibberish": ["qwerty uiop", "zzzz"],
        "address_text": "via Garibaldi 8, 20121 Milano",
        "reason": "taglia sbagliata",
    },
    "en": {
        "status": "where is my order? it hasn't arrived yet",
        "cancel": "i want to cancel my order",
        "return": "i'd like to return an item i bought",
        "address": "i need to change the delivery address of my order",
        "refund": "i still haven't received my refund",
        "invoice": "i need the invoice for my order",
        "yes": "yes please",
        "person": "i want to talk to a real person",
        "shipping": "how much is shipping?",
        "gibberish": ["fhqwhgads", "xkcd plorf wubba"],
        "address_text": "12 Baker Street, NW1 6XE London",
        "reason": "wrong size",
    },
}
LANGUAGES = ["it", "en"]


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> str:
    return request.param


def verify(shopper: Shopper, request: str, order_id: str, contact: str) -> str:
    """Ask for something about an order and prove ownership; the bot's answer after the proof."""
    intro = shopper.ask(request)
    assert re.search(r"6 (cifre|digits)", intro), intro
    asked_contact = shopper.ask(order_id)
    assert "email" in asked_contact.lower(), asked_contact
    return shopper.ask(contact)


CLAIMED = {f"10000{n}" for n in range(1, 8)}  # the documented demo orders: tests use them by number


RECENTLY_DELIVERED_WITH_RETURNABLE_ITEMS = """
    AND julianday('now') - julianday(delivered_at) < 25
    AND EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = orders.order_id AND i.returnable)"""


def claim_order(assistant: Assistant, status: str, condition: str = "") -> tuple[str, str]:
    """(order id, email) of a seeded order in `status` that no other test has changed."""
    query = f"SELECT order_id, email FROM orders WHERE status = ? {condition} ORDER BY order_id"
    with assistant.db() as db:
        rows = db.execute(query, (status,)).fetchall()
    order_id, email = next(row for row in rows if row[0] not in CLAIMED)
    CLAIMED.add(order_id)
    return order_id, email


def order_status(assistant: Assistant, order_id: str) -> str:
    with assistant.db() as db:
        return db.execute("SELECT status FROM orders WHERE order_id = ?", (order_id,)).fetchone()[0]


def changes(assistant: Assistant, order_id: str) -> list[tuple[str, str]]:
    with assistant.db() as db:
        return db.execute("SELECT record_id, kind FROM changes WHERE order_id = ?", (order_id,)).fetchall()


def test_order_status_after_verification(client: httpx.Client, language: str) -> None:
    shopper = Shopper(client, language)
    answer = verify(shopper, TEXTS[language]["status"], "100002", "emma.clark@example.co.uk")
    assert "100002" in answer and "DHL" in answer
    assert "tracking" in answer.lower()
    assert "emma.clark" not in answer  # personal data stays masked


def test_verification_by_phone_number(client: httpx.Client, language: str) -> None:
    shopper = Shopper(client, language)
    answer = verify(shopper, TEXTS[language]["status"], "100003", "+39 338 987 6543")
    assert "100003" in answer


def test_cancel_placed_order_persists(assistant: Assistant, client: httpx.Client, language: str) -> None:
    order_id, contact = claim_order(assistant, "placed")
    shopper = Shopper(client, language)
    question = verify(shopper, TEXTS[language]["cancel"], order_id, contact)
    assert order_id in question and "?" in question
    done = shopper.ask(TEXTS[language]["yes"])
    assert f"CAN-{order_id}" in done
    assert order_status(assistant, order_id) == "cancelled"
    assert (f"CAN-{order_id}", "cancellation") in changes(assistant, order_id)


def test_cancel_shipped_order_is_refused(assistant: Assistant, client: httpx.Client, language: str) -> None:
    shopper = Shopper(client, language)
    answer = verify(shopper, TEXTS[language]["cancel"], "100002", "emma.clark@example.co.uk")
    assert "100002" in answer and "DHL" in answer
    assert order_status(assistant, "100002") == "shipped"
    assert changes(assistant, "100002") == []


def test_address_change_before_shipping(assistant: Assistant, client: httpx.Client, language: str) -> None:
    order_id, contact = claim_order(assistant, "processing")
    shopper = Shopper(client, language)
    asked = verify(shopper, TEXTS[language]["address"], order_id, contact)
    assert re.search(r"(indirizzo|address)", asked, re.IGNORECASE), asked
    confirm = shopper.ask(TEXTS[language]["address_text"])
    assert order_id in confirm and "?" in confirm
    done = shopper.ask(TEXTS[language]["yes"])
    assert f"ADR-{order_id}" in done
    assert "address_change" in [kind for _, kind in changes(assistant, order_id)]


def test_return_inside_window_creates_rma(assistant: Assistant, client: httpx.Client, language: str) -> None:
    order_id, contact = claim_order(assistant, "delivered", RECENTLY_DELIVERED_WITH_RETURNABLE_ITEMS)
    shopper = Shopper(client, language)
    shopper.ask(TEXTS[language]["return"])
    shopper.ask(order_id)
    item_buttons = [button for reply in shopper.say(contact) for button in reply.get("buttons", [])]
    assert item_buttons, "the returnable items are offered as buttons"
    reason_question = shopper.say(item_buttons[0]["payload"])
    assert any(reply.get("buttons") for reply in reason_question)  # the reasons, as buttons
    confirm = shopper.ask(TEXTS[language]["reason"])
    assert order_id in confirm
    done = shopper.ask(TEXTS[language]["yes"])
    assert re.search(rf"RMA-{order_id}-\d+", done), done
    assert any(kind == "return" for _, kind in changes(assistant, order_id))


def test_return_outside_window_is_refused(assistant: Assistant, client: httpx.Client, language: str) -> None:
    shopper = Shopper(client, language)
    answer = verify(shopper, TEXTS[language]["return"], "100004", "john.smith@example.com")
    assert "30" in answer
    assert changes(assistant, "100004") == []


def test_refund_status_and_invoice(assistant: Assistant, client: httpx.Client, language: str) -> None:
    shopper = Shopper(client, language)
    refund = verify(shopper, TEXTS[language]["refund"], "100005", "luca.verdi@example.it")
    assert re.search(r"\d+[,.]\d\d", refund), refund  # the amount
    invoice = shopper.ask(TEXTS[language]["invoice"])  # same order, already verified
    assert "l***@example.it" in invoice
    assert any(kind == "invoice_request" for _, kind in changes(assistant, "100005"))


def test_three_wrong_contacts_lock_lookups_without_revealing_orders(
    assistant: Assistant, client: httpx.Client, language: str
) -> None:
    shopper = Shopper(client, language)
    wrong_for_real_order = verify(shopper, TEXTS[language]["status"], "100001", "not.me@example.com")
    assert shopper.ask("999998")  # a number that is no order: asked for the contact again
    wrong_for_unknown_order = shopper.ask("someone@example.com")
    # The same answer whether or not the order exists (only the attempts left differ).
    assert re.sub(r"\d", "", wrong_for_real_order) == re.sub(r"\d", "", wrong_for_unknown_order)
    shopper.ask("100001")
    locked = shopper.say("still.not.me@example.com")
    handoff = custom_payloads(locked, "handoff")
    assert handoff and handoff[0]["reason"] == "failed_verification"
    again = shopper.ask(TEXTS[language]["status"])
    assert "15" in again  # still locked, and no verification asked
    assert changes(assistant, "100001") == []


def test_two_fallbacks_offer_a_person(client: httpx.Client, language: str) -> None:
    shopper = Shopper(client, language)
    first, second = (shopper.say(text) for text in TEXTS[language]["gibberish"])
    assert custom_payloads(first, "fallback") == [{"misses_in_a_row": 1}]
    assert custom_payloads(second, "fallback") == [{"misses_in_a_row": 2}]
    assert not any(b["payload"] == "/human_handoff" for r in first for b in r.get("buttons", []))
    assert any(b["payload"] == "/human_handoff" for r in second for b in r.get("buttons", []))
    handoff = custom_payloads(shopper.say("/human_handoff"), "handoff")
    assert handoff[0]["reason"] == "repeated_fallback"


def test_ask_for_a_person_emits_handoff_payload(client: httpx.Client, language: str) -> None:
    shopper = Shopper(client, language)
    shopper.ask(TEXTS[language]["shipping"])
    replies = shopper.say(TEXTS[language]["person"])
    handoff = custom_payloads(replies, "handoff")[0]
    assert handoff["reason"] == "requested"
    assert handoff["language"] == language
    assert "shipping_cost" in handoff["summary"]


def test_shipping_answer_uses_the_cart(client: httpx.Client, language: str) -> None:
    shopper = Shopper(client, language)
    answer = shopper.ask(TEXTS[language]["shipping"], cart={"subtotal": 62.0, "country": "IT", "step": "shipping"})
    assert "27,00" in answer or "27.00" in answer  # 89.00 threshold - 62.00 in the cart


def test_language_is_detected_and_sticky(client: httpx.Client) -> None:
    shopper = Shopper(client)
    assert "shipping" in shopper.ask("how much does shipping to germany cost?").lower()
    assert re.search(r"(great|welcome|help|sorry|rephrase)", shopper.ask("ok").lower())  # a short "ok" keeps English
    assert "spedizione" in shopper.ask("e quanto costa la spedizione in svizzera?").lower()


@pytest.mark.parametrize(
    "text",
    ["", "x" * 10_000, "1' OR '1'='1'; DROP TABLE orders; --", "<script>alert(1)</script>", "🙂" * 50],
)
def test_bad_input_gets_an_answer_and_changes_nothing(assistant: Assistant, client: httpx.Client, text: str) -> None:
    with assistant.db() as db:
        before = db.execute("SELECT COUNT(*), GROUP_CONCAT(status) FROM orders").fetchone()
    replies = Shopper(client, "en").say(text)
    assert replies and all(reply.get("text") or reply.get("custom") for reply in replies)
    with assistant.db() as db:
        assert db.execute("SELECT COUNT(*), GROUP_CONCAT(status) FROM orders").fetchone() == before


def test_sql_looking_input_finds_nothing(assistant: Assistant, client: httpx.Client) -> None:
    shopper = Shopper(client, "en")
    shopper.ask(TEXTS["en"]["status"])
    assert "6 digits" in shopper.ask("1' OR '1'='1")  # no order number in it: nothing looked up
    shopper.ask("100001")
    assert "email or phone" in shopper.ask("x' OR '1'='1' --")  # neither an email nor a phone: asked again
    answer = shopper.ask("x@example.com' OR '1'='1")
    assert "don't match" in answer
    assert "100001" not in answer
