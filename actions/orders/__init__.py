"""Orders: the data and rules (model.py), the store interface (base.py) and its SQL store (sql.py)."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from actions.orders.base import OrderStore
from actions.orders.seed import seed_demo_orders
from actions.orders.sql import SqlOrderStore

__all__ = ["OrderStore", "SqlOrderStore", "open_store"]

DEFAULT_DB_PATH = Path(__file__).resolve().parents[2] / "var" / "orders.db"


def should_seed(url: str) -> bool:
    """Demo orders go into an empty SQLite database (the embedded default), never into a
    server database unless SEED_DEMO_ORDERS=1 asks for it (e.g. a staging PostgreSQL)."""
    setting = os.environ.get("SEED_DEMO_ORDERS", "")
    return setting == "1" or (setting != "0" and url.startswith("sqlite"))


def open_store(url: str | None = None) -> OrderStore:
    """The order store at `url`, else at $DATABASE_URL, else in var/orders.db of this repository.

    Creates the tables if missing and seeds the demo orders into an empty database (see should_seed)."""
    url = url or os.environ.get("DATABASE_URL")
    if not url:
        DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DEFAULT_DB_PATH}"
    store = SqlOrderStore(url)
    store.create_schema()
    if should_seed(url) and not store.has_orders():
        seed_demo_orders(store, datetime.now(timezone.utc).date())
    return store
