"""shop.yml: the shop's facts, validated once when the action server starts.

A bad file stops the server with a message naming the key that is wrong, instead of a
shopper getting a broken answer later.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

try:  # the hub (Python 3.11) has pydantic 2, whose v1 API this module uses; Rasa's side has pydantic 1
    from pydantic.v1 import BaseModel, ValidationError, root_validator, validator
except ImportError:
    from pydantic import BaseModel, ValidationError, root_validator, validator

REPO_ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("it", "en")


class Model(BaseModel):
    class Config:
        extra = "forbid"  # a misspelt key in shop.yml is an error, not a silently ignored setting


class Localized(Model):
    it: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.it


class DeliveryOption(Model):
    price: Decimal
    business_days: tuple[int, int]

    @validator("business_days")
    def ordered_range(cls, days: tuple[int, int]) -> tuple[int, int]:
        if days[0] < 0 or days[0] > days[1]:
            raise ValueError("business_days must be [min, max] with 0 <= min <= max")
        return days


class ShippingZone(Model):
    key: str
    name: Localized
    countries: list[str]
    standard: DeliveryOption
    express: DeliveryOption | None = None
    free_over_threshold: bool = False
    customs: bool = False  # outside the EU customs union


class Shipping(Model):
    free_shipping_threshold: Decimal
    zones: list[ShippingZone]
    order_cutoff: str
    carriers: list[str]

    @validator("zones")
    def has_catch_all(cls, zones: list[ShippingZone]) -> list[ShippingZone]:
        if not any("*" in zone.countries for zone in zones):
            raise ValueError('one zone must list "*" (rest of the world) in its countries')
        return zones

    def zone_for(self, country: str) -> ShippingZone:
        """The zone of an ISO country code or ISO 3166-2 region ("IT-88" = Sardinia)."""
        country = country.upper()
        for zone in self.zones:
            if country in zone.countries:
                return zone
        if "-" in country:
            return self.zone_for(country.split("-")[0])
        return next(zone for zone in self.zones if "*" in zone.countries)


class PaymentMethod(Model):
    key: str
    name: Localized
    fee: Decimal = Decimal(0)
    countries: list[str] | None = None  # None = everywhere
    min_amount: Decimal = Decimal(0)


class Payments(Model):
    methods: list[PaymentMethod]
    duplicate_charge_release_days: tuple[int, int]

    def method(self, key: str) -> PaymentMethod | None:
        return next((method for method in self.methods if method.key == key), None)


class Taxes(Model):
    vat_rate: int
    vat_removed_outside_eu: bool
    duties_paid_by: Literal["recipient", "shop"]


class Checkout(Model):
    guest_checkout: bool
    account_benefits: Localized
    password_reset_url: str


class DiscountCode(Model):
    code: str
    percent: int | None = None
    free_shipping: bool = False
    min_subtotal: Decimal = Decimal(0)
    valid_until: date
    first_order_only: bool = False

    @root_validator(skip_on_failure=True)
    def gives_something(cls, values: dict) -> dict:
        if not values.get("percent") and not values.get("free_shipping"):
            raise ValueError(f"discount code {values.get('code')} needs percent or free_shipping")
        return values


class Discounts(Model):
    combinable: bool
    codes: list[DiscountCode]

    def find(self, code: str) -> DiscountCode | None:
        return next((d for d in self.codes if d.code.upper() == code.upper()), None)


class Returns(Model):
    window_days: int
    free_returns_countries: list[str]
    return_shipping_cost: Decimal
    ship_back_within_days: int
    exclusions: Localized
    refund_days: int
    refund_method: Localized
    bank_processing_days: tuple[int, int]
    exchanges: Localized


class Invoices(Model):
    sent_by_email: bool
    company_invoice_needs: Localized


class LocalizedWords(Model):
    it: list[str] = []
    en: list[str] = []


class HandoffRules(Model):
    priority_cart_value: Decimal = Decimal("150")  # carts at or above this wait in the priority lane
    average_handling_minutes: float = 4  # waiting-time estimate until handling times are measured
    escalate_on: LocalizedWords = LocalizedWords()  # words that send a conversation to a person at once


class CannedResponse(Model):
    id: str
    title: Localized
    text: Localized


class Support(Model):
    hours: dict[str, tuple[str, str]]
    holidays: list[date] = []
    email: str
    phone: str
    handoff: HandoffRules = HandoffRules()
    canned_responses: list[CannedResponse] = []

    @validator("hours")
    def known_days(cls, hours: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
        unknown = set(hours) - {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
        if unknown:
            raise ValueError(f"unknown day names {sorted(unknown)}: use mon..sun")
        return hours


class ProactiveOffer(Model):
    id: str
    trigger: Literal["idle", "exit_intent", "step_revisited"]
    step: str | None = None
    seconds: int | None = None
    text: Localized

    @root_validator(skip_on_failure=True)
    def trigger_needs(cls, values: dict) -> dict:
        if values["trigger"] == "idle" and not (values.get("step") and values.get("seconds")):
            raise ValueError(f"proactive offer {values['id']}: an idle trigger needs step and seconds")
        if values["trigger"] == "step_revisited" and not values.get("step"):
            raise ValueError(f"proactive offer {values['id']}: step_revisited needs step")
        return values


class Widget(Model):
    proactive: list[ProactiveOffer] = []


class ShopInfo(Model):
    name: str
    website: str
    currency: str
    languages: list[str]
    timezone: str

    @validator("languages")
    def supported_languages(cls, languages: list[str]) -> list[str]:
        if not languages or set(languages) - set(LANGUAGES):
            raise ValueError(f"languages must be a non-empty subset of {list(LANGUAGES)}")
        return languages


class Shop(Model):
    shop: ShopInfo
    shipping: Shipping
    payments: Payments
    taxes: Taxes
    checkout: Checkout
    discounts: Discounts
    returns: Returns
    invoices: Invoices
    widget: Widget = Widget()
    support: Support


class ShopFileError(Exception):
    """shop.yml is missing or invalid; the message says where."""


def shop_path() -> Path:
    return Path(os.environ.get("SHOP_FILE", REPO_ROOT / "shop.yml"))


def parse_shop(path: Path) -> Shop:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ShopFileError(f"cannot read {path}: {error}") from error
    if not isinstance(raw, dict):
        raise ShopFileError(f"{path} must be a mapping of sections (shop, shipping, ...)")
    try:
        return Shop.parse_obj(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}" for problem in error.errors()
        )
        raise ShopFileError(f"{path} is invalid: {problems}") from error


@lru_cache(maxsize=1)
def load_shop() -> Shop:
    """The shop of SHOP_FILE (default: shop.yml at the repository root), parsed once."""
    return parse_shop(shop_path())
