"""Whether the support team is at work now, from shop.yml support hours and holidays."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from actions.formatting import locale
from actions.shop import Shop

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def support_open(shop: Shop, now: datetime) -> bool:
    local = now.astimezone(ZoneInfo(shop.shop.timezone))
    if local.date() in shop.support.holidays:
        return False
    hours = shop.support.hours.get(DAY_KEYS[local.weekday()])
    if hours is None:
        return False
    opens, closes = (time.fromisoformat(value) for value in hours)
    return opens <= local.time() < closes


def hours_summary(shop: Shop, language: str) -> str:
    """ "lun 09:00-18:00, ..." / "Mon 09:00-18:00, ...": when a person is available."""
    names = get_day_names("abbreviated", locale=locale(language))
    return ", ".join(
        f"{names[DAY_KEYS.index(day)]} {opens}-{closes}" for day, (opens, closes) in shop.support.hours.items()
    )
