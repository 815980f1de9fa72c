"""Users and Groups in SQL (the ResourceRepository port) on one connection of a unit of work."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Select,
    delete,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy.limits import time_limit
from adapters.sqlalchemy.mapping import resource_row, side_rows, to_resource
from adapters.sqlalchemy.query.filters import FilterCompiler
from adapters.sqlalchemy.query.ordering import SortCompiler
from adapters.sqlalchemy.statements import chunks, violated
from adapters.sqlalchemy.storage import DOC_KEY, STORAGE
from domain.errors import NotFound, PreconditionFailed, Uniqueness
from domain.model import Page, Resource
from domain.query.ast import Query
from domain.schema.attributes import ResourceType


class SqlResources:
    """Users or Groups (`rtype.name`) on `conn`; never commits."""

    def __init__(self, conn: Connection, rtype: ResourceType, timeout_ms: int = 0, write: bool = False) -> None:
        self._timeout_ms, self._write = timeout_ms, write
        self._conn, self._rtype, self._kind = conn, rtype, rtype.name
        self.kind = rtype.name
        self._storage = STORAGE[rtype.name]
        self._t = self._storage.table
        self._compile = FilterCompiler(rtype.name, conn.dialect.name)
        self._sort = SortCompiler(rtype.name, self._compile.d)
        # everything but doc_key, which only filters and sorts read
        self._columns = [c for c in self._t.c if c.name != DOC_KEY]

    def get(self, resource_id: str) -> Resource:
        query = select(*self._columns).where(self._t.c.id == resource_id)
        if self._write:  # PostgreSQL: hold the row until commit, so concurrent writers queue
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        if row is None:
            raise NotFound(f"{self._kind} {resource_id} not found")
        return to_resource(self._kind, row)

    def add(self, resource: Resource) -> None:
        row = resource_row(self._rtype, resource)
        with self._unique(resource):
            self._conn.execute(insert(self._t).values(row))
        self._write_side_rows(resource, replace=False)

    def save(self, resource: Resource, expected_version: int | None = None) -> None:
        row = resource_row(self._rtype, resource)
        del row["id"], row["created"]
        where = [self._t.c.id == resource.id]
        if expected_version is not None:
            where.append(self._t.c.version == expected_version)
        statement = update(self._t).where(*where).values(row)
        # a savepoint only where a new value may be taken (userName): it costs a round trip
        guard: AbstractContextManager[None] = self._unique(resource) if self._storage.unique else nullcontext()
        with guard:
            count = self._conn.execute(statement).rowcount
        if count == 0:
            stored = self._conn.scalar(select(self._t.c.version).where(self._t.c.id == resource.id))
            if stored is None:
                raise NotFound(f"{self._kind} {resource.id} not found")
            raise PreconditionFailed(f'version mismatch: the resource is at W/"{stored}"')
        self._write_side_rows(resource, replace=True)

    def delete(self, resource_id: str) -> None:
        # emails and memberships go with it (ON DELETE CASCADE)
        if self._conn.execute(delete(self._t).where(self._t.c.id == resource_id)).rowcount == 0:
            raise NotFound(f"{self._kind} {resource_id} not found")

    def search(self, query: Query) -> Page:
        """Ordered and paged in the database: ORDER BY the sort key and id, then OFFSET/LIMIT,
        or (with `after`) keyset predicates and LIMIT."""
        where = self._compile(query.filter) if query.filter is not None else true()
        key, descending = self._sort(query.sort), query.sort is not None and query.sort.descending
        selected: ColumnElement[Any] = key.expr.label("sort_key")
        resource_id: ColumnElement[str] = self._t.c.id
        page = select(*self._columns, selected).where(where)
        start, count = max(query.start_index, 1) - 1, max(query.count, 0)
        segments: list[Any] = [None]
        if query.after is not None:
            start, position = 0, self._sort.position(query.sort, query.after)
            if not isinstance(key.expr, Column):
                # A computed key (JSON, memberships) would be computed once per reference in the
                # keyset predicate: compute it once per row in a subquery that OFFSET 0 keeps
                # the planners from merging back. A column key stays as it is, for its index.
                keyed = page.offset(0).subquery()
                page, resource_id, selected = select(keyed), keyed.c.id, keyed.c.sort_key
                key = replace(key, expr=selected)
            segments = key.after(position, query.after.id, descending, resource_id)
        order = key.order_by(selected, descending, resource_id)
        with time_limit(self._conn, self._timeout_ms):
            total = None
            if query.with_total:
                total = self._conn.scalar(select(func.count()).select_from(self._t).where(where)) or 0
            rows = self._read(page, segments, order, start, count) if total is None or start < total else []
        items = [to_resource(self._kind, r) for r in rows]
        return Page(items, total, start + 1, [key.load(r.sort_key) for r in rows])

    def _read(self, page: Select[Any], segments: list[Any], order: list[ColumnElement[Any]],
              start: int, count: int) -> list[Any]:
        """Up to `count` rows of `page` in `order` from `start`, segment by segment (None: no
        predicate). The segments follow each other in the order: read on until the page is full.
        A row whose key a concurrent commit moved into the next segment between the two
        statements (PostgreSQL reads committed data per statement) is not listed twice."""
        rows: list[Any] = []
        for segment in segments:
            if len(rows) >= count:
                break
            part = page if segment is None else page.where(segment)
            part = part.order_by(*order).limit(count - len(rows))
            seen = {r.id for r in rows}
            rows.extend(r for r in self._conn.execute(part.offset(start) if start else part)
                        if r.id not in seen)
        return rows

    def existing(self, ids: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for part in chunks(ids):
            found.update(self._conn.scalars(select(self._t.c.id).where(self._t.c.id.in_(part))))
        return found

    def touch_many(self, ids: Iterable[str], now: datetime) -> None:
        for part in chunks(ids):
            self._conn.execute(
                update(self._t).where(self._t.c.id.in_(part))
                .values(version=self._t.c.version + 1, last_modified=now)
            )

    def _write_side_rows(self, resource: Resource, replace: bool) -> None:
        """The side table rows (emails) of `resource`, in place of its old ones with `replace`."""
        for name, side in self._storage.side_tables.items():
            if replace:
                self._conn.execute(delete(side.table).where(side.owner_column == resource.id))
            rows = side_rows(self._rtype, resource, name)
            if rows:
                self._conn.execute(insert(side.table), rows)

    @contextmanager
    def _unique(self, resource: Resource) -> Iterator[None]:
        """Run a write in a savepoint and turn a unique violation into Uniqueness. The savepoint
        keeps the transaction usable after it (PostgreSQL aborts it on any error otherwise)."""
        try:
            with self._conn.begin_nested():
                yield
        except IntegrityError as exc:
            name = violated(exc, "unique")
            if name is None:
                raise
            for attribute in self._storage.unique:
                if self._storage.columns[attribute].key in name:
                    value = resource.data.get(attribute)
                    raise Uniqueness(f"{attribute} '{value}' is already taken") from exc
            raise Uniqueness(f"{self._kind} id {resource.id} already exists") from exc
