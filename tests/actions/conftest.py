"""Fixtures for the order store tests: one real database per test, on SQLite and on PostgreSQL.

PostgreSQL is the local server at 127.0.0.1:5432 (trust auth). Each test gets a database of its
own, created here and dropped afterwards; no other database is ever written to or dropped.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # `pytest` run without `python -m` from the repository root
    sys.path.insert(0, str(REPO_ROOT))

from actions.orders.seed import seed_demo_orders  # noqa: E402
from actions.orders.sql import SqlOrderStore  # noqa: E402
from tests.actions.trackers import use_store  # noqa: E402

PG_HOST, PG_PORT, PG_ADMIN_DB = "127.0.0.1", 5432, "test"
PG_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def _pg_user() -> str | None:
    """The first of postgres/root that can connect, or None when the server does not answer."""
    for user in ("postgres", "root"):
        try:
            psycopg2.connect(host=PG_HOST, port=PG_PORT, user=user, dbname=PG_ADMIN_DB, connect_timeout=3).close()
            return user
        except psycopg2.OperationalError:
            continue
    return None


@pytest.fixture(scope="session")
def pg_user() -> str:
    user = _pg_user()
    if user is None:
        subprocess.run(PG_START, shell=True, check=False)
        for _ in range(30):
            user = _pg_user()
            if user is not None:
                break
            time.sleep(0.5)
    if user is None:
        pytest.fail(f"PostgreSQL at {PG_HOST}:{PG_PORT} is not reachable, even after `{PG_START}`")
    return user


@pytest.fixture
def pg_url(pg_user: str) -> Iterator[str]:
    """A fresh, uniquely named database, dropped after the test."""
    name = f"orders_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=pg_user, dbname=PG_ADMIN_DB)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        yield f"postgresql+psycopg2://{pg_user}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'orders.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def today() -> date:
    """The day the demo orders are seeded relative to, and the `today` of return checks."""
    return datetime.now(timezone.utc).date()


@contextmanager
def demo_store(db_url: str, today: date) -> Iterator[SqlOrderStore]:
    """A store with the schema and the demo orders."""
    order_store = SqlOrderStore(db_url)
    order_store.create_schema()
    seed_demo_orders(order_store, today)
    try:
        yield order_store
    finally:
        order_store.close()


@pytest.fixture
def store(db_url: str, today: date) -> Iterator[SqlOrderStore]:
    with demo_store(db_url, today) as order_store:
        yield order_store


@pytest.fixture
def orders(tmp_path: Path, today: date, monkeypatch: pytest.MonkeyPatch) -> Iterator[SqlOrderStore]:
    """The demo orders in SQLite, read and written by the actions under test (the store itself is
    tested on SQLite and PostgreSQL)."""
    with demo_store(f"sqlite:///{tmp_path / 'orders.db'}", today) as order_store:
        use_store(monkeypatch, order_store)
        yield order_store
