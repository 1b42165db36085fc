"""How values read in each language, and how personal data is masked in replies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel import Locale
from babel.dates import format_date, get_day_names
from babel.lists import format_list
from babel.numbers import format_currency

from actions.hours import DAY_KEYS
from actions.orders.model import Address
from actions.shop import Shop, load_shop

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


def mask_address(address: Address) -> str:
    """Street shown partially: "Via R*** 12..." -> "Via R***, 50123 Firenze"."""
    words = address.street.split()
    first = words[0] if words else ""
    rest = f" {words[1][:1]}***" if len(words) > 1 else "***"
    return f"{first}{rest}, {address.postcode} {address.city}"


def hours_summary(shop: Shop, language: str) -> str:
    """ "lun 09:00-18:00, ..." / "Mon 09:00-18:00, ...": when a person is available."""
    names = get_day_names("abbreviated", locale=locale(language))
    return ", ".join(
        f"{names[DAY_KEYS.index(day)]} {opens}-{closes}" for day, (opens, closes) in shop.support.hours.items()
    )
