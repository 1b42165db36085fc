"""Chat replies reshaped for the ear: what the caller hears instead of what the shopper reads.

No markdown, links or emoji; buttons become the options the caller can say; long numbers (order
numbers, postcodes, tracking numbers) are read digit by digit and email addresses spelled; an
order card becomes one sentence.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

WORDS = {
    "it": {
        "you_can_say": "Puoi dire:",
        "or": "o",
        "at": "chiocciola",
        ".": "punto",
        "-": "trattino",
        "_": "trattino basso",
        "order": "Ordine",
        "item": "articolo",
        "items": "articoli",
        "euro": "euro",
        "euros": "euro",
        "cents": "e {cents} centesimi",
        "total": "totale",
        "carrier": "con",
        "expected": "consegna prevista il",
        "states": {
            "placed": "ricevuto",
            "processing": "in preparazione",
            "shipped": "spedito",
            "delivered": "consegnato",
            "cancelled": "annullato",
        },
        "months": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    },
    "en": {
        "you_can_say": "You can say:",
        "or": "or",
        "at": "at",
        ".": "dot",
        "-": "dash",
        "_": "underscore",
        "order": "Order",
        "item": "item",
        "items": "items",
        "euro": "euro",
        "euros": "euros",
        "cents": "and {cents} cents",
        "total": "total",
        "carrier": "with",
        "expected": "expected on",
        "states": {
            "placed": "received",
            "processing": "being prepared",
            "shipped": "shipped",
            "delivered": "delivered",
            "cancelled": "cancelled",
        },
        "months": "January February March April May June July August September October November December",
    },
}

_EMAIL = re.compile(r"[\w.+*-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+")
# a label introducing a link ("Track it: https://...") means nothing once the link is gone
_LABELLED_URL = re.compile(r"[^.!?:\n]*:\s*(?:https?://|www\.)\S+")
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
# emphasis and code marks, an underscore at the edge of a word ("_this_", not "snake_case"), and
# heading, list and quote marks at the start of a line
_MARKDOWN_MARKS = re.compile(
    r"\*\*|__|\*|`|~~|(?<![^\W_])_|_(?![^\W_])|^\s{0,3}(?:#{1,6}\s+|[-*+]\s+|>\s*)", re.MULTILINE
)
_LONG_NUMBER = re.compile(r"\d{5,}(?!\s+euro)")  # order, tracking, postcode; not an amount
# "€1,234.50" (English format) or "1.234,50 €" (Italian format): units, then cents if any
_AMOUNT = r"(\d{1,3}(?:[.,\u202f\xa0]\d{3})*)(?:[.,](\d{2}))?"
_MONEY = re.compile(rf"€\s?{_AMOUNT}|{_AMOUNT}\s?€")
_STRAY_PUNCTUATION = re.compile(r"\s+([.,;:!?])")


def for_the_ear(text: str, buttons: list[dict], custom: dict, language: str) -> str:
    """What the caller hears for a chat reply made of `text`, `buttons` and `custom` (an order card)."""
    words = _words(language)
    parts = [_as_sentence(_spoken_text(text, words))]
    card = custom.get("order_summary") if isinstance(custom, dict) else None
    if isinstance(card, dict) and not _mentions_order(text, card):
        parts.append(order_sentence(card, language))
    options = [_plain(str(button.get("title", ""))) for button in buttons if isinstance(button, dict)]
    if any(options):
        parts.append(f"{words['you_can_say']} {_spoken_list([option for option in options if option], words)}.")
    return " ".join(part for part in parts if part)


def order_sentence(card: dict[str, Any], language: str) -> str:
    """An order card as one sentence: "Order 1 0 0 0 0 2: shipped with DHL, 2 items, total 189 euros."."""
    words = _words(language)
    state = words["states"].get(card.get("status"), card.get("status") or "")
    if card.get("carrier"):
        state = f"{state} {words['carrier']} {card['carrier']}".strip()
    facts = [state]
    if card.get("expected_delivery"):
        facts.append(f"{words['expected']} {_spoken_date(str(card['expected_delivery']), words)}")
    items = card.get("items") or []
    if items:
        count = sum(int(item.get("quantity") or 1) for item in items if isinstance(item, dict))
        facts.append(f"{count} {words['item' if count == 1 else 'items']}")
    if card.get("total"):
        total = _MONEY.sub(lambda match: _spoken_money(match, words), str(card["total"]))
        facts.append(f"{words['total']} {total}")
    order_id = _digit_by_digit(str(card.get("order_id", "")))
    return f"{words['order']} {order_id}: {', '.join(str(fact) for fact in facts if fact)}."


def _spoken_text(text: str, words: dict[str, Any]) -> str:
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _EMAIL.sub(lambda match: _spelled_email(match.group(), words), text)
    text = _LABELLED_URL.sub("", text)
    text = _URL.sub(lambda match: _spoken_site(match.group(), words), text)
    text = _MONEY.sub(lambda match: _spoken_money(match, words), text)
    text = _plain(text)
    text = _LONG_NUMBER.sub(lambda match: _digit_by_digit(match.group()), text)
    return _STRAY_PUNCTUATION.sub(r"\1", " ".join(text.split()))


def _plain(text: str) -> str:
    """Text without markdown marks and emoji or other pictographs."""
    text = _MARKDOWN_MARKS.sub("", text)
    return "".join(char for char in text if not _is_pictograph(char)).strip()


def _is_pictograph(char: str) -> bool:
    # emoji are "other symbols"; joiners and variation selectors glue them together
    return unicodedata.category(char) == "So" or char in "\u200d\ufe0f\ufe0e" or "\U0001f3fb" <= char <= "\U0001f3ff"


def _spelled_email(email: str, words: dict[str, Any]) -> str:
    spoken = []
    for char in email.replace("*", ""):  # masked letters ("m***@...") cannot be read out
        spoken.append(words["at"] if char == "@" else words.get(char, char))
    return " ".join(spoken)


def _spoken_site(url: str, words: dict[str, Any]) -> str:
    """https://www.bottega-aurora.it/resi -> "bottega trattino aurora punto it": the address to type, not the page."""
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url).split("/")[0].rstrip(".,;:!?)")
    return " ".join(words.get(part, part) for part in re.split(r"([.-])", host) if part)


