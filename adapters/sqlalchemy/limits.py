"""A time limit on one statement group: filters that cannot use an index may scan, but a scan
that runs too long is stopped and answered 400 tooMany instead of hanging a worker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from domain.errors import TooMany

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for statement_timeout


@contextmanager
def time_limit(conn: Connection, milliseconds: int) -> Iterator[None]:
    """Run the block's statements under a deadline: SQLite through a progress handler that
    interrupts the statement, PostgreSQL through SET LOCAL statement_timeout."""
    if not milliseconds:
        yield
        return
    message = f"the search took longer than {milliseconds} ms; narrow the filter (use eq or sw on an indexed attribute)"
    if conn.dialect.name == "sqlite":
        raw = conn.connection.dbapi_connection
        deadline = time.monotonic() + milliseconds / 1000
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 20_000)  # type: ignore[union-attr]
        try:
            yield
        except OperationalError as err:
            if "interrupted" in str(err.orig):
                raise TooMany(message) from None
            raise
        finally:
            raw.set_progress_handler(None, 0)  # type: ignore[union-attr]
        return
    conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(milliseconds)}")
    try:
        yield
    except OperationalError as err:
        if getattr(err.orig, "sqlstate", None) == QUERY_CANCELED:
            raise TooMany(message) from None
        raise
    conn.exec_driver_sql("SET LOCAL statement_timeout = DEFAULT")
