"""The checkout context the widget sends with messages (metadata ``{"cart": {...}}``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rasa_sdk import Tracker


@dataclass(frozen=True)
class Cart:
    subtotal: Decimal
    shipping: Decimal | None
    country: str | None  # ISO code of the shipping address, when the shopper has entered one
    step: str | None  # "cart" | "shipping" | "payment"
    item_count: int


def _decimal(value: object) -> Decimal | None:
    """A finite amount, or None for anything else ("NaN", "abc", None, a list...)."""
    try:
        amount = Decimal(str(value)) if isinstance(value, int | float | str) else None
    except InvalidOperation:
        return None
    return amount if amount is not None and amount.is_finite() else None


def _quantity(item: object) -> int:
    """An item's quantity; 1 when missing or not a whole number."""
    quantity = item.get("quantity", 1) if isinstance(item, dict) else 0
    return quantity if isinstance(quantity, int) and not isinstance(quantity, bool) and quantity > 0 else 1


def parse_cart(raw: object) -> Cart | None:
    """A Cart from untrusted metadata, or None when it is missing or malformed."""
    if not isinstance(raw, dict):
        return None
    subtotal = _decimal(raw.get("subtotal"))
    if subtotal is None or subtotal < 0:
        return None
    items = raw.get("items")
    country = raw.get("country")
    step = raw.get("step")
    return Cart(
        subtotal=subtotal,
        shipping=_decimal(raw.get("shipping")),
        country=country.upper() if isinstance(country, str) and country else None,
        step=step if isinstance(step, str) else None,
        item_count=sum(_quantity(item) for item in items if isinstance(item, dict)) if isinstance(items, list) else 0,
    )


def latest_cart(tracker: Tracker) -> Cart | None:
    """The cart of the most recent user message that carried one."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            cart = parse_cart((event.get("metadata") or {}).get("cart"))
            if cart is not None:
                return cart
    return None