def _as_sentence(text: str) -> str:
    return f"{text}." if text and text[-1] not in ".!?:" else text


def _spoken_money(match: re.Match[str], words: dict[str, Any]) -> str:
    """€189.00 -> "189 euros"; 1.234,50 € -> "1234 euro e 50 centesimi" (not "point zero zero")."""
    units = re.sub(r"\D", "", match.group(1) or match.group(3))
    cents = match.group(2) or match.group(4) or "00"
    spoken = f"{units} {words['euro' if units == '1' else 'euros']}"
    return f"{spoken} {words['cents'].format(cents=int(cents))}" if int(cents) else spoken


def _digit_by_digit(number: str) -> str:
    return " ".join(number)


def _spoken_list(options: list[str], words: dict[str, Any]) -> str:
    options = [option[:1].lower() + option[1:] for option in options]
    if len(options) == 1:
        return options[0]
    return f"{', '.join(options[:-1])} {words['or']} {options[-1]}"


def _spoken_date(iso: str, words: dict[str, Any]) -> str:
    """2026-11-24 -> "24 novembre" / "24 November"."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso)
    if not match:
        return iso
    month = words["months"].split()[int(match.group(2)) - 1]
    return f"{int(match.group(3))} {month}"


def _mentions_order(text: str, card: dict[str, Any]) -> bool:
    return bool(card.get("order_id")) and str(card["order_id"]) in text


def _words(language: str) -> dict[str, Any]:
    try:
        return WORDS[language]
    except KeyError:
        raise LookupError(f"no spoken phrasing for language {language!r}; known: {sorted(WORDS)}") from None
