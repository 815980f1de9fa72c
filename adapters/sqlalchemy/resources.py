"""Users and Groups in SQL (the ResourceRepository port) on one connection of a unit of work."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy.limits import time_limit
from adapters.sqlalchemy.mapping import resource_of, resource_row, side_rows, to_resource
from adapters.sqlalchemy.prepared import Prepared
from adapters.sqlalchemy.query.filters import FilterCompiler, text_form
from adapters.sqlalchemy.query.ordering import SortCompiler, SortKey
from adapters.sqlalchemy.statements import chunks, violated
from adapters.sqlalchemy.storage import DOC_KEY, STORAGE
from domain.errors import NotFound, PreconditionFailed, Uniqueness
from domain.model import Page, Resource
from domain.query.ast import Compare, Query
from domain.query.values import TEXT
from domain.schema.attributes import REFERENCE, STRING, ResourceType


class _Statements:
    """The fixed-shape statements of one resource type, built once per process: building a
    statement and its cache key costs more than running it on SQLite. Values are bound per
    call (`b_`-prefixed names, which cannot clash with the columns an UPDATE sets)."""

    def __init__(self, kind: str) -> None:
        storage = STORAGE[kind]
        t = storage.table
        # everything but doc_key, which only filters and sorts read
        self.columns = [c for c in t.c if c.name != DOC_KEY]
        by_id = t.c.id == bindparam("b_id")
        self.get = Prepared(select(*self.columns).where(by_id))
        self.get_for_update = Prepared(select(*self.columns).where(by_id).with_for_update())
        self.names = tuple(c.name for c in self.columns)
        self.insert = insert(t)
        self.update = update(t).where(by_id)
        self.update_version = update(t).where(by_id, t.c.version == bindparam("b_version"))
        self.version = select(t.c.version).where(by_id)
        self.delete = delete(t).where(by_id)
        self.side_delete = {name: delete(side.table).where(side.owner_column == bindparam("b_id"))
                            for name, side in storage.side_tables.items()}
        self.side_insert = {name: insert(side.table) for name, side in storage.side_tables.items()}


@cache
def _statements(kind: str) -> _Statements:
    return _Statements(kind)


@cache
def _lookup_statement(kind: str, key: str) -> Prepared:
    """`<attribute> eq <text>` on an indexed text column in the default order (created, id), the
    first page: the lookup every IdP sends before it creates (userName, externalId)."""
    t = STORAGE[kind].table
    column = t.c[key]
    return Prepared(
        select(*_statements(kind).columns, t.c.created.label("sort_key"))
        .where(column.is_not(None), column == bindparam("b_value"))
        .order_by(t.c.created.asc(), t.c.id.asc()).limit(bindparam("b_limit"))
    )


@cache
def _compilers(kind: str, dialect: str) -> tuple[FilterCompiler, SortCompiler]:
    compile_filter = FilterCompiler(kind, dialect)
    return compile_filter, SortCompiler(kind, compile_filter.d)


class SqlResources:
    """Users or Groups (`rtype.name`) on `conn`; never commits."""

    def __init__(self, conn: Connection, rtype: ResourceType, timeout_ms: int = 0, write: bool = False) -> None:
        self._timeout_ms, self._write = timeout_ms, write
        self._conn, self._rtype, self._kind = conn, rtype, rtype.name
        self.kind = rtype.name
        self._storage = STORAGE[rtype.name]
        self._t = self._storage.table
        self._s = _statements(rtype.name)
        self._compile, self._sort = _compilers(rtype.name, conn.dialect.name)
        self._columns = self._s.columns
        self._savepoints = conn.dialect.name != "sqlite"

    def get(self, resource_id: str) -> Resource:
        # PostgreSQL, in a write: hold the row until commit, so concurrent writers queue
        query = self._s.get_for_update if self._write else self._s.get
        rows = query.rows(self._conn, {"b_id": resource_id})
        if not rows:
            raise NotFound(f"{self._kind} {resource_id} not found")
        return resource_of(self._kind, dict(zip(self._s.names, rows[0], strict=True)))

    def add(self, resource: Resource) -> None:
        row = resource_row(self._rtype, resource)
        with self._unique(resource):
            self._conn.execute(self._s.insert, row)
        self._write_side_rows(resource, replace=False)

    def save(self, resource: Resource, expected_version: int | None = None,
             changed: Collection[str] | None = None) -> None:
        row = resource_row(self._rtype, resource)
        del row["id"], row["created"]
        row["b_id"] = resource.id
        statement = self._s.update
        if expected_version is not None:
            statement, row["b_version"] = self._s.update_version, expected_version
        may_collide = any(changed is None or name in changed for name in self._storage.unique)
        guard: AbstractContextManager[None] = self._unique(resource) if may_collide else nullcontext()
        with guard:
            count = self._conn.execute(statement, row).rowcount
        if count == 0:
            stored = self._conn.scalar(self._s.version, {"b_id": resource.id})
            if stored is None:
                raise NotFound(f"{self._kind} {resource.id} not found")
            raise PreconditionFailed(f'version mismatch: the resource is at W/"{stored}"')
        self._write_side_rows(resource, replace=True, changed=changed)

    def delete(self, resource_id: str) -> None:
        # emails and memberships go with it (ON DELETE CASCADE)
        if self._conn.execute(self._s.delete, {"b_id": resource_id}).rowcount == 0:
            raise NotFound(f"{self._kind} {resource_id} not found")

    def search(self, query: Query) -> Page:
        """Ordered and paged in the database: ORDER BY the sort key and id, then OFFSET/LIMIT,
        or (with `after`) keyset predicates and LIMIT."""
        if (found := self._lookup(query)) is not None:
            return found
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
        offset = start
        if start and count:
            page, offset = self._deep_page(page, where, key, descending, start, count), 0
        with time_limit(self._conn, self._timeout_ms):
            total, rows = None, None
            if query.with_total and start == 0 and query.after is None:
                # A first page that is not full holds every result: its length is the total
                # (a `userName eq` lookup needs no COUNT).
                rows = self._read(page, segments, order, offset, count)
                total = len(rows) if len(rows) < count else None
            if query.with_total and total is None:
                total = self._conn.scalar(select(func.count()).select_from(self._t).where(where)) or 0
            if rows is None:
                rows = self._read(page, segments, order, offset, count) if total is None or start < total else []
        items = [to_resource(self._kind, r) for r in rows]
        return Page(items, total, start + 1, [key.load(r.sort_key) for r in rows])

    def _deep_page(self, page: Select[Any], where: ColumnElement[bool], key: SortKey, descending: bool,
                   start: int, count: int) -> Select[Any]:
        """`page` from `start` (OFFSET) as a deferred join: the skipped rows are walked by ids
        alone (from the (key, id) index where there is one, without visiting each row), then
        only the page's rows are read. PostgreSQL's OFFSET otherwise fetches every skipped row."""
        t = self._t
        ids = (select(t.c.id).where(where).order_by(*key.order_by(key.expr, descending, t.c.id))
               .limit(count).offset(start).subquery())
        return page.join(ids, ids.c.id == t.c.id)

    def _lookup(self, query: Query) -> Page | None:
        """The first page of an `eq` on an indexed text attribute, as a prepared read (what the
        filter compiler would build for it, without building it); None for any other query, or
        when the page is full (then the total needs a COUNT: the general path)."""
        f = query.filter
        if (not isinstance(f, Compare) or f.op != "eq" or not isinstance(f.value, str)
                or query.sort is not None or query.after is not None or query.start_index > 1
                or query.count <= 0 or f.path.attribute.multi_valued
                or f.path.leaf.type not in (STRING, REFERENCE)):
            return None
        indexed = self._storage.column(f.path)
        if indexed is None or indexed.kind != TEXT:
            return None
        params = {"b_value": text_form(f.path.leaf, f.value), "b_limit": query.count}
        rows = _lookup_statement(self._kind, indexed.key).rows(self._conn, params)
        if len(rows) >= query.count:
            return None
        names = (*self._s.names, "sort_key")
        items = [resource_of(self._kind, dict(zip(names, r, strict=True))) for r in rows]
        load = self._sort(None).load
        return Page(items, len(rows) if query.with_total else None, 1, [load(r[-1]) for r in rows])

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
        """In a write on PostgreSQL the rows found are held FOR KEY SHARE until commit: a
        membership that references them cannot then fail its foreign key because a concurrent
        DELETE committed in between (the lock waits for that DELETE, and a deleted row is not
        found); KEY SHARE does not conflict with updates of the user's other columns."""
        found: set[str] = set()
        lock = self._write and self._savepoints  # PostgreSQL (SQLite has one writer at a time)
        for part in chunks(ids):
            query = select(self._t.c.id).where(self._t.c.id.in_(part))
            found.update(self._conn.scalars(query.with_for_update(read=True, key_share=True) if lock else query))
        return found

    def touch_many(self, ids: Iterable[str], now: datetime) -> None:
        for part in chunks(ids):
            self._conn.execute(
                update(self._t).where(self._t.c.id.in_(part))
                .values(version=self._t.c.version + 1, last_modified=now)
            )

    def _write_side_rows(self, resource: Resource, replace: bool,
                         changed: Collection[str] | None = None) -> None:
        """The side table rows (emails) of `resource`, in place of its old ones with `replace`
        (only those of the attributes in `changed`, when it is given)."""
        for name in self._storage.side_tables:
            if changed is not None and name not in changed:
                continue
            if replace:
                self._conn.execute(self._s.side_delete[name], {"b_id": resource.id})
            rows = side_rows(self._rtype, resource, name)
            if rows:
                self._conn.execute(self._s.side_insert[name], rows)

    @contextmanager
    def _unique(self, resource: Resource) -> Iterator[None]:
        """Turn a unique violation into Uniqueness; the unit of work stays usable after it.
        SQLite undoes only the failed statement; PostgreSQL aborts the whole transaction, so
        there the write runs in a savepoint (a round trip, paid only where a value may collide)."""
        savepoint = self._conn.begin_nested() if self._savepoints else nullcontext()
        try:
            with savepoint:
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
