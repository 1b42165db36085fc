"""Chat replies reshaped for the phone, in Italian and English."""

from __future__ import annotations

import pytest

from voice.numbers import digit_words, words_to_digits
from voice.spoken import for_the_ear, order_sentence

SHIPPED_CARD = {
    "order_id": "100002",
    "status": "shipped",
    "items": [{"name": "Mocassini", "quantity": 1}, {"name": "Cintura", "quantity": 2}],
    "total": "€189.00",
    "carrier": "DHL",
    "tracking_url": "https://www.dhl.com/track?id=JD014600006281",
    "expected_delivery": "2026-11-24",
    "ship_to": "Via R***, 50123 Firenze",
}


def test_buttons_are_read_as_the_options_the_caller_can_say() -> None:
    buttons_it = [
        {"title": "Pagamento", "payload": "/payment_methods"},
        {"title": "Spedizione", "payload": "/shipping_cost"},
        {"title": "Resi", "payload": "/return_policy"},
    ]
    spoken = for_the_ear("Come posso aiutarti?", buttons_it, {}, "it")
    assert spoken == "Come posso aiutarti? Puoi dire: pagamento, spedizione o resi."

    buttons_en = [{"title": t, "payload": "/x"} for t in ("Payment", "Delivery", "Returns")]
    assert (
        for_the_ear("How can I help?", buttons_en, {}, "en")
        == "How can I help? You can say: payment, delivery or returns."
    )
    assert for_the_ear("Anything else?", [{"title": "Talk to a person"}], {}, "en") == (
        "Anything else? You can say: talk to a person."
    )
    assert for_the_ear("Vuoi un operatore?", [{"title": "Sì"}, {"title": "No"}], {}, "it").endswith(
        "Puoi dire: sì o no."
    )


def test_order_numbers_and_other_long_numbers_are_read_digit_by_digit() -> None:
    assert for_the_ear("Ordine 100001 annullato, riferimento CAN-100001.", [], {}, "it") == (
        "Ordine 1 0 0 0 0 1 annullato, riferimento CAN-1 0 0 0 0 1."
    )
    # short numbers (prices, days, years) stay numbers
    assert for_the_ear("Free shipping over 99 EUR, returns within 30 days, since 2025.", [], {}, "en") == (
        "Free shipping over 99 EUR, returns within 30 days, since 2025."
    )


def test_amounts_are_said_in_euros_not_read_as_decimals() -> None:
    assert for_the_ear("Totale 1.234,50 €, spedizione 9,90 €, reso 0,00 €.", [], {}, "it") == (
        "Totale 1234 euro e 50 centesimi, spedizione 9 euro e 90 centesimi, reso 0 euro."
    )
    assert for_the_ear("Total €189.00, shipping €1.", [], {}, "en") == "Total 189 euros, shipping 1 euro."
    assert for_the_ear("A refund of €12,345.00.", [], {}, "en") == "A refund of 12345 euros."


def test_emails_are_spelled() -> None:
    assert for_the_ear("Scrivi a help-desk@bottega.it", [], {}, "it") == (
        "Scrivi a h e l p trattino d e s k chiocciola b o t t e g a punto i t."
    )
    assert for_the_ear("We wrote to mario.rossi@example.com.", [], {}, "en") == (
        "We wrote to m a r i o dot r o s s i at e x a m p l e dot c o m."
    )
    # a masked address: the hidden letters are not read out as stars
    assert for_the_ear("Sent to m***@ex.co.uk", [], {}, "en") == "Sent to m at e x dot c o dot u k."


def test_markdown_links_and_emoji_are_removed() -> None:
    text = "**Ciao!** 👋 Leggi [le condizioni di reso](https://shop.example/resi) 📦 oppure _scrivici_."
    assert for_the_ear(text, [], {}, "it") == "Ciao! Leggi le condizioni di reso oppure scrivici."
    # a link announced by a label goes with its label; a bare site is said as an address to type
    assert for_the_ear("Shipped with DHL. Track it: https://dhl.example/t?id=9", [], {}, "en") == "Shipped with DHL."
    assert for_the_ear("Reset it on www.bottega-aurora.it/reset", [], {}, "en") == (
        "Reset it on bottega dash aurora dot it."
    )
    assert for_the_ear("# Returns\n- free in Italy\n- `30` days 👍🏽", [], {}, "en") == "Returns free in Italy 30 days."


def test_an_order_card_becomes_one_sentence() -> None:
    assert order_sentence(SHIPPED_CARD, "it") == (
        "Ordine 1 0 0 0 0 2: spedito con DHL, consegna prevista il 24 novembre, 3 articoli, totale 189 euro."
    )
    assert order_sentence(SHIPPED_CARD, "en") == (
        "Order 1 0 0 0 0 2: shipped with DHL, expected on 24 November, 3 items, total 189 euros."
    )
    placed = {"order_id": "100001", "status": "placed", "items": [{"name": "Borsa", "quantity": 1}], "total": "89 €"}
    assert order_sentence(placed, "it") == "Ordine 1 0 0 0 0 1: ricevuto, 1 articolo, totale 89 euro."


def test_the_card_is_read_unless_the_text_already_tells_about_the_order() -> None:
    custom = {"order_summary": SHIPPED_CARD}
    assert for_the_ear("Ecco il tuo ordine:", [], custom, "it") == (
        "Ecco il tuo ordine: Ordine 1 0 0 0 0 2: spedito con DHL, consegna prevista il 24 novembre, 3 articoli, "
        "totale 189 euro."
    )
    status_reply = (
        "Order 100002 (Mocassini): shipped 20 November with DHL, tracking JD014600006281. "
        "Expected delivery: Monday 24 November. Track it: https://www.dhl.com/track?id=JD014600006281"
    )
    assert for_the_ear(status_reply, [], custom, "en") == (
        "Order 1 0 0 0 0 2 (Mocassini): shipped 20 November with DHL, tracking JD0 1 4 6 0 0 0 0 6 2 8 1. "
        "Expected delivery: Monday 24 November."
    )


def test_a_language_without_phrasing_is_refused() -> None:
    with pytest.raises(LookupError, match="'de'"):
        for_the_ear("Hallo", [{"title": "Ja"}], {}, "de")


@pytest.mark.parametrize(
    ("language", "heard", "meant"),
    [
        ("en", "my order number is one zero zero zero zero two", "my order number is 100002"),
        ("en", "one oh oh oh oh seven please", "100007 please"),
        ("en", "i want to return one of my shoes", "i want to return one of my shoes"),
        ("it", "il numero è uno zero zero zero zero tre", "il numero è 100003"),
        ("it", "sei sicuro che sono due paia", "sei sicuro che sono due paia"),
        ("ko", "일 이 삼", "일 이 삼"),
    ],
)
def test_runs_of_spoken_digits_become_numbers(language: str, heard: str, meant: str) -> None:
    assert words_to_digits(heard, language) == meant


def test_digit_grammars_exist_for_both_languages() -> None:
    assert len(digit_words("it")) == 10 and "quattro" in digit_words("it")
    assert {"zero", "one", "nine"} <= set(digit_words("en"))
    with pytest.raises(LookupError, match="'ko'"):
        digit_words("ko")
