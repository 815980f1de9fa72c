"""Engines for SQLite (one host, WAL, writers queue on BEGIN IMMEDIATE) and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

# The connection execution option that marks a write transaction (see uow.SqlTransactions).
WRITE_OPTION = "scim_write"


def make_engine(url: str) -> Engine:
    """An engine for `url`; it connects on first use, never here (gunicorn forks afterwards)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(url)
    return create_engine(url, json_serializer=to_json, pool_pre_ping=True, pool_size=5, max_overflow=10)


def to_json(value: Any) -> str:
    """Compact JSON; NaN and Infinity would be stored as invalid JSON that breaks every JSON
    filter on the table, so they fail the write instead."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _sqlite(url: str) -> Engine:
    engine = create_engine(url, json_serializer=to_json, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, record: Any) -> None:
    # pysqlite would BEGIN lazily (DEFERRED) on its own; take that over so a write transaction
    # can say BEGIN IMMEDIATE and queue on busy_timeout instead of failing when it upgrades.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=30000")  # first: the journal switch below may wait
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough under WAL, far fewer fsyncs
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    # on the driver's connection: through conn.exec_driver_sql it would cost more than the
    # statements of a typical request
    driver = conn.connection.driver_connection
    assert driver is not None  # a connection being begun is checked out
    driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")
