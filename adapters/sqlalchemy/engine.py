"""Engines for SQLite (one host, WAL, writers queue on BEGIN IMMEDIATE) and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import time
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

# The connection execution option that marks a write transaction (see uow.SqlTransactions).
WRITE_OPTION = "scim_write"


def make_engine(url: str, sqlite_mmap_mb: int = 0) -> Engine:
    """An engine for `url`; it connects on first use, never here (gunicorn forks afterwards).
    SQLite: `sqlite_mmap_mb` MiB of the file are read through a memory map (PRAGMA mmap_size)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(url, sqlite_mmap_mb)
    return create_engine(url, json_serializer=to_json, pool_pre_ping=True, pool_size=5, max_overflow=10)


def to_json(value: Any) -> str:
    """Compact JSON; NaN and Infinity would be stored as invalid JSON that breaks every JSON
    filter on the table, so they fail the write instead."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _sqlite(url: str, mmap_mb: int) -> Engine:
    engine = create_engine(url, json_serializer=to_json, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", partial(_sqlite_connect, mmap_bytes=mmap_mb << 20))
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, record: Any, mmap_bytes: int = 0) -> None:
    # pysqlite would BEGIN lazily (DEFERRED) on its own; take that over so a write transaction
    # can say BEGIN IMMEDIATE and queue on busy_timeout instead of failing when it upgrades.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=30000")  # first: the journal switch below may wait
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough under WAL, far fewer fsyncs
        if mmap_bytes:
            # Pages read through the OS page cache, shared by every worker, instead of read()
            # into each connection's small cache, which a commit by another worker empties:
            # POST /Users at 100k users 1.57 -> 1.08 ms CPU in-process. The mapped pages count in
            # each worker's RSS (file-backed), up to the file's size: off by default.
            cursor.execute(f"PRAGMA mmap_size={int(mmap_bytes)}")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any, attempts: int = 600) -> None:
    """PRAGMA journal_mode=WAL. Switching a new database needs it alone, and SQLite answers
    "database is locked" at once, without its busy wait, when another connection is switching it
    too (two `db upgrade` started together on a fresh file did): try again for up to 30 s."""
    for attempt in range(attempts):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    # on the driver's connection: through conn.exec_driver_sql it would cost more than the
    # statements of a typical request
    driver = conn.connection.driver_connection
    assert driver is not None  # a connection being begun is checked out
    driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")
