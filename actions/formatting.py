"""How values read in each language, and how personal data is masked in replies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_currency

from actions.orders.model import Address
from actions.shop import load_shop

LOCALES = {"it": "it_IT", "en": "en_GB"}


def locale(language: str) -> str:
    return LOCALES.get(language, LOCALES["it"])


def money(amount: Decimal | float, language: str) -> str:
    return format_currency(Decimal(str(amount)), load_shop().shop.currency, locale=locale(language))


def day(value: date, language: str) -> str:
    """ "lunedì 30 novembre" / "Monday 30 November"."""
    return format_date(value, "EEEE d MMMM", locale=locale(language))


def days_range(days: tuple[int, int]) -> str:
    """(1, 3) -> "1-3", (1, 1) -> "1"."""
    low, high = days
    return f"{low}" if low == high else f"{low}-{high}"


def listing(items: list[str], language: str) -> str:
    """ "a, b e c" / "a, b and c"."""
    return format_list(items, locale=locale(language)) if items else ""


def country_names(codes: list[str], language: str) -> str:
    """["IT", "CH"] -> "Italia e Svizzera" / "Italy and Switzerland"."""
    territories = Locale.parse(locale(language)).territories
    return listing([territories.get(code, code) for code in codes], language)


def mask_email(email: str) -> str:
    """mario.rossi@example.com -> m***@example.com"""
    user, _, domain = email.partition("@")
    return f"{user[:1]}***@{domain}" if domain else "***"


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"***{digits[-3:]}" if len(digits) > 3 else "***"


def mask_address(address: Address) -> str:
    """Street shown partially: "Via R*** 12..." -> "Via R***, 50123 Firenze"."""
    words = address.street.split()
    first = words[0] if words else ""
    rest = f" {words[1][:1]}***" if len(words) > 1 else "***"
    return f"{first}{rest}, {address.postcode} {address.city}"
