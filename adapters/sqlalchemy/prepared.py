"""Fixed-shape reads run on the driver's cursor: the hottest reads of a request (a resource by
id, a user's groups, a group's members) skip SQLAlchemy's per-execution work (cache key,
execution context, Row objects), which costs more than the query itself on SQLite.

The SQL is still SQLAlchemy's: each statement is compiled once per dialect, and its result
columns go through the same type processors SQLAlchemy would apply (times parsed on SQLite,
JSON decoded where the driver does not), so rows read here equal rows read through
`Connection.execute`. The read joins the unit of work's transaction (same connection)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError


class Prepared:
    """One SELECT whose bound values are all plain strings or integers (no bind processing)."""

    def __init__(self, statement: Select[Any]) -> None:
        self._statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        compiled = self._by_dialect.get(conn.dialect.name)
        if compiled is None:
            compiled = self._by_dialect.setdefault(conn.dialect.name,
                                                   _Compiled(self._statement, conn.dialect))
        return compiled.rows(conn, params)


class _Compiled:
    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        # the values SQLAlchemy bound itself (e.g. an OFFSET beside a LIMIT), under the caller's
        self.defaults = {k: v for k, v in compiled.params.items() if v is not None}
        self.dbapi_error = dialect.loaded_dbapi.Error
        # qmark (SQLite) takes a sequence in the compiled order; pyformat (psycopg) a mapping
        self.order: tuple[str, ...] | None = tuple(compiled.positiontup or ()) if dialect.positional else None
        processors = [c.type.dialect_impl(dialect).result_processor(dialect, None)
                      for c in statement.selected_columns]
        self.processors: list[tuple[int, Callable[[Any], Any]]] = [
            (i, p) for i, p in enumerate(processors) if p is not None]

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        values = {**self.defaults, **params} if self.defaults else params
        bound: Any = values if self.order is None else tuple(values[n] for n in self.order)
        cursor = conn.connection.cursor()
        try:
            cursor.execute(self.sql, bound)
            fetched = cursor.fetchall()
        except self.dbapi_error as exc:
            raise DBAPIError.instance(self.sql, bound, exc, self.dbapi_error) from exc
        finally:
            cursor.close()
        if not self.processors:
            return [tuple(r) for r in fetched]
        out = []
        for r in fetched:
            row = list(r)
            for i, process in self.processors:
                row[i] = process(row[i])
            out.append(tuple(row))
        return out
