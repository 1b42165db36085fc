"""What a verified shopper can do with their order: status, refund status, invoice, and the
changes that need a confirmation first (cancel, change address, start a return).

Flow (data/rules/orders.yml): an order intent -> ActionStartOrderRequest remembers the request
-> verify_order_form asks for proof of ownership (it ends at once when this order is already
verified or lookups are locked) -> ActionRunOrderRequest answers the request, or names the
confirmation form of a change in `next_form` -> that form -> ActionSubmitChange persists it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import conversation_language, latest_entity, latest_intent
from actions.formatting import day, days_range, listing, mask_address, money
from actions.handoff import emit_handoff
from actions.masks import mask_email
from actions.orders.model import Order, OrderItem, OrderRuleError, OrderStatus, normalize_order_id, parse_address
from actions.shop import load_shop
from actions.verification import MAX_FAILED_ATTEMPTS, is_locked, lock_remaining_seconds, order_store

ORDER_REQUESTS = ("order_status", "change_address", "cancel_order", "start_return", "refund_status", "invoice_request")
CHANGE_FORMS = {"cancel_order": "cancel_form", "change_address": "address_form", "start_return": "return_form"}
CHANGE_SLOTS = ["next_form", "confirmed", "new_address", "return_items", "return_reason"]
ALL_ITEMS_WORDS = {"all", "everything", "both", "tutti", "tutto", "tutte", "entrambi", "entrambe"}
RETURN_REASONS = {
    "wrong_size": ("taglia", "size", "small", "large", "piccol", "grand", "stretto", "largo", "tight"),
    "defective": ("difett", "rott", "defect", "broken", "damaged", "danneggiat", "faulty", "strappat", "torn"),
    "not_as_described": (
        "diverso",
        "descrizione",
        "described",
        "different",
        "foto",
        "photo",
        "colore",
        "colour",
        "color",
    ),
    "changed_mind": ("idea", "mind", "piace", "like", "non mi serve", "don't need", "dont need"),
}


def clear_change_slots() -> list[EventType]:
    return [SlotSet(slot, None) for slot in CHANGE_SLOTS]


def verified_order(tracker: Tracker) -> Order | None:
    order_id = tracker.get_slot("verified_order_id")
    return order_store().get_order(order_id) if order_id else None


def item_names(order: Order, skus: list[str] | None, language: str) -> str:
    chosen = [item for item in order.items if skus is None or item.sku in skus]
    return listing([item.name(language) for item in chosen], language)


def yes_no_buttons(language: str) -> list[dict[str, str]]:
    labels = ("Yes", "No") if language == "en" else ("Sì", "No")
    return [{"title": labels[0], "payload": "/affirm"}, {"title": labels[1], "payload": "/deny"}]


class ActionStartOrderRequest(Action):
    """Remember what the shopper wants to do with an order; forget a verification that was for
    another order."""

    def name(self) -> str:
        return "action_start_order_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        events: list[EventType] = [SlotSet("pending_request", latest_intent(tracker)), *clear_change_slots()]
        verified = tracker.get_slot("verified_order_id")
        mentioned = normalize_order_id(latest_entity(tracker, "order_id") or "")
        if is_locked(tracker) or (verified and mentioned in (None, verified)):
            return events
        dispatcher.utter_message(response="utter_verification_intro")
        return [
            *events,
            SlotSet("verified_order_id", None),
            SlotSet("order_contact", None),
            SlotSet("order_id", mentioned),
        ]


class ActionRunOrderRequest(Action):
    """Answer the pending request for the verified order, or open the change's confirmation form."""

    def name(self) -> str:
        return "action_run_order_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if is_locked(tracker):
            minutes = int(lock_remaining_seconds(tracker) // 60) + 1
            dispatcher.utter_message(
                response="utter_verification_locked", attempts=MAX_FAILED_ATTEMPTS, minutes=minutes
            )
            emit_handoff(dispatcher, tracker, "failed_verification")
            return [SlotSet("pending_request", None)]
        order = verified_order(tracker)
        if order is None:
            return [SlotSet("pending_request", None)]
        language = conversation_language(tracker)
        request = tracker.get_slot("pending_request")
        if request in CHANGE_FORMS:
            return self.open_change(dispatcher, order, request, language)
        answer = {
            "order_status": utter_order_status,
            "refund_status": utter_refund_status,
            "invoice_request": record_invoice_request,
        }.get(request)
        if answer is not None:
            answer(dispatcher, order, language)
        return [SlotSet("pending_request", None)]

    @staticmethod
    def open_change(dispatcher: CollectingDispatcher, order: Order, request: str, language: str) -> list[EventType]:
        returns = load_shop().returns
        if order.status == OrderStatus.CANCELLED:
            dispatcher.utter_message(response="utter_order_already_cancelled", order_id=order.order_id)
            return [SlotSet("pending_request", None)]
        if request == "start_return":
            if not order.returnable_items(returns.window_days, date.today()):
                utter_return_refused(dispatcher, order, language)
                return [SlotSet("pending_request", None)]
        elif not (order.can_cancel() if request == "cancel_order" else order.can_change_address()):
            dispatcher.utter_message(
                response=f"utter_{request}_too_late",
                order_id=order.order_id,
                status=order.status.value,
                carrier=order.carrier or "-",
                tracking=order.tracking_number or "-",
            )
            return [SlotSet("pending_request", None)]
        return [SlotSet("next_form", CHANGE_FORMS[request])]


def utter_order_status(dispatcher: CollectingDispatcher, order: Order, language: str) -> None:
    values: dict[str, Any] = {
        "order_id": order.order_id,
        "ordered_on": day(order.created_at.date(), language),
        "items": item_names(order, None, language),
        "address": mask_address(order.shipping_address),
    }
    if order.status == OrderStatus.SHIPPED:
        values |= {
            "carrier": order.carrier,
            "tracking": order.tracking_number,
            "tracking_url": order.tracking_url,
            "shipped_on": day(order.shipped_at.date(), language) if order.shipped_at else "-",
            "expected": day(order.expected_delivery, language) if order.expected_delivery else "-",
        }
    elif order.status == OrderStatus.DELIVERED and order.delivered_at:
        values["delivered_on"] = day(order.delivered_at.date(), language)
    dispatcher.utter_message(
        response=f"utter_order_status_{order.status.value}",
        json_message={"order_summary": order_summary(order, language)},
        **values,
    )


def order_summary(order: Order, language: str) -> dict[str, Any]:
    """A card the widget can show; personal data masked."""
    return {
        "order_id": order.order_id,
        "status": order.status.value,
        "items": [{"name": item.name(language), "quantity": item.quantity} for item in order.items],
        "total": money(order.total, language),
        "carrier": order.carrier,
        "tracking_url": order.tracking_url,
        "expected_delivery": order.expected_delivery.isoformat() if order.expected_delivery else None,
        "ship_to": mask_address(order.shipping_address),
    }


def utter_refund_status(dispatcher: CollectingDispatcher, order: Order, language: str) -> None:
    returns = load_shop().returns
    if not order.refunds:
        dispatcher.utter_message(response="utter_refund_none", order_id=order.order_id, refund_days=returns.refund_days)
    for refund in order.refunds:
        dispatcher.utter_message(
            response=f"utter_refund_{refund.status}",
            amount=money(refund.amount, language),
            created_on=day(refund.created_at.date(), language),
            issued_on=day(refund.issued_at.date(), language) if refund.issued_at else "-",
            refund_days=returns.refund_days,
            bank_days=days_range(returns.bank_processing_days),
        )


def record_invoice_request(dispatcher: CollectingDispatcher, order: Order, language: str) -> None:
    record = order_store().request_invoice(order.order_id, order.email, vat_number=None)
    dispatcher.utter_message(
        response="utter_invoice_requested",
        order_id=order.order_id,
        email=mask_email(order.email),
        record_id=record.record_id,
        company_needs=load_shop().invoices.company_invoice_needs.get(language),
        support_email=load_shop().support.email,
    )


def utter_return_refused(dispatcher: CollectingDispatcher, order: Order, language: str) -> None:
    returns = load_shop().returns
    deadline = order.return_deadline(returns.window_days)
    if deadline is None:
        dispatcher.utter_message(response="utter_return_not_delivered", order_id=order.order_id)
    elif date.today() > deadline:
        dispatcher.utter_message(
            response="utter_return_window_passed", window_days=returns.window_days, deadline=day(deadline, language)
        )
    else:
        dispatcher.utter_message(
            response="utter_return_nothing_returnable", exclusions=returns.exclusions.get(language)
        )


class ActionAskConfirmed(Action):
    """Ask to confirm the change about to be made, with its details."""

    def name(self) -> str:
        return "action_ask_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        order, language = verified_order(tracker), conversation_language(tracker)
        if order is None:
            return []
        values: dict[str, Any] = {"order_id": order.order_id, "total": money(order.total, language)}
        request = tracker.get_slot("pending_request")
        if request == "change_address":
            values["address"] = tracker.get_slot("new_address")
        elif request == "start_return":
            values["items"] = item_names(order, tracker.get_slot("return_items"), language)
        else:
            values["items"] = item_names(order, None, language)
        dispatcher.utter_message(response=f"utter_confirm_{request}", buttons=yes_no_buttons(language), **values)
        return []


class ActionAskReturnItems(Action):
    def name(self) -> str:
        return "action_ask_return_items"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        order, language = verified_order(tracker), conversation_language(tracker)
        if order is None:
            return []
        items = order.returnable_items(load_shop().returns.window_days, date.today())
        buttons = [{"title": item.name(language), "payload": item.sku} for item in items]
        if len(items) > 1:
            buttons.append({"title": "Tutti" if language == "it" else "All", "payload": "all"})
        dispatcher.utter_message(response="utter_ask_return_items", buttons=buttons)
        return []


def items_in_text(text: str, order: Order, language: str) -> list[str]:
    """The skus of the returnable items the shopper named: by sku, by "all", or by a word of the name."""
    returnable = order.returnable_items(load_shop().returns.window_days, date.today())
    lowered = text.lower()
    if set(lowered.replace(",", " ").split()) & ALL_ITEMS_WORDS:
        return [item.sku for item in returnable]
    by_sku = [item.sku for item in returnable if item.sku.lower() in lowered]
    if by_sku:
        return by_sku
    return [item.sku for item in returnable if distinctive_words(item, returnable, language) & set(lowered.split())]


def distinctive_words(item: OrderItem, items: tuple[OrderItem, ...], language: str) -> set[str]:
    """Words of the item's name that no other item's name has ("sneakers", not "leather")."""
    others = {word for other in items if other is not item for word in other.name(language).lower().split()}
    return {word for word in item.name(language).lower().split() if len(word) >= 4} - others


def reason_key(text: str) -> str:
    lowered = text.lower()
    return next((key for key, words in RETURN_REASONS.items() if any(word in lowered for word in words)), "other")


class ChangeFormValidators:
    """Slot validation shared by the confirmation forms (each form asks only some of these slots)."""

    def validate_new_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        order = verified_order(tracker)
        address = (
            parse_address(str(value), order.shipping_address.name, order.shipping_address.country) if order else None
        )
        if address is None:
            dispatcher.utter_message(response="utter_address_invalid")
            return {"new_address": None}
        return {"new_address": f"{address.street}, {address.postcode} {address.city}"}

    def validate_return_items(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        order = verified_order(tracker)
        skus = items_in_text(str(value), order, conversation_language(tracker)) if order else []
        if not skus:
            dispatcher.utter_message(response="utter_return_items_invalid")
            return {"return_items": None}
        return {"return_items": skus}

    def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"return_reason": f"{reason_key(str(value))}: {str(value)[:200]}"}


class ValidateCancelForm(ChangeFormValidators, FormValidationAction):
    def name(self) -> str:
        return "validate_cancel_form"


class ValidateAddressForm(ChangeFormValidators, FormValidationAction):
    def name(self) -> str:
        return "validate_address_form"


class ValidateReturnForm(ChangeFormValidators, FormValidationAction):
    def name(self) -> str:
        return "validate_return_form"


class ActionSubmitChange(Action):
    """Persist the confirmed change (the form's last step) and tell the shopper what happens next."""

    def name(self) -> str:
        return "action_submit_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        order, language = verified_order(tracker), conversation_language(tracker)
        request = tracker.get_slot("pending_request")
        done = [SlotSet("pending_request", None), *clear_change_slots()]
        if order is None or not tracker.get_slot("confirmed"):
            dispatcher.utter_message(response="utter_nothing_changed")
            return done
        try:
            if request == "cancel_order":
                submit_cancellation(dispatcher, order, language)
            elif request == "change_address":
                submit_address_change(dispatcher, tracker, order)
            elif request == "start_return":
                submit_return(dispatcher, tracker, order, language)
        except (OrderRuleError, LookupError):
            # The order changed since we checked (e.g. it shipped meanwhile): nothing was written.
            dispatcher.utter_message(response="utter_change_no_longer_possible", order_id=order.order_id)
        return done


def submit_cancellation(dispatcher: CollectingDispatcher, order: Order, language: str) -> None:
    record = order_store().cancel_order(order.order_id, reason="shopper request via assistant")
    refunded = record.details.get("refund_id") is not None  # nothing was charged for cash on delivery
    dispatcher.utter_message(
        response="utter_order_cancelled" if refunded else "utter_order_cancelled_nothing_charged",
        order_id=order.order_id,
        record_id=record.record_id,
        total=money(order.total, language),
        refund_days=load_shop().returns.refund_days,
    )


def submit_address_change(dispatcher: CollectingDispatcher, tracker: Tracker, order: Order) -> None:
    current = order.shipping_address
    address = parse_address(tracker.get_slot("new_address") or "", current.name, current.country)
    if address is None:
        raise OrderRuleError("invalid_address")
    record = order_store().change_address(order.order_id, address)
    dispatcher.utter_message(
        response="utter_address_changed",
        order_id=order.order_id,
        record_id=record.record_id,
        address=mask_address(address),
    )


def submit_return(dispatcher: CollectingDispatcher, tracker: Tracker, order: Order, language: str) -> None:
    returns = load_shop().returns
    skus = tracker.get_slot("return_items") or []
    record = order_store().create_return(
        order.order_id, skus, tracker.get_slot("return_reason") or "other", returns.window_days, date.today()
    )
    free = order.shipping_address.country in returns.free_returns_countries
    dispatcher.utter_message(
        response="utter_return_created_free_label" if free else "utter_return_created_paid",
        record_id=record.record_id,
        items=item_names(order, skus, language),
        email=mask_email(order.email),
        return_cost=money(returns.return_shipping_cost, language),
        ship_within=returns.ship_back_within_days,
        refund_days=returns.refund_days,
    )


class ActionCancelChange(Action):
    """The shopper stopped midway (said no, or asked for a person): drop what was collected."""

    def name(self) -> str:
        return "action_cancel_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if (tracker.active_loop or {}).get("name") in CHANGE_FORMS.values():
            dispatcher.utter_message(response="utter_nothing_changed")
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            SlotSet("pending_request", None),
            *clear_change_slots(),
        ]
