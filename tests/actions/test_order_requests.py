"""What a verified shopper can do with an order, on the demo orders of a real SQLite store
(see actions/orders/seed.py: 100001 placed, 100002 shipped, 100003 delivered 5 days ago,
100004 delivered 60 days ago, 100005 cancelled, 100006 delivered 3 days ago, 100007 processing)."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import pytest
from rasa_sdk import Action
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff
from actions.formatting import day
from actions.order_requests import (
    ActionCancelChange,
    ActionRunOrderRequest,
    ActionStartOrderRequest,
    ActionSubmitChange,
)
from actions.orders.model import Address, OrderStatus
from actions.orders.sql import SqlOrderStore
from tests.actions.trackers import DOMAIN, responses, tracker

CLEARED_CHANGE = [
    SlotSet(slot, None) for slot in ("next_form", "confirmed", "new_address", "return_items", "return_reason")
]
REQUEST_DONE = [SlotSet("pending_request", None)]


pytestmark = pytest.mark.usefixtures("orders")  # the demo orders in SQLite (conftest.py)


def eur(amount: str) -> str:
    return f"{amount}\xa0€"


async def run(action: Action, **conversation: Any) -> tuple[list[dict], list[tuple[str | None, dict]], list[dict]]:
    """The events, the responses and the raw messages of `action` in `tracker(**conversation)`."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(**conversation), DOMAIN)
    return events, responses(dispatcher), dispatcher.messages


async def run_request(
    request: str, order_id: str | None, language: str = "it", **slots: Any
) -> tuple[list, list, list]:
    """action_run_order_request for the pending `request` on the verified `order_id`."""
    slots = {"pending_request": request, "verified_order_id": order_id, "language": language, **slots}
    return await run(ActionRunOrderRequest(), slots=slots)


# --- action_start_order_request


@pytest.mark.parametrize("mentioned", [{}, {"order_id": "100001"}, {"order_id": "#100 001"}])
async def test_new_request_keeps_the_verification_of_the_same_order(mentioned: dict[str, str]) -> None:
    events, said, _ = await run(
        ActionStartOrderRequest(), slots={"verified_order_id": "100001"}, intent="cancel_order", entities=mentioned
    )
    assert events == [SlotSet("pending_request", "cancel_order"), *CLEARED_CHANGE]
    assert said == []


async def test_new_request_for_another_order_drops_the_verification() -> None:
    events, said, _ = await run(
        ActionStartOrderRequest(),
        slots={"verified_order_id": "100001", "order_contact": "mario.rossi@example.com"},
        intent="order_status",
        entities={"order_id": "100002"},
    )
    assert events == [
        SlotSet("pending_request", "order_status"),
        *CLEARED_CHANGE,
        SlotSet("verified_order_id", None),
        SlotSet("order_contact", None),
        SlotSet("order_id", "100002"),
    ]
    assert said == [("utter_verification_intro", {})]


async def test_first_request_starts_the_verification_without_an_order_number() -> None:
    events, said, _ = await run(ActionStartOrderRequest(), intent="refund_status")
    assert events[-3:] == [
        SlotSet("verified_order_id", None),
        SlotSet("order_contact", None),
        SlotSet("order_id", None),
    ]
    assert said == [("utter_verification_intro", {})]


async def test_request_while_locked_does_not_start_a_verification() -> None:
    events, said, _ = await run(
        ActionStartOrderRequest(), slots={"order_lock_until": time.time() + 300}, intent="order_status"
    )
    assert events == [SlotSet("pending_request", "order_status"), *CLEARED_CHANGE]
    assert said == []


# --- action_run_order_request: answers


