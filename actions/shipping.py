"""Shipping cost, delivery time and extra costs, answered from shop.yml and the shopper's cart."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.cart import Cart, latest_cart
from actions.common import conversation_language, latest_entity
from actions.formatting import days_range, listing, money
from actions.geo import country_code
from actions.shop import ShippingZone, Shop, load_shop


def shipping_zone(tracker: Tracker, shop: Shop) -> ShippingZone | None:
    """The zone of the country named in the message, else of the cart's address, else None."""
    named = latest_entity(tracker, "country")
    country = country_code(named) if named else None
    if country is None and (cart := latest_cart(tracker)) is not None:
        country = cart.country
    return shop.shipping.zone_for(country) if country else None


def utter_free_shipping_progress(
    dispatcher: CollectingDispatcher, cart: Cart, zone: ShippingZone, language: str
) -> None:
    threshold = load_shop().shipping.free_shipping_threshold
    if not zone.free_over_threshold:
        return
    if cart.subtotal >= threshold:
        dispatcher.utter_message(response="utter_cart_has_free_shipping", subtotal=money(cart.subtotal, language))
    else:
        dispatcher.utter_message(
            response="utter_cart_missing_for_free_shipping",
            subtotal=money(cart.subtotal, language),
            missing=money(threshold - cart.subtotal, language),
        )


class ActionShippingCost(Action):
    def name(self) -> str:
        return "action_shipping_cost"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        shop, language = load_shop(), conversation_language(tracker)
        zone = shipping_zone(tracker, shop)
        threshold = money(shop.shipping.free_shipping_threshold, language)
        if zone is None:
            prices = "\n".join(
                f"- {z.name.get(language)}: {money(z.standard.price, language)}" for z in shop.shipping.zones
            )
            dispatcher.utter_message(response="utter_shipping_cost_overview", prices=prices, threshold=threshold)
            return []
        dispatcher.utter_message(
            response="utter_shipping_cost_zone" if zone.free_over_threshold else "utter_shipping_cost_zone_no_free",
            zone=zone.name.get(language),
            price=money(zone.standard.price, language),
            express_price=money(zone.express.price, language) if zone.express else "-",
            threshold=threshold,
        )
        cart = latest_cart(tracker)
        if cart is not None:
            utter_free_shipping_progress(dispatcher, cart, zone, language)
        return []


class ActionDeliveryTime(Action):
    def name(self) -> str:
        return "action_delivery_time"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        shop, language = load_shop(), conversation_language(tracker)
        zone = shipping_zone(tracker, shop)
        if zone is None:
            times = "\n".join(
                f"- {z.name.get(language)}: {days_range(z.standard.business_days)}" for z in shop.shipping.zones
            )
            dispatcher.utter_message(response="utter_delivery_time_overview", times=times)
        else:
            dispatcher.utter_message(
                response="utter_delivery_time_zone",
                zone=zone.name.get(language),
                days=days_range(zone.standard.business_days),
                express_days=days_range(zone.express.business_days) if zone.express else "-",
                express_price=money(zone.express.price, language) if zone.express else "-",
            )
        dispatcher.utter_message(
            response="utter_delivery_cutoff",
            cutoff=shop.shipping.order_cutoff,
            carriers=", ".join(shop.shipping.carriers),
        )
        return []


class ActionExtraCosts(Action):
    def name(self) -> str:
        return "action_extra_costs"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        shop, language = load_shop(), conversation_language(tracker)
        zone = shipping_zone(tracker, shop)
        taxes = shop.taxes
        if zone is None or not zone.customs:
            dispatcher.utter_message(response="utter_vat_included", vat_rate=taxes.vat_rate)
        if zone is None or zone.customs:
            if taxes.vat_removed_outside_eu:
                dispatcher.utter_message(response="utter_vat_removed_outside_eu", vat_rate=taxes.vat_rate)
            customs_zones = [z.name.get(language) for z in shop.shipping.zones if z.customs]
            dispatcher.utter_message(
                response=f"utter_duties_paid_by_{taxes.duties_paid_by}", zones=listing(customs_zones, language)
            )
        cod = shop.payments.method("cash_on_delivery")
        if cod is not None and cod.fee:
            dispatcher.utter_message(response="utter_cash_on_delivery_fee", fee=money(cod.fee, language))
        cart = latest_cart(tracker)
        if cart is not None and cart.shipping is not None:
            dispatcher.utter_message(
                response="utter_cart_total_breakdown",
                subtotal=money(cart.subtotal, language),
                shipping=money(cart.shipping, language),
                total=money(cart.subtotal + cart.shipping, language),
            )
        return []
