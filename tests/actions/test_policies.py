"""Policy answers from the real shop.yml: shipping, payments, checkout and returns, with the cart
the widget sends in message metadata."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

import actions.checkout
from actions.cart import Cart, latest_cart, parse_cart
from actions.checkout import ActionDiscountCode
from actions.payments import ActionPaymentMethods
from actions.returns import ActionReturnPolicy
from actions.shipping import ActionDeliveryTime, ActionExtraCosts, ActionShippingCost
from tests.actions.trackers import DOMAIN, responses, tracker, user_event

IT_METHODS = (
    "- carta di credito o debito (Visa, Mastercard, American Express, Maestro, PostePay)\n"
    "- PayPal\n"
    "- Apple Pay e Google Pay\n"
    "- bonifico bancario (l'ordine parte all'arrivo del pagamento, 1-2 giorni lavorativi)\n"
    "- contrassegno\n"
    "- pagamento in 3 rate senza interessi con Klarna o Scalapay"
)


def eur(amount: str) -> str:
    """An amount as Italian replies show it: "29,00 €" (with a no-break space)."""
    return f"{amount}\xa0€"


def with_cart(cart: Any, text: str = "ciao") -> dict[str, Any]:
    """An earlier user message whose metadata carries `cart`."""
    return user_event(text, intent="greet", metadata={"cart": cart})


async def run(action: Action, **conversation: Any) -> list[tuple[str | None, dict[str, Any]]]:
    """What `action` says in the conversation `tracker(**conversation)`; it must return no events."""
    dispatcher = CollectingDispatcher()
    assert await action.run(dispatcher, tracker(**conversation), DOMAIN) == []
    return responses(dispatcher)


# --- cart metadata


def test_well_formed_cart_is_read() -> None:
    raw = {"subtotal": "59.90", "shipping": 5.9, "country": "de", "step": "shipping", "items": [{"quantity": 2}, {}]}
    assert parse_cart(raw) == Cart(Decimal("59.90"), Decimal("5.9"), "DE", "shipping", 3)


@pytest.mark.parametrize(
    "raw",
    [None, "59.90", ["59.90"], {}, {"subtotal": None}, {"subtotal": "abc"}, {"subtotal": -1}, {"subtotal": [1]}],
    ids=["none", "string", "list", "empty", "null_subtotal", "text_subtotal", "negative", "list_subtotal"],
)
def test_cart_without_a_usable_subtotal_is_ignored(raw: object) -> None:
    assert parse_cart(raw) is None


def test_malformed_optional_cart_fields_are_dropped() -> None:
    raw = {"subtotal": 10, "shipping": "free", "country": 39, "step": ["cart"], "items": "two shoes"}
    assert parse_cart(raw) == Cart(Decimal("10"), None, None, None, 0)


def test_malformed_cart_in_a_later_message_falls_back_to_the_last_good_one() -> None:
    conversation = tracker(
        history=[with_cart({"subtotal": 30}), with_cart({"subtotal": 60, "country": "DE"})],
        text="e la spedizione?",
        metadata={"cart": {"subtotal": "sixty"}},
    )
    assert latest_cart(conversation) == Cart(Decimal("60"), None, "DE", None, 0)


@pytest.mark.parametrize("subtotal", ["NaN", "Infinity", {"a": 1}])
def test_cart_with_a_non_finite_subtotal_is_ignored(subtotal: object) -> None:
    assert parse_cart({"subtotal": subtotal}) is None


@pytest.mark.parametrize("quantity", ["two", None, -3, True, 1.5])
def test_an_unreadable_quantity_counts_as_one_item(quantity: object) -> None:
    cart = parse_cart({"subtotal": 10, "items": [{"quantity": quantity}, {"quantity": 2}]})
    assert cart is not None and cart.subtotal == Decimal("10") and cart.item_count == 3


# --- shipping cost


@pytest.mark.parametrize("country", ["DE", "germania", "Germany"])
async def test_shipping_cost_for_a_named_country(country: str) -> None:
    assert await run(ActionShippingCost(), text=f"spedizione in {country}?", entities={"country": country}) == [
        (
            "utter_shipping_cost_zone",
            {"zone": "Unione Europea", "price": eur("12,90"), "express_price": eur("24,90"), "threshold": eur("89,00")},
        )
    ]


async def test_shipping_cost_in_english_for_a_synonym_region() -> None:
    said = await run(ActionShippingCost(), slots={"language": "en"}, entities={"country": "IT-88"})
    assert said == [
        (
            "utter_shipping_cost_zone",
            {
                "zone": "Sicily and Sardinia (with their minor islands)",
                "price": "€8.90",
                "express_price": "€16.90",
                "threshold": "€89.00",
            },
        )
    ]


@pytest.mark.parametrize(
    ("subtotal", "progress"),
    [
        ("60", ("utter_cart_missing_for_free_shipping", {"subtotal": eur("60,00"), "missing": eur("29,00")})),
        ("88.99", ("utter_cart_missing_for_free_shipping", {"subtotal": eur("88,99"), "missing": eur("0,01")})),
        ("89", ("utter_cart_has_free_shipping", {"subtotal": eur("89,00")})),
        ("120.50", ("utter_cart_has_free_shipping", {"subtotal": eur("120,50")})),
    ],
)
async def test_shipping_cost_tells_how_far_the_cart_is_from_free_shipping(
    subtotal: str, progress: tuple[str, dict[str, str]]
) -> None:
    said = await run(ActionShippingCost(), history=[with_cart({"subtotal": subtotal})], entities={"country": "DE"})
    assert [name for name, _ in said] == ["utter_shipping_cost_zone", progress[0]]
    assert said[1] == progress


async def test_shipping_cost_uses_the_carts_country_without_free_shipping_progress_outside_the_eu() -> None:
    said = await run(ActionShippingCost(), history=[with_cart({"subtotal": 200, "country": "ch"})])
    assert said == [
        (
            "utter_shipping_cost_zone_no_free",
            {"zone": "Svizzera", "price": eur("19,90"), "express_price": eur("34,90"), "threshold": eur("89,00")},
        )
    ]


async def test_shipping_cost_for_an_unknown_country_gives_the_overview() -> None:
    assert await run(ActionShippingCost(), text="spedite a Narnia?", entities={"country": "Narnia"}) == [
        (
            "utter_shipping_cost_overview",
            {
                "prices": "- Italia continentale: 5,90\xa0€\n"
                "- Sicilia e Sardegna (con le loro isole minori): 8,90\xa0€\n"
                "- Unione Europea: 12,90\xa0€\n"
                "- Svizzera: 19,90\xa0€\n"
                "- Regno Unito: 19,90\xa0€\n"
                "- resto del mondo: 29,90\xa0€",
                "threshold": eur("89,00"),
            },
        )
    ]


async def test_delivery_time_for_a_country() -> None:
    assert await run(ActionDeliveryTime(), entities={"country": "GB"}) == [
        (
            "utter_delivery_time_zone",
            {"zone": "Regno Unito", "days": "4-7", "express_days": "2-4", "express_price": eur("34,90")},
        ),
        ("utter_delivery_cutoff", {"cutoff": "13:00", "carriers": "BRT, GLS, Poste Italiane, DHL Express"}),
    ]


async def test_extra_costs_outside_the_eu_with_the_carts_total() -> None:
    said = await run(
        ActionExtraCosts(), history=[with_cart({"subtotal": 100, "shipping": "19.90"})], entities={"country": "CH"}
    )
    assert said == [
        ("utter_vat_removed_outside_eu", {"vat_rate": 22}),
        ("utter_duties_paid_by_recipient", {"zones": "Svizzera, Regno Unito e resto del mondo"}),
        ("utter_cash_on_delivery_fee", {"fee": eur("4,00")}),
        ("utter_cart_total_breakdown", {"subtotal": eur("100,00"), "shipping": eur("19,90"), "total": eur("119,90")}),
    ]


# --- payments


async def test_payment_methods_lists_every_method() -> None:
    assert await run(ActionPaymentMethods(), text="come posso pagare?") == [
        ("utter_payment_methods", {"methods": IT_METHODS})
    ]


async def test_payment_method_not_accepted_lists_the_accepted_ones() -> None:
    said = await run(ActionPaymentMethods(), text="accettate bitcoin?", entities={"payment_method": "bitcoin"})
    assert said == [("utter_payment_method_not_accepted", {"methods": IT_METHODS})]


async def test_payment_method_accepted_without_conditions() -> None:
    said = await run(ActionPaymentMethods(), slots={"language": "en"}, entities={"payment_method": "paypal"})
    assert said == [("utter_payment_method_accepted", {"method": "PayPal"})]


@pytest.mark.parametrize(("language", "fee", "countries"), [("it", eur("4,00"), "Italia"), ("en", "€4.00", "Italy")])
async def test_cash_on_delivery_is_accepted_with_its_fee_and_countries(language: str, fee: str, countries: str) -> None:
    said = await run(
        ActionPaymentMethods(), slots={"language": language}, entities={"payment_method": "cash_on_delivery"}
    )
    assert said == [
        ("utter_payment_method_accepted", {"method": "contrassegno" if language == "it" else "cash on delivery"}),
        ("utter_payment_method_fee", {"fee": fee}),
        ("utter_payment_method_countries", {"countries": countries}),
    ]


async def test_pay_later_warns_when_the_cart_is_below_its_minimum() -> None:
    said = await run(
        ActionPaymentMethods(), history=[with_cart({"subtotal": 30})], entities={"payment_method": "pay_later"}
    )
    assert said[1:] == [
        ("utter_payment_method_min_amount", {"min_amount": eur("50,00")}),
        ("utter_cart_below_method_minimum", {"subtotal": eur("30,00"), "min_amount": eur("50,00")}),
    ]


async def test_pay_later_says_nothing_more_when_the_cart_reaches_its_minimum() -> None:
    said = await run(
        ActionPaymentMethods(), history=[with_cart({"subtotal": 50})], entities={"payment_method": "pay_later"}
    )
    assert [name for name, _ in said] == ["utter_payment_method_accepted", "utter_payment_method_min_amount"]


# --- discount codes


CodeCheckDay = Callable[[date], None]


@pytest.fixture
def check_codes_on(monkeypatch: pytest.MonkeyPatch) -> CodeCheckDay:
    """Sets the day the discount code action checks codes on."""

    def set_today(day: date) -> None:
        fixed = type("FixedDate", (date,), {"today": classmethod(lambda cls: day)})
        monkeypatch.setattr(actions.checkout, "date", fixed)

    return set_today


async def test_no_code_in_the_message_explains_how_to_use_one() -> None:
    said = await run(ActionDiscountCode(), text="come si usa un codice sconto?", intent="discount_code")
    assert said == [("utter_discount_code_how_one_per_order", {})]


async def test_valid_code_from_the_entity_with_its_first_order_condition() -> None:
    said = await run(ActionDiscountCode(), text="benvenuto10 non va", entities={"promo_code": "benvenuto10"})
    assert said == [
        (
            "utter_discount_code_valid",
            {
                "code": "BENVENUTO10",
                "benefit": "-10%",
                "valid_until": "giovedì 31 dicembre",
                "min_subtotal": eur("0,00"),
                "missing": "",
            },
        ),
        ("utter_discount_code_first_order_only", {}),
    ]


async def test_code_from_plain_text_expired_the_day_after_valid_until(check_codes_on: CodeCheckDay) -> None:
    check_codes_on(date(2025, 10, 1))  # ESTATE2025 is valid until 30 September 2025
    said = await run(ActionDiscountCode(), text="il codice estate2025 non funziona")
    assert said == [
        (
            "utter_discount_code_expired",
            {
                "code": "ESTATE2025",
                "benefit": "-15%",
                "valid_until": "martedì 30 settembre",
                "min_subtotal": eur("0,00"),
                "missing": "",
            },
        )
    ]


async def test_code_is_still_valid_on_its_last_day(check_codes_on: CodeCheckDay) -> None:
    check_codes_on(date(2025, 9, 30))
    said = await run(ActionDiscountCode(), entities={"promo_code": "ESTATE2025"})
    assert [name for name, _ in said] == ["utter_discount_code_valid"]


async def test_code_below_its_minimum_says_the_missing_amount() -> None:
    said = await run(ActionDiscountCode(), history=[with_cart({"subtotal": "100"})], text="ho il codice Aurora20")
    assert said == [
        (
            "utter_discount_code_below_minimum",
            {
                "code": "AURORA20",
                "benefit": "-20%",
                "valid_until": "giovedì 31 dicembre",
                "min_subtotal": eur("150,00"),
                "missing": eur("50,00"),
            },
        )
    ]


async def test_free_shipping_code_with_the_cart_at_its_minimum_is_valid() -> None:
    said = await run(ActionDiscountCode(), history=[with_cart({"subtotal": 49})], text="SPEDIZIONEGRATIS?")
    assert [(name, values["benefit"]) for name, values in said] == [("utter_discount_code_valid", "🚚 0")]


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"text": "il codice PIPPO99 non va"}, "PIPPO99"),
        ({"text": "my code is SUMMERSALE"}, "SUMMERSALE"),
        ({"text": "questo: zz 12", "entities": {"promo_code": " xmas24 "}}, "XMAS24"),
    ],
)
async def test_unknown_code_is_named_back(message: dict[str, Any], code: str) -> None:
    assert await run(ActionDiscountCode(), **message) == [("utter_discount_code_unknown", {"code": code})]


# --- returns


@pytest.mark.parametrize(
    ("language", "expected", "exchanges"),
    [
        (
            "it",
            {
                "window_days": 30,
                "exclusions": "articoli personalizzati (incisioni, iniziali), articoli in saldo finale, "
                "articoli usati o senza cartellino",
                "free_countries": "Italia",
                "return_cost": eur("7,90"),
                "refund_days": 14,
                "refund_method": "sullo stesso metodo di pagamento usato per l'ordine",
                "bank_days": "3-5",
            },
            "Per un cambio taglia o colore fai un reso e un nuovo ordine: così ricevi subito l'articolo giusto",
        ),
        (
            "en",
            {
                "window_days": 30,
                "exclusions": "personalised items (engravings, initials), final-sale items, "
                "items worn or without their tag",
                "free_countries": "Italy",
                "return_cost": "€7.90",
                "refund_days": 14,
                "refund_method": "to the payment method used for the order",
                "bank_days": "3-5",
            },
            "For a different size or colour, return the item and place a new order: you get the right one sooner",
        ),
    ],
)
async def test_return_policy_values_come_from_shop_yml(language: str, expected: dict[str, Any], exchanges: str) -> None:
    assert await run(ActionReturnPolicy(), slots={"language": language}) == [
        ("utter_return_policy", expected),
        (None, {"text": exchanges}),
    ]
