"""OrderStore on a SQL database with SQLAlchemy Core: SQLite for development, PostgreSQL in production.

Every change runs in one transaction that first re-reads and locks the order row (``SELECT ... FOR
UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), applies the rule from model.py and writes the
change together with its row in ``changes``, so two concurrent requests cannot both pass the rule.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from actions.orders.base import OrderStore
from actions.orders.model import (
    ORDER_ID_PATTERN,
    Address,
    ChangeRecord,
    Order,
    OrderItem,
    OrderRuleError,
    OrderStatus,
    Refund,
    contact_matches,
)

CENT = Decimal("0.01")


class Money(TypeDecorator):
    """NUMERIC(10,2) that always reads back as a Decimal with two places.

    SQLite has no decimal type: values go through float there, which is exact for 10 digits."""

    impl = Numeric(10, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine:
        return dialect.type_descriptor(Numeric(10, 2, asdecimal=dialect.supports_native_decimal))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(CENT)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(CENT)


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use timezone-aware UTC datetimes")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


metadata = MetaData()

orders_table = Table(
    "orders",
    metadata,
    Column("order_id", String(6), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("language", String(2), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("ship_name", String(120), nullable=False),
    Column("ship_street", String(200), nullable=False),
    Column("ship_postcode", String(10), nullable=False),
    Column("ship_city", String(100), nullable=False),
    Column("ship_country", String(2), nullable=False),
    Column("subtotal", Money, nullable=False),
    Column("shipping_cost", Money, nullable=False),
    Column("total", Money, nullable=False),
    Column("payment_method", String(32), nullable=False),
    Column("carrier", String(40)),
    Column("tracking_number", String(40)),
    Column("tracking_url", String(300)),
    Column("shipped_at", UtcDateTime),
    Column("expected_delivery", Date),
    Column("delivered_at", UtcDateTime),
)

items_table = Table(
    "order_items",
    metadata,
    Column("order_id", String(6), ForeignKey("orders.order_id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("sku", String(32), nullable=False),
    Column("name_it", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("returnable", Boolean, nullable=False),
    UniqueConstraint("order_id", "sku"),
)

refunds_table = Table(
    "refunds",
    metadata,
    Column("refund_id", String(24), primary_key=True),
    Column("order_id", String(6), ForeignKey("orders.order_id"), nullable=False, index=True),
    Column("amount", Money, nullable=False),
    Column("status", String(10), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("issued_at", UtcDateTime),
)

changes_table = Table(
    "changes",
    metadata,
    Column("record_id", String(24), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("order_id", String(6), ForeignKey("orders.order_id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("details", Text, nullable=False),  # JSON
)

_ORDER_SPECIAL = {"status", "items", "shipping_address", "refunds", "returned_skus"}
_ORDER_COLUMNS = tuple(f.name for f in fields(Order) if f.name not in _ORDER_SPECIAL)
_ADDRESS_FIELDS = tuple(f.name for f in fields(Address))
_ITEM_FIELDS = tuple(f.name for f in fields(OrderItem))
_REFUND_FIELDS = tuple(f.name for f in fields(Refund))


def _make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        # pysqlite only opens a transaction before the first write, so a re-read would not be part
        # of it. Take over BEGIN (SQLAlchemy's documented recipe) and take the write lock up front;
        # reads wait for it too, which is fine for a development database.
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA foreign_keys = ON")

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _is_order_id(text: str) -> bool:
    """Anything else is unknown without asking the database (which may reject e.g. NUL bytes)."""
    return bool(ORDER_ID_PATTERN.match(text or ""))


def _rule_error_for_status(order: Order) -> OrderRuleError:
    return OrderRuleError("cancelled" if order.status == OrderStatus.CANCELLED else "already_shipped")


class SqlOrderStore(OrderStore):
    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """Created on first use, so importing or constructing the store never connects."""
        with self._engine_lock:
            if self._engine is None:
                self._engine = _make_engine(self.url)
            return self._engine

    def close(self) -> None:
        with self._engine_lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def create_schema(self) -> None:
        metadata.create_all(self.engine)

    def has_orders(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(orders_table.c.order_id).limit(1)).first() is not None

    def add_orders(self, new_orders: Iterable[Order]) -> None:
        """Insert whole orders (items and refunds included) in one transaction."""
        with self.engine.begin() as conn:
            for order in new_orders:
                row = {name: getattr(order, name) for name in _ORDER_COLUMNS}
                row.update({f"ship_{name}": getattr(order.shipping_address, name) for name in _ADDRESS_FIELDS})
                conn.execute(insert(orders_table).values({**row, "status": order.status.value}))
                for position, item in enumerate(order.items):
                    item_row = {**asdict(item), "order_id": order.order_id, "position": position}
                    conn.execute(insert(items_table).values(item_row))
                for refund in order.refunds:
                    conn.execute(insert(refunds_table).values(asdict(refund)))

    # --- reads

    def find_owned_order(self, order_id: str, contact: str) -> Order | None:
        order = self.get_order(order_id)
        return order if order is not None and contact_matches(order, contact) else None

    def get_order(self, order_id: str) -> Order | None:
        with self.engine.connect() as conn:
            return self._load(conn, order_id)

    def changes(self, order_id: str) -> list[ChangeRecord]:
        if not _is_order_id(order_id):
            return []
        query = (
            select(changes_table)
            .where(changes_table.c.order_id == order_id)
            .order_by(changes_table.c.created_at, changes_table.c.record_id)
        )
        with self.engine.connect() as conn:
            return [
                ChangeRecord(
                    record_id=row["record_id"],
                    kind=row["kind"],
                    order_id=row["order_id"],
                    created_at=row["created_at"],
                    details=json.loads(row["details"]),
                )
                for row in conn.execute(query).mappings()
            ]

    # --- changes

    def cancel_order(self, order_id: str, reason: str) -> ChangeRecord:
        with self._locked(order_id) as (conn, order):
            if not order.can_cancel():
                raise _rule_error_for_status(order)
            now = datetime.now(timezone.utc)
            conn.execute(
                update(orders_table)
                .where(orders_table.c.order_id == order_id)
                .values(status=OrderStatus.CANCELLED.value)
            )
            refund = None
            if order.payment_method != "cash_on_delivery":  # payment was captured: give it back
                refund = Refund(
                    refund_id=f"REF-{order_id}-{len(order.refunds) + 1}",
                    order_id=order_id,
                    amount=order.total,
                    status="pending",
                    created_at=now,
                )
                conn.execute(insert(refunds_table).values(asdict(refund)))
            details = {
                "reason": reason,
                "previous_status": order.status.value,
                "refund_id": refund.refund_id if refund else None,
                "refund_amount": str(refund.amount) if refund else None,
            }
            return self._record(conn, f"CAN-{order_id}", "cancellation", order_id, now, details)

    def change_address(self, order_id: str, address: Address) -> ChangeRecord:
        with self._locked(order_id) as (conn, order):
            if not order.can_change_address():
                raise _rule_error_for_status(order)
            conn.execute(
                update(orders_table)
                .where(orders_table.c.order_id == order_id)
                .values({f"ship_{name}": getattr(address, name) for name in _ADDRESS_FIELDS})
            )
            details = {"old_address": asdict(order.shipping_address), "new_address": asdict(address)}
            return self._record_numbered(conn, "ADR", "address_change", order_id, details)

    def create_return(self, order_id: str, skus: list[str], reason: str, window_days: int, today: date) -> ChangeRecord:
        with self._locked(order_id) as (conn, order):
            order.check_return(skus, window_days, today)
            deadline = order.return_deadline(window_days)
            details = {"skus": list(skus), "reason": reason, "return_deadline": str(deadline)}
            return self._record_numbered(conn, "RMA", "return", order_id, details)

    def request_invoice(self, order_id: str, email: str, vat_number: str | None) -> ChangeRecord:
        with self._locked(order_id) as (conn, _order):
            details = {"email": email, "vat_number": vat_number}
            return self._record_numbered(conn, "INV", "invoice_request", order_id, details)

    # --- helpers

    @contextmanager
    def _locked(self, order_id: str) -> Iterator[tuple[Connection, Order]]:
        """One transaction holding the order's row lock; rolled back if the body raises."""
        with self.engine.begin() as conn:
            order = self._load(conn, order_id, for_update=True)
            if order is None:
                raise LookupError(f"unknown order {order_id!r}")
            yield conn, order

    def _load(self, conn: Connection, order_id: str, for_update: bool = False) -> Order | None:
        if not _is_order_id(order_id):
            return None
        query = select(orders_table).where(orders_table.c.order_id == order_id)
        row = conn.execute(query.with_for_update() if for_update else query).mappings().first()
        if row is None:
            return None
        item_rows = conn.execute(
            select(items_table).where(items_table.c.order_id == order_id).order_by(items_table.c.position)
        ).mappings()
        refund_rows = conn.execute(
            select(refunds_table)
            .where(refunds_table.c.order_id == order_id)
            .order_by(refunds_table.c.created_at, refunds_table.c.refund_id)
        ).mappings()
        return_details = conn.execute(
            select(changes_table.c.details).where(
                changes_table.c.order_id == order_id, changes_table.c.kind == "return"
            )
        ).scalars()
        return Order(
            **{name: row[name] for name in _ORDER_COLUMNS},
            returned_skus=frozenset(sku for details in return_details for sku in json.loads(details)["skus"]),
            status=OrderStatus(row["status"]),
            shipping_address=Address(**{name: row[f"ship_{name}"] for name in _ADDRESS_FIELDS}),
            items=tuple(OrderItem(**{name: item[name] for name in _ITEM_FIELDS}) for item in item_rows),
            refunds=tuple(Refund(**{name: refund[name] for name in _REFUND_FIELDS}) for refund in refund_rows),
        )

    def _record_numbered(
        self, conn: Connection, prefix: str, kind: str, order_id: str, details: dict[str, Any]
    ) -> ChangeRecord:
        count = conn.execute(
            select(func.count())
            .select_from(changes_table)
            .where(changes_table.c.order_id == order_id, changes_table.c.kind == kind)
        ).scalar_one()
        now = datetime.now(timezone.utc)
        return self._record(conn, f"{prefix}-{order_id}-{count + 1}", kind, order_id, now, details)

    def _record(
        self, conn: Connection, record_id: str, kind: str, order_id: str, now: datetime, details: dict[str, Any]
    ) -> ChangeRecord:
        conn.execute(
            insert(changes_table).values(
                record_id=record_id,
                kind=kind,
                order_id=order_id,
                created_at=now,
                details=json.dumps(details, ensure_ascii=False, sort_keys=True),
            )
        )
        return ChangeRecord(record_id=record_id, kind=kind, order_id=order_id, created_at=now, details=details)