async def test_status_of_a_placed_order_with_masked_address_and_summary_card(today: date) -> None:
    events, said, messages = await run_request("order_status", "100001")
    assert events == REQUEST_DONE
    assert said == [
        (
            "utter_order_status_placed",
            {
                "order_id": "100001",
                "ordered_on": day(today - timedelta(days=1), "it"),
                "items": "Mocassini in pelle marrone e Cintura classica in pelle",
                "address": "Via T***, 20123 Milano",
            },
        )
    ]
    assert messages[0]["custom"] == {
        "order_summary": {
            "order_id": "100001",
            "status": "placed",
            "items": [
                {"name": "Mocassini in pelle marrone", "quantity": 1},
                {"name": "Cintura classica in pelle", "quantity": 1},
            ],
            "total": eur("258,00"),
            "carrier": None,
            "tracking_url": None,
            "expected_delivery": None,
            "ship_to": "Via T***, 20123 Milano",
        }
    }


async def test_status_of_a_shipped_order_has_the_tracking(orders: SqlOrderStore, today: date) -> None:
    shipped = orders.get_order("100002")
    assert shipped is not None
    events, said, _ = await run_request("order_status", "100002", language="en")
    assert events == REQUEST_DONE
    assert said == [
        (
            "utter_order_status_shipped",
            {
                "order_id": "100002",
                "ordered_on": day(today - timedelta(days=2), "en"),
                "items": "Leather crossbody bag",
                "address": "10 F***, EC4Y 1AA London",
                "carrier": "DHL",
                "tracking": shipped.tracking_number,
                "tracking_url": shipped.tracking_url,
                "shipped_on": day(today - timedelta(days=1), "en"),
                "expected": day(today + timedelta(days=5), "en"),
            },
        )
    ]


@pytest.mark.parametrize(
    ("order_id", "response"),
    [
        ("100003", "utter_order_status_delivered"),
        ("100005", "utter_order_status_cancelled"),
        ("100007", "utter_order_status_processing"),
    ],
)
async def test_status_response_follows_the_order_status(order_id: str, response: str) -> None:
    _, said, messages = await run_request("order_status", order_id)
    assert [name for name, _ in said] == [response]
    assert messages[0]["custom"]["order_summary"]["status"] == response.removeprefix("utter_order_status_")


async def test_status_of_a_delivered_order_has_the_delivery_day(today: date) -> None:
    _, said, _ = await run_request("order_status", "100003")
    assert said == [
        (
            "utter_order_status_delivered",
            {
                "order_id": "100003",
                "ordered_on": day(today - timedelta(days=8), "it"),
                "items": "Borsa tote in pelle e Cintura con incisione personalizzata",
                "address": "Via S***, 09127 Cagliari",
                "delivered_on": day(today - timedelta(days=5), "it"),
            },
        )
    ]


async def test_request_without_a_verified_order_says_nothing() -> None:
    events, said, _ = await run_request("order_status", None)
    assert events == REQUEST_DONE
    assert said == []


async def test_refund_status_of_a_cancelled_order_is_pending(today: date) -> None:
    _, said, _ = await run_request("refund_status", "100005")
    assert said == [
        (
            "utter_refund_pending",
            {
                "amount": eur("328,00"),
                "created_on": day(today - timedelta(days=1), "it"),
                "issued_on": "-",
                "refund_days": 14,
                "bank_days": "3-5",
            },
        )
    ]


async def test_refund_status_of_an_issued_refund(today: date) -> None:
    _, said, _ = await run_request("refund_status", "100006", language="en")
    assert said == [
        (
            "utter_refund_issued",
            {
                "amount": "€45.00",
                "created_on": day(today - timedelta(days=2), "en"),
                "issued_on": day(today - timedelta(days=1), "en"),
                "refund_days": 14,
                "bank_days": "3-5",
            },
        )
    ]


async def test_refund_status_without_refunds() -> None:
    _, said, _ = await run_request("refund_status", "100001")
    assert said == [("utter_refund_none", {"order_id": "100001", "refund_days": 14})]


