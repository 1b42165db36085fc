"""Whether the support team is at work now, from shop.yml support hours and holidays.
No dependencies beyond the standard library, so the hub decides with it too."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

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

