"""The order data the assistant works with, and the business rules that come from it.

Rules live here, next to the data they read, so every store (SQLite, PostgreSQL, a shop API)
applies the same ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum


class OrderStatus(str, Enum):
    PLACED = "placed"  # paid, waiting to be prepared
    PROCESSING = "processing"  # being packed in the warehouse
    SHIPPED = "shipped"  # handed to the carrier
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


NOT_YET_SHIPPED = {OrderStatus.PLACED, OrderStatus.PROCESSING}


class OrderRuleError(Exception):
    """A requested change that the order's data does not allow (e.g. cancelling a shipped order).

    `code` is machine-readable (``already_shipped``, ``outside_return_window``,
    ``not_returnable``, ``already_returned``, ``not_delivered``, ``cancelled``, ``unknown_items``).
    """

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


@dataclass(frozen=True)
class Address:
    name: str
    street: str
    postcode: str
    city: str
    country: str  # ISO 3166-1 alpha-2

    def one_line(self) -> str:
        return f"{self.name}, {self.street}, {self.postcode} {self.city}, {self.country}"


@dataclass(frozen=True)
class OrderItem:
    sku: str
    name_it: str
    name_en: str
    quantity: int
    unit_price: Decimal
    returnable: bool = True  # False for final-sale / personalised items

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_it


@dataclass(frozen=True)
class Refund:
    refund_id: str
    order_id: str
    amount: Decimal
    status: str  # "pending" | "issued"
    created_at: datetime
    issued_at: datetime | None = None


@dataclass(frozen=True)
class Order:
    order_id: str  # 6 digits
    email: str
    phone: str  # E.164, e.g. +393471234567
    language: str  # "it" | "en": the customer's language
    status: OrderStatus
    created_at: datetime
    items: tuple[OrderItem, ...]
    shipping_address: Address
    subtotal: Decimal
    shipping_cost: Decimal
    total: Decimal
    payment_method: str
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    shipped_at: datetime | None = None
    expected_delivery: date | None = None
    delivered_at: datetime | None = None
    refunds: tuple[Refund, ...] = field(default_factory=tuple)
    returned_skus: frozenset[str] = frozenset()  # items already in a return (RMA)

    def can_cancel(self) -> bool:
        return self.status in NOT_YET_SHIPPED

    def can_change_address(self) -> bool:
        return self.status in NOT_YET_SHIPPED

    def return_deadline(self, window_days: int) -> date | None:
        if self.status != OrderStatus.DELIVERED or self.delivered_at is None:
            return None
        return date.fromordinal(self.delivered_at.date().toordinal() + window_days)

    def returnable_items(self, window_days: int, today: date) -> tuple[OrderItem, ...]:
        deadline = self.return_deadline(window_days)
        if deadline is None or today > deadline:
            return ()
        return tuple(item for item in self.items if item.returnable and item.sku not in self.returned_skus)

    def check_return(self, skus: list[str], window_days: int, today: date) -> None:
        """Raise OrderRuleError unless every sku can be returned today."""
        if self.status == OrderStatus.CANCELLED:
            raise OrderRuleError("cancelled")
        deadline = self.return_deadline(window_days)
        if deadline is None:
            raise OrderRuleError("not_delivered")
        if today > deadline:
            raise OrderRuleError("outside_return_window")
        by_sku = {item.sku: item for item in self.items}
        if not skus or any(sku not in by_sku for sku in skus):
            raise OrderRuleError("unknown_items")
        if any(not by_sku[sku].returnable for sku in skus):
            raise OrderRuleError("not_returnable")
        if any(sku in self.returned_skus for sku in skus):
            raise OrderRuleError("already_returned")


@dataclass(frozen=True)
class ChangeRecord:
    """A persisted change requested through the assistant (cancellation, address change,
    return, invoice request)."""

    record_id: str  # e.g. "RMA-482913-1" for a return
    kind: str  # "cancellation" | "address_change" | "return" | "invoice_request"
    order_id: str
    created_at: datetime
    details: dict


ORDER_ID_PATTERN = re.compile(r"^\d{6}$")


def normalize_order_id(text: str) -> str | None:
    """Return the 6-digit order number in `text` ("#482 913", "n. 482913"), or None."""
    digits = re.sub(r"\D", "", text or "")
    return digits if ORDER_ID_PATTERN.match(digits) else None


PHONE_DIGITS_COMPARED = 9


def normalize_phone(text: str) -> str:
    """The last digits of a phone number, which are the same however it is written:
    "+44 7700 900123", "0044 7700900123" and "07700 900123" all give "700900123"."""
    return re.sub(r"\D", "", text or "")[-PHONE_DIGITS_COMPARED:]


EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
MIN_PHONE_DIGITS = 8


def find_contact(text: str) -> str | None:
    """The email, else the phone number, in a shopper's answer ("la mia mail è a@b.it"); None if neither."""
    email = EMAIL_PATTERN.search(text or "")
    if email:
        return email.group(0)
    phone = re.search(r"\+?[\d][\d ./-]{6,}\d", text or "")
    return phone.group(0) if phone and len(normalize_phone(phone.group(0))) >= MIN_PHONE_DIGITS else None


def contact_matches(order: Order, contact: str) -> bool:
    """True when `contact` is the order's email (case-insensitive) or phone number."""
    contact = (contact or "").strip()
    if "@" in contact:
        return contact.lower() == order.email.lower()
    digits = normalize_phone(contact)
    return len(digits) == PHONE_DIGITS_COMPARED and digits == normalize_phone(order.phone)


POSTCODE_PATTERN = re.compile(r"\b(\d{4,5}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b", re.IGNORECASE)


def parse_address(text: str, name: str, country: str) -> Address | None:
    """Read "via Roma 12, 50123 Firenze" into an Address; None when street, postcode or city
    is missing, so the assistant can ask again instead of storing half an address."""
    text = " ".join((text or "").split())
    match = POSTCODE_PATTERN.search(text)
    if not match:
        return None
    street = text[: match.start()].strip(" ,")
    city = text[match.end() :].strip(" ,")
    if not city and "," in street:  # UK order, city before postcode: "10 Downing St, London SW1A 2AA"
        street, city = (part.strip(" ,") for part in street.rsplit(",", 1))
    if not re.search(r"\d", street) or len(street) < 4 or len(city) < 2:
        return None
    return Address(name=name, street=street, postcode=match.group(1).upper(), city=city.title(), country=country)