async def test_invoice_request_is_recorded_and_the_email_masked(orders: SqlOrderStore) -> None:
    events, said, _ = await run_request("invoice_request", "100001")
    assert events == REQUEST_DONE
    assert said == [
        (
            "utter_invoice_requested",
            {
                "order_id": "100001",
                "email": "m***@example.com",
                "record_id": "INV-100001-1",
                "company_needs": "ragione sociale, partita IVA e codice SDI o PEC",
                "support_email": "assistenza@bottega-aurora.example",
            },
        )
    ]
    [record] = orders.changes("100001")
    assert (record.kind, record.details) == (
        "invoice_request",
        {"email": "mario.rossi@example.com", "vat_number": None},
    )


# --- action_run_order_request: changes, opened only when allowed


@pytest.mark.parametrize(
    ("request_", "order_id", "form"),
    [
        ("cancel_order", "100001", "cancel_form"),
        ("change_address", "100007", "address_form"),
        ("start_return", "100003", "return_form"),
    ],
)
async def test_allowed_change_opens_its_confirmation_form(request_: str, order_id: str, form: str) -> None:
    events, said, _ = await run_request(request_, order_id)
    assert events == [SlotSet("next_form", form)]
    assert said == []


@pytest.mark.parametrize("request_", ["cancel_order", "change_address"])
async def test_shipped_order_is_too_late_to_cancel_or_redirect(request_: str, orders: SqlOrderStore) -> None:
    shipped = orders.get_order("100002")
    assert shipped is not None
    events, said, _ = await run_request(request_, "100002")
    assert events == REQUEST_DONE  # and no next_form
    assert said == [
        (
            f"utter_{request_}_too_late",
            {"order_id": "100002", "status": "shipped", "carrier": "DHL", "tracking": shipped.tracking_number},
        )
    ]


async def test_return_outside_the_window_is_refused(today: date) -> None:
    events, said, _ = await run_request("start_return", "100004", language="en")
    assert events == REQUEST_DONE
    assert said == [
        ("utter_return_window_passed", {"window_days": 30, "deadline": day(today - timedelta(days=30), "en")})
    ]


async def test_return_of_an_order_not_yet_delivered_is_refused() -> None:
    events, said, _ = await run_request("start_return", "100001")
    assert events == REQUEST_DONE
    assert said == [("utter_return_not_delivered", {"order_id": "100001"})]


async def test_locked_lookups_hand_over_to_a_person(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions.handoff, "support_open", lambda shop, now: True)
    events, said, messages = await run_request("order_status", None, order_lock_until=time.time() + 9.5 * 60)
    assert events == REQUEST_DONE
    assert said == [
        ("utter_verification_locked", {"attempts": 3, "minutes": 10}),
        (
            "utter_handoff_open",
            {
                "hours": "lun 09:00-18:00, mar 09:00-18:00, mer 09:00-18:00, gio 09:00-18:00, "
                "ven 09:00-18:00, sab 10:00-13:00",
                "email": "assistenza@bottega-aurora.example",
            },
        ),
    ]
    assert messages[1]["custom"]["handoff"]["reason"] == "failed_verification"
    assert messages[1]["custom"]["handoff"]["verified_order_id"] is None


# --- action_submit_change


async def test_confirmed_cancellation_is_persisted(orders: SqlOrderStore) -> None:
    events, said, _ = await run(
        ActionSubmitChange(),
        slots={"verified_order_id": "100001", "pending_request": "cancel_order", "confirmed": True},
    )
    assert events == [*REQUEST_DONE, *CLEARED_CHANGE]
    assert said == [
        (
            "utter_order_cancelled",
            {"order_id": "100001", "record_id": "CAN-100001", "total": eur("258,00"), "refund_days": 14},
        )
    ]
    cancelled = orders.get_order("100001")
    assert cancelled is not None and cancelled.status == OrderStatus.CANCELLED
    assert [(refund.status, refund.amount) for refund in cancelled.refunds] == [("pending", cancelled.total)]
    [record] = orders.changes("100001")
    assert (record.record_id, record.kind, record.details["previous_status"]) == (
        "CAN-100001",
        "cancellation",
        "placed",
    )


