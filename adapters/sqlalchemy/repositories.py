"""Users and Groups in SQL (the ResourceRepository port) on one connection of a unit of work."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy.limits import time_limit
from adapters.sqlalchemy.mapping import email_rows, resource_row, to_resource
from adapters.sqlalchemy.query.filters import FilterCompiler
from adapters.sqlalchemy.query.ordering import SortCompiler
from adapters.sqlalchemy.tables import RESOURCE_TABLES, groups, user_emails, users
from adapters.sqlalchemy.tables import memberships as m
from domain.errors import InvalidValue, NotFound, PreconditionFailed, Uniqueness
from domain.model import USER, GroupRef, MemberRef, Page, Resource
from domain.query.ast import Query
from domain.schema.attributes import ResourceType

CHUNK = 500  # ids per IN list: far below SQLite's and PostgreSQL's bound-parameter limits


def chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(ids))
    for i in range(0, len(unique), CHUNK):
        yield unique[i:i + CHUNK]


# How each driver names a violated constraint kind: PostgreSQL SQLSTATE, SQLite extended code.
_VIOLATIONS = {
    "unique": ({"23505"}, {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}),
    "foreign key": ({"23503"}, {"SQLITE_CONSTRAINT_FOREIGNKEY"}),
}


def violated(exc: IntegrityError, kind: str) -> str | None:
    """The name of the `kind` constraint that `exc` reports (SQLite: its message, which names
    the columns), or None when `exc` is another integrity error."""
    orig, (states, sqlite_names) = exc.orig, _VIOLATIONS[kind]
    if getattr(orig, "sqlstate", None) in states:
        return str(getattr(getattr(orig, "diag", None), "constraint_name", "") or "")
    if getattr(orig, "sqlite_errorname", None) in sqlite_names:
        return str(orig)
    return None


class SqlResources:
    """Users or Groups (`rtype.name`) on `conn`; never commits."""

    def __init__(self, conn: Connection, rtype: ResourceType, timeout_ms: int = 0, write: bool = False) -> None:
        self._timeout_ms, self._write = timeout_ms, write
        self._conn, self._rtype, self._kind = conn, rtype, rtype.name
        self.kind = rtype.name
        self._t = RESOURCE_TABLES[rtype.name]
        self._compile = FilterCompiler(rtype.name, conn.dialect.name)
        self._sort = SortCompiler(rtype.name, self._compile.d)
        # everything but doc_key, which only filters read
        self._columns = [c for c in self._t.c if c.name != "doc_key"]

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
        self._write_emails(resource, replace=False)

    def save(self, resource: Resource, expected_version: int | None = None) -> None:
        row = resource_row(self._rtype, resource)
        del row["id"], row["created"]
        where = [self._t.c.id == resource.id]
        if expected_version is not None:
            where.append(self._t.c.version == expected_version)
        statement = update(self._t).where(*where).values(row)
        if self._kind == USER:  # a new userName may be taken
            with self._unique(resource):
                count = self._conn.execute(statement).rowcount
        else:
            count = self._conn.execute(statement).rowcount
        if count == 0:
            stored = self._conn.scalar(select(self._t.c.version).where(self._t.c.id == resource.id))
            if stored is None:
                raise NotFound(f"{self._kind} {resource.id} not found")
            raise PreconditionFailed(f'version mismatch: the resource is at W/"{stored}"')
        self._write_emails(resource, replace=True)

    def delete(self, resource_id: str) -> None:
        # emails and memberships go with it (ON DELETE CASCADE)
        if self._conn.execute(delete(self._t).where(self._t.c.id == resource_id)).rowcount == 0:
            raise NotFound(f"{self._kind} {resource_id} not found")

    def search(self, query: Query) -> Page:
        """Ordered and paged in the database: ORDER BY the sort key and id, then OFFSET/LIMIT,
        or (with `after`) keyset predicates and LIMIT."""
        where = self._compile(query.filter) if query.filter is not None else true()
        key, descending = self._sort(query.sort), query.sort is not None and query.sort.descending
        selected, resource_id = key.expr.label("sort_key"), self._t.c.id
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
            rows: list[Any] = []
            if total is None or start < total:
                # the segments follow each other in the order: read on until the page is full.
                # A row whose key a concurrent commit moved into the next segment between the two
                # statements (PostgreSQL reads committed data per statement) is not listed twice.
                for segment in segments:
                    if len(rows) >= count:
                        break
                    part = page if segment is None else page.where(segment)
                    part = part.order_by(*order).limit(count - len(rows))
                    seen = {r.id for r in rows}
                    rows.extend(r for r in self._conn.execute(part.offset(start) if start else part)
                                if r.id not in seen)
        items = [to_resource(self._kind, r) for r in rows]
        return Page(items, total, start + 1, [key.load(r.sort_key) for r in rows])

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

    def _write_emails(self, resource: Resource, replace: bool) -> None:
        if self._kind != USER:
            return
        if replace:
            self._conn.execute(delete(user_emails).where(user_emails.c.user_id == resource.id))
        rows = email_rows(self._rtype, resource)
        if rows:
            self._conn.execute(insert(user_emails), rows)

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
            if "user_name_key" in name:
                raise Uniqueness(f"userName '{resource.user_name}' is already taken") from exc
            raise Uniqueness(f"{self._kind} id {resource.id} already exists") from exc


class SqlMemberships:
    """Membership rows (group_id, member_id); every call costs what it changes or returns."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._sqlite = conn.dialect.name == "sqlite"
        self._insert = sqlite_insert if self._sqlite else pg_insert

    def add(self, group_id: str, member_ids: Iterable[str]) -> set[str]:
        added: set[str] = set()
        for part in chunks(member_ids):
            statement = (
                self._insert(m).values([{"group_id": group_id, "member_id": i} for i in part])
                .on_conflict_do_nothing().returning(m.c.member_id)
            )
            added.update(self._guarded(statement))
        return added

    def remove(self, group_id: str, member_ids: Iterable[str]) -> set[str]:
        removed: set[str] = set()
        for part in chunks(member_ids):
            statement = (
                delete(m).where(m.c.group_id == group_id, m.c.member_id.in_(part)).returning(m.c.member_id)
            )
            removed.update(self._conn.scalars(statement))
        return removed

    def replace(self, group_id: str, member_ids: Iterable[str]) -> tuple[set[str], set[str]]:
        # The wanted ids travel as one JSON array parameter and become rows in SQL, so the
        # difference is computed by the database at any group size (no parameter limits).
        wanted = self._id_rows(list(dict.fromkeys(member_ids)))
        removed = set(self._conn.scalars(
            delete(m).where(m.c.group_id == group_id, m.c.member_id.not_in(select(wanted.c.value)))
            .returning(m.c.member_id)
        ))
        already = exists().where(m.c.group_id == group_id, m.c.member_id == wanted.c.value)
        new_rows = select(literal(group_id), wanted.c.value).where(~already).distinct()
        statement = (
            self._insert(m).from_select(["group_id", "member_id"], new_rows)
            .on_conflict_do_nothing().returning(m.c.member_id)
        )
        return set(self._guarded(statement)), removed

    def is_member(self, group_id: str, member_id: str) -> bool:
        found = exists().where(m.c.group_id == group_id, m.c.member_id == member_id)
        return bool(self._conn.scalar(select(found)))

    def members(self, group_id: str, after: str | None = None, limit: int | None = None) -> list[MemberRef]:
        query = (
            select(m.c.member_id, users.c.display_name).join(users, users.c.id == m.c.member_id)
            .where(m.c.group_id == group_id).order_by(m.c.member_id)
        )
        if after is not None:
            query = query.where(m.c.member_id > after)
        if limit is not None:
            query = query.limit(limit)
        return [MemberRef(member, display) for member, display in self._conn.execute(query)]

    def groups_of(self, member_id: str) -> list[GroupRef]:
        query = (
            select(m.c.group_id, groups.c.display_name).join(groups, groups.c.id == m.c.group_id)
            .where(m.c.member_id == member_id).order_by(m.c.group_id)
        )
        return [GroupRef(group, display) for group, display in self._conn.execute(query)]

    def groups_of_many(self, member_ids: Iterable[str]) -> dict[str, list[GroupRef]]:
        found: dict[str, list[GroupRef]] = {}
        for part in chunks(member_ids):
            query = (
                select(m.c.member_id, m.c.group_id, groups.c.display_name)
                .join(groups, groups.c.id == m.c.group_id)
                .where(m.c.member_id.in_(part)).order_by(m.c.member_id, m.c.group_id)
            )
            for member, group, display in self._conn.execute(query):
                found.setdefault(member, []).append(GroupRef(group, display))
        return found

    def drop_member(self, member_id: str) -> list[str]:
        statement = delete(m).where(m.c.member_id == member_id).returning(m.c.group_id)
        return sorted(self._conn.scalars(statement))

    def drop_group(self, group_id: str) -> None:
        self._conn.execute(delete(m).where(m.c.group_id == group_id))

    def _id_rows(self, ids: list[str]) -> Any:
        if self._sqlite:
            return func.json_each(json.dumps(ids)).table_valued("value").alias()
        ids_json = cast(literal(json.dumps(ids)), JSONB)
        return func.jsonb_array_elements_text(ids_json).table_valued("value").alias()

    def _guarded(self, statement: Any) -> list[str]:
        try:
            return list(self._conn.scalars(statement))
        except IntegrityError as exc:  # a member deleted since the caller checked it
            if violated(exc, "foreign key") is None:
                raise
            raise InvalidValue("unknown group or member id") from exc
