"""SqlOrderStore against real SQLite and PostgreSQL databases, seeded with the demo orders."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

import actions.orders
from actions.orders import open_store
from actions.orders.model import Address, ChangeRecord, OrderRuleError, OrderStatus, parse_address
from actions.orders.seed import DEMO_ORDERS, demo_orders, seed_demo_orders
from actions.orders.sql import SqlOrderStore

WINDOW = 30
SQL_INJECTION = "1' OR '1'='1"
NEW_ADDRESS = Address("Mario Rossi", "Via Garibaldi 7", "09124", "Cagliari", "IT")


def snapshot(store: SqlOrderStore, today: date) -> dict[str, object]:
    """Every demo order as stored, with its changes: to show that a failed request changed nothing."""
    ids = [order.order_id for order in demo_orders(today)]
    return {order_id: (store.get_order(order_id), store.changes(order_id)) for order_id in ids}


def cod_order(store: SqlOrderStore) -> str:
    """A copy of the placed order 100001 paid cash on delivery (nothing captured yet), as order 199999."""
    base = store.get_order("100001")
    assert base is not None
    store.add_orders([replace(base, order_id="199999", payment_method="cash_on_delivery")])
    return "199999"


# --- seeding and persistence


def test_every_demo_order_reads_back_exactly(store: SqlOrderStore, today: date) -> None:
    for order in demo_orders(today):
        assert store.get_order(order.order_id) == order


def test_money_and_times_come_back_as_decimal_and_utc(store: SqlOrderStore) -> None:
    order = store.get_order("100006")
    assert order is not None
    assert order.total == order.subtotal + order.shipping_cost == Decimal("213.90")
    assert order.total.as_tuple().exponent == -2
    assert order.items[0].unit_price == Decimal("45.00")
    for moment in (order.created_at, order.shipped_at, order.delivered_at, order.refunds[0].issued_at):
        assert moment is not None and moment.utcoffset() == timedelta(0)


def test_fixed_demo_orders_match_their_documentation(store: SqlOrderStore, today: date) -> None:
    for demo in DEMO_ORDERS:
        order = store.get_order(demo.order_id)
        assert order is not None
        assert (order.status, order.email, order.phone, order.language) == (
            demo.status,
            demo.email,
            demo.phone,
            demo.language,
        )
    delivered_3, delivered_5, delivered_60 = (store.get_order(i) for i in ("100006", "100003", "100004"))
    assert delivered_5 and delivered_5.delivered_at and delivered_5.delivered_at.date() == today - timedelta(days=5)
    assert [item.returnable for item in delivered_5.items] == [True, False]
    assert delivered_60 and delivered_60.delivered_at and delivered_60.delivered_at.date() == today - timedelta(days=60)
    assert delivered_3 and [r.status for r in delivered_3.refunds] == ["issued"]
    cancelled = store.get_order("100005")
    assert cancelled and [(r.status, r.amount) for r in cancelled.refunds] == [("pending", cancelled.total)]
    shipped = store.get_order("100002")
    assert shipped and shipped.carrier == "DHL" and shipped.tracking_number and shipped.tracking_url
    assert shipped.expected_delivery and shipped.expected_delivery > today


def test_demo_orders_are_deterministic_and_cover_every_case() -> None:
    today = date(2025, 6, 16)
    orders = demo_orders(today)
    assert orders == demo_orders(today)
    assert 45 <= len(orders) <= 55
    assert all(len(o.order_id) == 6 and o.order_id.isdigit() for o in orders)
    assert len({o.order_id for o in orders}) == len(orders)
    assert {o.status for o in orders} == set(OrderStatus)
    assert {o.payment_method for o in orders} == {"card", "paypal", "bank_transfer", "cash_on_delivery", "pay_later"}
    assert {o.carrier for o in orders if o.status == OrderStatus.SHIPPED} == {"BRT", "GLS", "Poste Italiane", "DHL"}
    assert all(o.tracking_url and o.expected_delivery for o in orders if o.status == OrderStatus.SHIPPED)
    delivered_days = [(today - o.delivered_at.date()).days for o in orders if o.delivered_at]
    assert any(days <= WINDOW for days in delivered_days) and any(days > WINDOW for days in delivered_days)
    assert {r.status for o in orders for r in o.refunds} == {"pending", "issued"}
    assert any(not item.returnable for o in orders for item in o.items)
    assert {o.language for o in orders} == {"it", "en"}
    assert {"IT", "GB", "DE", "FR"} <= {o.shipping_address.country for o in orders}
    cities = {o.shipping_address.city for o in orders}
    assert cities & {"Cagliari", "Olbia"} and cities & {"Palermo", "Catania"}  # Sardinia and Sicily
    assert all(o.total == o.subtotal + o.shipping_cost for o in orders)
    assert not any(r for o in orders if o.payment_method == "cash_on_delivery" for r in o.refunds)


# --- owner verification


def test_owner_verified_by_email_case_insensitively(store: SqlOrderStore) -> None:
    order = store.find_owned_order("100001", "  Mario.Rossi@EXAMPLE.com ")
    assert order is not None and order.order_id == "100001"


@pytest.mark.parametrize(
    "phone", ["+39 347 123 4567", "347 123 4567", "0039 347-123-4567", "+393471234567", "(347) 1234567"]
)
def test_owner_verified_by_phone_in_any_format(store: SqlOrderStore, phone: str) -> None:
    order = store.find_owned_order("100001", phone)
    assert order is not None and order.order_id == "100001"


def test_foreign_phone_number_verifies_its_owner(store: SqlOrderStore) -> None:
    assert store.find_owned_order("100007", "+49 151 2345 6789") is not None


@pytest.mark.parametrize(
    ("order_id", "contact"),
    [
        ("100001", "emma.clark@example.co.uk"),  # another customer's email
        ("100001", "mario.rossi@example.org"),
        ("100001", "+39 347 123 4568"),
        ("100001", "4567"),  # too few digits to identify anyone
        ("100001", ""),
        ("999999", "mario.rossi@example.com"),  # unknown order
        ("10000", "mario.rossi@example.com"),
    ],
)
def test_mismatch_and_unknown_order_both_give_none(store: SqlOrderStore, order_id: str, contact: str) -> None:
    assert store.find_owned_order(order_id, contact) is None


# --- cancellation


def test_cancel_placed_order(store: SqlOrderStore) -> None:
    order = store.get_order("100001")
    assert order is not None
    record = store.cancel_order("100001", "changed my mind")

    assert (record.record_id, record.kind, record.order_id) == ("CAN-100001", "cancellation", "100001")
    assert record.details["reason"] == "changed my mind" and record.details["previous_status"] == "placed"
    assert record.created_at.tzinfo == timezone.utc
    cancelled = store.get_order("100001")
    assert cancelled is not None and cancelled.status == OrderStatus.CANCELLED
    [refund] = cancelled.refunds
    assert (refund.refund_id, refund.amount, refund.status, refund.issued_at) == (
        "REF-100001-1",
        order.total,
        "pending",
        None,
    )
    assert record.details["refund_id"] == "REF-100001-1" and record.details["refund_amount"] == str(order.total)

    reopened = SqlOrderStore(store.url)  # persisted, not just cached
    try:
        assert reopened.changes("100001") == [record]
        assert reopened.get_order("100001") == cancelled
    finally:
        reopened.close()


def test_cancel_processing_order_paid_later_refunds_it(store: SqlOrderStore) -> None:
    store.cancel_order("100007", "too slow")
    order = store.get_order("100007")
    assert order is not None and order.status == OrderStatus.CANCELLED
    assert [(r.status, r.amount) for r in order.refunds] == [("pending", order.total)]


def test_cancel_cash_on_delivery_order_creates_no_refund(store: SqlOrderStore) -> None:
    order_id = cod_order(store)
    record = store.cancel_order(order_id, "ordered twice")
    order = store.get_order(order_id)
    assert order is not None and order.status == OrderStatus.CANCELLED and order.refunds == ()
    assert record.details["refund_id"] is None


@pytest.mark.parametrize(
    ("order_id", "code"), [("100002", "already_shipped"), ("100003", "already_shipped"), ("100005", "cancelled")]
)
def test_cancel_refused_changes_nothing(store: SqlOrderStore, today: date, order_id: str, code: str) -> None:
    before = snapshot(store, today)
    with pytest.raises(OrderRuleError) as error:
        store.cancel_order(order_id, "please")
    assert error.value.code == code
    assert snapshot(store, today) == before


def test_cancel_twice_refuses_the_second(store: SqlOrderStore) -> None:
    store.cancel_order("100001", "first")
    with pytest.raises(OrderRuleError) as error:
        store.cancel_order("100001", "second")
    assert error.value.code == "cancelled"
    assert len(store.changes("100001")) == 1
    order = store.get_order("100001")
    assert order is not None and len(order.refunds) == 1


def race_to_cancel(stores: list[SqlOrderStore], order_id: str) -> list[object]:
    """Each store cancels `order_id` at the same moment, from its own thread: what each returned or raised."""
    barrier = threading.Barrier(len(stores))
    outcomes: list[object] = []

    def cancel(order_store: SqlOrderStore) -> None:
        barrier.wait()
        try:
            outcomes.append(order_store.cancel_order(order_id, "race"))
        except Exception as exc:  # the test inspects what was raised
            outcomes.append(exc)

    threads = [threading.Thread(target=cancel, args=(order_store,)) for order_store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_concurrent_cancellations_only_one_succeeds(db_url: str, today: date) -> None:
    """Two conversations (two stores, two connection pools) cancel the same order at the same moment."""
    setup = SqlOrderStore(db_url)
    setup.create_schema()
    seed_demo_orders(setup, today)
    stores = [SqlOrderStore(db_url), SqlOrderStore(db_url)]
    try:
        for order_id in ["100001", "100007", cod_order(setup)]:
            outcomes = race_to_cancel(stores, order_id)
            records = [o for o in outcomes if isinstance(o, ChangeRecord)]
            errors = [o for o in outcomes if not isinstance(o, ChangeRecord)]
            assert len(records) == 1, outcomes
            assert len(errors) == 1 and isinstance(errors[0], OrderRuleError), outcomes
            assert errors[0].code == "cancelled"
            assert setup.changes(order_id) == records
            order = setup.get_order(order_id)
            assert order is not None and order.status == OrderStatus.CANCELLED
            assert len(order.refunds) == (0 if order.payment_method == "cash_on_delivery" else 1)
    finally:
        for order_store in (setup, *stores):
            order_store.close()


# --- address change


def test_change_address_of_placed_order(store: SqlOrderStore) -> None:
    old = store.get_order("100001")
    assert old is not None
    first = store.change_address("100001", NEW_ADDRESS)
    assert (first.record_id, first.kind) == ("ADR-100001-1", "address_change")
    assert first.details["old_address"]["street"] == old.shipping_address.street
    assert first.details["new_address"]["postcode"] == "09124"
    order = store.get_order("100001")
    assert order is not None and order.shipping_address == NEW_ADDRESS and order.status == OrderStatus.PLACED

    second = store.change_address("100001", replace(NEW_ADDRESS, street="Via Garibaldi 9"))
    assert second.record_id == "ADR-100001-2"
    assert store.changes("100001") == [first, second]


def test_change_address_of_processing_order(store: SqlOrderStore) -> None:
    address = Address("Anna Schmidt", "Friedrichstraße 43", "10117", "Berlin", "DE")
    assert store.change_address("100007", address).record_id == "ADR-100007-1"
    order = store.get_order("100007")
    assert order is not None and order.shipping_address == address


@pytest.mark.parametrize(
    ("order_id", "code"), [("100002", "already_shipped"), ("100006", "already_shipped"), ("100005", "cancelled")]
)
def test_change_address_refused_changes_nothing(store: SqlOrderStore, today: date, order_id: str, code: str) -> None:
    before = snapshot(store, today)
    with pytest.raises(OrderRuleError) as error:
        store.change_address(order_id, NEW_ADDRESS)
    assert error.value.code == code
    assert snapshot(store, today) == before


# --- returns


def test_return_inside_window(store: SqlOrderStore, today: date) -> None:
    order = store.get_order("100003")
    assert order is not None
    [returnable] = [item.sku for item in order.items if item.returnable]
    record = store.create_return("100003", [returnable], "too small", WINDOW, today)
    assert (record.record_id, record.kind, record.order_id) == ("RMA-100003-1", "return", "100003")
    assert record.details["skus"] == [returnable] and record.details["reason"] == "too small"
    assert record.details["return_deadline"] == str(today - timedelta(days=5) + timedelta(days=WINDOW))
    assert [change.record_id for change in store.changes("100003")] == ["RMA-100003-1"]


def test_returns_of_one_order_are_numbered(store: SqlOrderStore, today: date) -> None:
    first, second = (item.sku for item in store.get_order("100006").returnable_items(WINDOW, today))
    assert store.create_return("100006", [first], "size", WINDOW, today).record_id == "RMA-100006-1"
    assert store.create_return("100006", [second], "colour", WINDOW, today).record_id == "RMA-100006-2"


def test_return_on_last_day_of_window_is_allowed(store: SqlOrderStore, today: date) -> None:
    last_day = today - timedelta(days=5) + timedelta(days=WINDOW)
    assert store.create_return("100003", ["BAG-TOT-01"], "", WINDOW, last_day).record_id == "RMA-100003-1"


@pytest.mark.parametrize(
    ("order_id", "skus", "code"),
    [
        ("100004", ["JKT-BIK-01"], "outside_return_window"),
        ("100003", ["BLT-INC-03"], "not_returnable"),
        ("100003", ["BAG-TOT-01", "BLT-INC-03"], "not_returnable"),
        ("100003", ["NOPE-00"], "unknown_items"),
        ("100003", [], "unknown_items"),
        ("100003", [SQL_INJECTION], "unknown_items"),
        ("100001", ["SHO-MOC-01"], "not_delivered"),
        ("100002", ["BAG-TRA-02"], "not_delivered"),
        ("100005", ["SHO-CHE-04"], "cancelled"),
    ],
)
def test_return_refused_changes_nothing(
    store: SqlOrderStore, today: date, order_id: str, skus: list[str], code: str
) -> None:
    before = snapshot(store, today)
    with pytest.raises(OrderRuleError) as error:
        store.create_return(order_id, skus, "reason", WINDOW, today)
    assert error.value.code == code
    assert snapshot(store, today) == before


# --- invoices and record ids


def test_invoice_request_recorded(store: SqlOrderStore) -> None:
    record = store.request_invoice("100006", "accounts@example.com", "IT01234567890")
    assert (record.record_id, record.kind) == ("INV-100006-1", "invoice_request")
    assert record.details == {"email": "accounts@example.com", "vat_number": "IT01234567890"}
    second = store.request_invoice("100006", "sarah.jones@example.com", None)
    assert second.record_id == "INV-100006-2" and second.details["vat_number"] is None
    assert store.changes("100006") == [record, second]


def test_record_ids_are_numbered_per_order_and_kind(store: SqlOrderStore, today: date) -> None:
    ids = [
        store.request_invoice("100001", "a@example.com", None).record_id,
        store.change_address("100001", NEW_ADDRESS).record_id,
        store.request_invoice("100001", "b@example.com", None).record_id,
        store.request_invoice("100003", "c@example.com", None).record_id,
        store.create_return("100003", ["BAG-TOT-01"], "", WINDOW, today).record_id,
        store.cancel_order("100001", "").record_id,
    ]
    assert ids == ["INV-100001-1", "ADR-100001-1", "INV-100001-2", "INV-100003-1", "RMA-100003-1", "CAN-100001"]
    kinds = [change.kind for change in store.changes("100001")]
    assert kinds == ["invoice_request", "address_change", "invoice_request", "cancellation"]
    assert store.changes("999999") == []


# --- hostile input


@pytest.mark.parametrize(
    "order_id", [SQL_INJECTION, "100001' OR '1'='1", "100001'; DROP TABLE orders; --", "%", "10000_", "100\x0001", ""]
)
def test_sql_looking_input_finds_nothing_and_changes_nothing(store: SqlOrderStore, today: date, order_id: str) -> None:
    before = snapshot(store, today)
    assert store.get_order(order_id) is None
    assert store.find_owned_order(order_id, "mario.rossi@example.com") is None
    assert store.find_owned_order("100001", SQL_INJECTION) is None
    assert store.find_owned_order("100001", "' OR 1=1 --") is None
    assert store.changes(order_id) == []
    for attempt in (
        lambda: store.cancel_order(order_id, SQL_INJECTION),
        lambda: store.change_address(order_id, NEW_ADDRESS),
        lambda: store.create_return(order_id, ["BAG-TOT-01"], "", WINDOW, today),
        lambda: store.request_invoice(order_id, SQL_INJECTION, None),
    ):
        with pytest.raises(LookupError):
            attempt()
    assert snapshot(store, today) == before


def test_sql_looking_text_is_stored_verbatim(store: SqlOrderStore) -> None:
    reason = "x'); DELETE FROM orders; --"
    cancellation = store.cancel_order("100001", reason)
    invoice = store.request_invoice("100001", SQL_INJECTION, "'; DROP TABLE changes; --")
    assert store.changes("100001") == [cancellation, invoice]
    assert cancellation.details["reason"] == reason and invoice.details["email"] == SQL_INJECTION
    address = Address("O'Brien", "1 O'Connell Street", "D01 F5P2", "Dublin", "IE")
    assert store.change_address("100007", address).details["new_address"]["name"] == "O'Brien"
    order = store.get_order("100007")
    assert order is not None and order.shipping_address == address
    assert store.get_order("100002") is not None


# --- opening the store


def test_store_connects_only_when_used(tmp_path: Path) -> None:
    path = tmp_path / "lazy.db"
    unreachable = SqlOrderStore("postgresql+psycopg2://nobody@127.0.0.1:1/none")  # nothing listens there
    lazy = SqlOrderStore(f"sqlite:///{path}")
    assert not path.exists()
    lazy.create_schema()
    assert path.exists() and not lazy.has_orders()
    lazy.close()
    unreachable.close()


def test_open_store_creates_and_seeds_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    first = open_store(url)
    assert isinstance(first, SqlOrderStore)
    first.cancel_order("100001", "")
    first.close()
    second = open_store(url)  # not seeded again: the change survives
    assert isinstance(second, SqlOrderStore)
    order = second.get_order("100001")
    assert order is not None and order.status == OrderStatus.CANCELLED
    assert second.find_owned_order("100002", "emma.clark@example.co.uk") is not None
    second.close()


@pytest.mark.postgres
def test_open_store_uses_database_url_and_seeds_a_server_only_on_request(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", pg_url)
    store = open_store()
    assert isinstance(store, SqlOrderStore) and store.url == pg_url
    assert store.get_order("100004") is None  # a server database is never seeded by default
    store.close()
    monkeypatch.setenv("SEED_DEMO_ORDERS", "1")
    store = open_store()
    assert store.get_order("100004") is not None
    store.close()


def test_open_store_defaults_to_var_orders_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = tmp_path / "repo" / "var" / "orders.db"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(actions.orders, "DEFAULT_DB_PATH", default)
    store = open_store()
    assert isinstance(store, SqlOrderStore) and default.exists()
    assert store.get_order("100001") is not None
    store.close()


# --- parsing addresses


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("via Roma 12, 50123 Firenze", ("via Roma 12", "50123", "Firenze")),
        ("Via Sonnino 32 09127 cagliari", ("Via Sonnino 32", "09127", "Cagliari")),
        ("  Via   Maqueda 210,   90133   Palermo ", ("Via Maqueda 210", "90133", "Palermo")),
        ("Friedrichstraße 43, 10117 Berlin", ("Friedrichstraße 43", "10117", "Berlin")),
        ("12 Rue de Rivoli, 75004 Paris", ("12 Rue de Rivoli", "75004", "Paris")),
        ("10 Downing Street, London SW1A 2AA", ("10 Downing Street", "SW1A 2AA", "London")),
        ("221 Baker Street, London, nw1 6xe", ("221 Baker Street", "NW1 6XE", "London")),
        ("via Roma, 50123 Firenze", None),  # no house number
        ("via Roma 12 Firenze", None),  # no postcode
        ("via Roma 12, 50123", None),  # no city
        ("", None),
    ],
)
def test_parse_address(text: str, expected: tuple[str, str, str] | None) -> None:
    address = parse_address(text, "Mario Rossi", "IT")
    if expected is None:
        assert address is None
    else:
        assert address is not None
        assert (address.street, address.postcode, address.city) == expected
        assert (address.name, address.country) == ("Mario Rossi", "IT")


def test_an_item_cannot_be_returned_twice(store: SqlOrderStore, today: date) -> None:
    order = store.get_order("100006")
    sku = order.returnable_items(WINDOW, today)[0].sku
    store.create_return("100006", [sku], "wrong_size", WINDOW, today)
    assert sku not in [item.sku for item in store.get_order("100006").returnable_items(WINDOW, today)]
    with pytest.raises(OrderRuleError) as raised:
        store.create_return("100006", [sku], "wrong_size", WINDOW, today)
    assert raised.value.code == "already_returned"