@pytest.mark.parametrize("confirmed", [None, False])
async def test_unconfirmed_change_changes_nothing(confirmed: bool | None, orders: SqlOrderStore) -> None:
    before = orders.get_order("100001")
    events, said, _ = await run(
        ActionSubmitChange(),
        slots={"verified_order_id": "100001", "pending_request": "cancel_order", "confirmed": confirmed},
    )
    assert events == [*REQUEST_DONE, *CLEARED_CHANGE]
    assert said == [("utter_nothing_changed", {})]
    assert orders.get_order("100001") == before
    assert orders.changes("100001") == []


async def test_cancellation_of_an_order_that_shipped_meanwhile_writes_nothing(orders: SqlOrderStore) -> None:
    before = orders.get_order("100002")
    _, said, _ = await run(
        ActionSubmitChange(),
        slots={"verified_order_id": "100002", "pending_request": "cancel_order", "confirmed": True},
    )
    assert said == [("utter_change_no_longer_possible", {"order_id": "100002"})]
    assert orders.get_order("100002") == before
    assert orders.changes("100002") == []


async def test_confirmed_address_change_is_persisted(orders: SqlOrderStore) -> None:
    slots = {
        "verified_order_id": "100007",
        "pending_request": "change_address",
        "confirmed": True,
        "new_address": "Kastanienallee 12, 10435 Berlin",
    }
    _, said, _ = await run(ActionSubmitChange(), slots={**slots, "language": "en"})
    assert said == [
        (
            "utter_address_changed",
            {"order_id": "100007", "record_id": "ADR-100007-1", "address": "Kastanienallee 1***, 10435 Berlin"},
        )
    ]
    changed = orders.get_order("100007")
    assert changed is not None
    assert changed.shipping_address == Address("Anna Schmidt", "Kastanienallee 12", "10435", "Berlin", "DE")


@pytest.mark.parametrize(
    ("order_id", "sku", "language", "response", "items", "email"),
    [
        ("100003", "BAG-TOT-01", "it", "utter_return_created_free_label", "Borsa tote in pelle", "g***@example.it"),
        ("100006", "SHO-SNK-03", "en", "utter_return_created_paid", "White leather sneakers", "s***@example.com"),
    ],
    ids=["italy_free_label", "uk_paid"],
)
async def test_confirmed_return_is_persisted(
    order_id: str, sku: str, language: str, response: str, items: str, email: str, orders: SqlOrderStore
) -> None:
    slots = {
        "verified_order_id": order_id,
        "pending_request": "start_return",
        "confirmed": True,
        "return_items": [sku],
        "return_reason": "wrong_size: taglia sbagliata",
        "language": language,
    }
    _, said, _ = await run(ActionSubmitChange(), slots=slots)
    assert said == [
        (
            response,
            {
                "record_id": f"RMA-{order_id}-1",
                "items": items,
                "email": email,
                "return_cost": eur("7,90") if language == "it" else "€7.90",
                "ship_within": 14,
                "refund_days": 14,
            },
        )
    ]
    [record] = orders.changes(order_id)
    assert (record.kind, record.details["skus"], record.details["reason"]) == (
        "return",
        [sku],
        "wrong_size: taglia sbagliata",
    )


async def test_stopping_a_confirmation_form_drops_the_change() -> None:
    events, said, _ = await run(
        ActionCancelChange(),
        slots={"pending_request": "cancel_order", "next_form": "cancel_form"},
        active_loop="cancel_form",
    )
    assert events == [ActiveLoop(None), SlotSet("requested_slot", None), *REQUEST_DONE, *CLEARED_CHANGE]
    assert said == [("utter_nothing_changed", {})]
