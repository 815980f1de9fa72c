"""Fixed-shape reads run on the driver's cursor: the hottest reads of a request (a resource by
id, a user's groups, a group's members) skip SQLAlchemy's per-execution work (cache key,
execution context, Row objects), which costs more than the query itself on SQLite.

The SQL is still SQLAlchemy's: each statement is compiled once per dialect, and its result
columns go through the same type processors SQLAlchemy would apply (times parsed on SQLite,
JSON decoded where the driver does not), so rows read here equal rows read through
`Connection.execute`. The read joins the unit of work's transaction (same connection)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError


class Prepared:
    """One SELECT whose bound values are all plain strings or integers (no bind processing).

    `sqlite_indexes` names, per joined table, the index SQLite must use (INDEXED BY): without
    statistics (no ANALYZE) its planner takes a unique index over a covering one."""

    def __init__(self, statement: Select[Any], sqlite_indexes: Mapping[str, str] | None = None) -> None:
        self._statement = statement
        self._sqlite_indexes = dict(sqlite_indexes or {})
        self._by_dialect: dict[str, _Compiled] = {}

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return self._compiled(conn).rows(conn, params)

    def batches(self, conn: Connection, params: Mapping[str, Any], size: int) -> Iterator[Sequence[Any]]:
        """The rows `size` at a time as the caller asks for them, from one execution (one
        snapshot): SQLite steps its cursor lazily; on PostgreSQL a server-side cursor, so
        the result never sits whole in the client. Only for statements without result
        processors (plain strings and integers)."""
        compiled = self._compiled(conn)
        if compiled.processors:
            raise TypeError("batches() reads rows as the driver returns them")
        sqlite = conn.dialect.name == "sqlite"
        # psycopg: a named cursor is DECLAREd in the transaction and FETCHed `size` at a time
        cursor = conn.connection.cursor() if sqlite else conn.connection.cursor(name="scim_batches")
        try:
            try:
                cursor.execute(compiled.sql, compiled.bound(params))
            except compiled.dbapi_error as exc:
                raise DBAPIError.instance(compiled.sql, params, exc, compiled.dbapi_error) from exc
            while batch := cursor.fetchmany(size):
                yield batch
        finally:
            cursor.close()

    def _compiled(self, conn: Connection) -> _Compiled:
        compiled = self._by_dialect.get(conn.dialect.name)
        if compiled is None:
            compiled = _Compiled(self._statement, conn.dialect)
            if conn.dialect.name == "sqlite":
                compiled.sql = _indexed_by(compiled.sql, self._sqlite_indexes)
            compiled = self._by_dialect.setdefault(conn.dialect.name, compiled)
        return compiled


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

    def bound(self, params: Mapping[str, Any]) -> Any:
        values = {**self.defaults, **params} if self.defaults else params
        return values if self.order is None else tuple(values[n] for n in self.order)

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        bound = self.bound(params)
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


def _indexed_by(sql: str, indexes: Mapping[str, str]) -> str:
    for table, index in indexes.items():
        joined = f"JOIN {table} ON "
        if sql.count(joined) != 1:
            raise ValueError(f"{table} is not joined once in: {sql}")
        sql = sql.replace(joined, f"JOIN {table} INDEXED BY {index} ON ")
    return sql
