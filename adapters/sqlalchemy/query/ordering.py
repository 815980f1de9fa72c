"""Sort keys and keyset positions in SQL, with the semantics of domain.evaluate.sort_key:
the same keys, the same order (NULLs last ascending and first descending, id ascending as the
final tie-break), so the in-memory store and SQL page identically."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
)

from adapters.sqlalchemy.query.dialects import Bool, SqlDialect, dialect_for
from adapters.sqlalchemy.tables import RESOURCE_TABLES, groups, memberships, users
from domain.model import GROUP, USER
from domain.query.ast import After, AttrPath, Literal, Sort
from domain.query.ordering import position_time, position_value, sort_target
from domain.query.values import FLAG, NUMBER, TEXT, TIME, comparable, sort_kind, time_text


def _identity(value: Any) -> Any:
    return value


def _number(value: Any) -> Literal:
    """A selected number as JSON would give it (PostgreSQL returns numerics as Decimal)."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    return value  # type: ignore[no-any-return]


def _flag(value: Any) -> Literal:
    return None if value is None else bool(value)


def _boolean(value: bool) -> Any:
    return literal(value, Boolean())  # a bare True would make `column >= True` an error


def _time_text(value: Any) -> Literal:
    return None if value is None else time_text(value)


@dataclass(frozen=True)
class SortKey:
    """What a search orders by: `expr`, NULL for a resource without a value (never NULL unless
    `nullable`). `load` turns a selected `expr` into the key's comparison form (Page.keys);
    `bind` turns a position's value in that form into what `expr` compares with."""

    expr: ColumnElement[Any]
    kind: str
    nullable: bool = True
    load: Callable[[Any], Literal] = _identity
    bind: Callable[[Any], Any] = _identity

    def order_by(self, selected: ColumnElement[Any], descending: bool,
                 resource_id: ColumnElement[str]) -> list[ColumnElement[Any]]:
        """ORDER BY terms: the key as `selected` (its label in the select list, so it is not
        computed twice), NULLs last ascending and first descending, then id."""
        term = selected.desc() if descending else selected.asc()
        if self.nullable:  # stated for SQLite, whose NULLs sort first
            term = term.nulls_first() if descending else term.nulls_last()
        return [term, resource_id.asc()]

    def after(self, value: Any, after_id: str, descending: bool,
              resource_id: ColumnElement[str]) -> list[Bool]:
        """The rows strictly after the position (value, after_id), as consecutive segments of
        the order: each segment's rows all come before the next segment's. `value` is already
        checked and in comparison form. The NULL rows are a segment of their own, so each
        predicate is one index range: `key >= v AND (key > v OR id > i)` on (key, id)."""
        key, later = self.expr, resource_id > after_id
        if value is None:  # the position had no value
            nulls = and_(key.is_(None), later)
            return [nulls, key.is_not(None)] if descending else [nulls]
        v = self.bind(value)
        if descending:  # NULLs came first: none of them is after a value
            return [and_(key <= v, or_(key < v, later))]
        found = and_(key >= v, or_(key > v, later))
        return [found, key.is_(None)] if self.nullable else [found]


class SortCompiler:
    """Sort keys of one resource kind ("User" or "Group") on one dialect."""

    def __init__(self, kind: str, dialect: SqlDialect | str) -> None:
        self.kind, self.table = kind, RESOURCE_TABLES[kind]
        self.d = dialect_for(dialect) if isinstance(dialect, str) else dialect

    def __call__(self, sort: Sort | None) -> SortKey:
        """The key of `sort`; without one, `created` (whose key is its ISO text)."""
        if sort is None:
            return SortKey(self.table.c.created, TIME, False, lambda v: v.isoformat(), _identity)
        path = sort_target(sort.path)
        return self._key(path, sort_kind(path.leaf))

    def position(self, sort: Sort | None, after: After) -> Any:
        """The checked value of a keyset position (InvalidValue when it is none of this order)."""
        if sort is None:
            return position_time(after.value)
        return position_value(sort_kind(sort_target(sort.path).leaf), after.value)

    def _key(self, path: AttrPath, kind: str) -> SortKey:
        t, name = self.table, path.attribute.name
        if path.schema == "":
            return self._common(path)
        if not path.extension:
            if name == "displayName":
                return SortKey(t.c.display_name_key, TEXT)
            if name == "userName" and self.kind == USER:
                return SortKey(t.c.user_name_key, TEXT)
            if name == "active" and self.kind == USER:
                return SortKey(t.c.active, FLAG, load=_flag, bind=_boolean)
            if (self.kind, name) in ((GROUP, "members"), (USER, "groups")):
                return self._membership(path)
        return self._json(path, kind)

    def _common(self, path: AttrPath) -> SortKey:
        t, name = self.table, path.attribute.name
        if name == "id":
            return SortKey(t.c.id, TEXT, False)
        if name == "externalId":
            return SortKey(t.c.external_id, TEXT)
        sub = path.sub.name if path.sub else ""
        if sub in ("created", "lastModified"):
            column = t.c.created if sub == "created" else t.c.last_modified
            return SortKey(column, TIME, False, _time_text, position_time)
        if sub == "resourceType":
            return self._text(literal(comparable(path.leaf, self.kind)), nullable=False)
        if sub == "version":  # the ETag, W/"<version>"
            return self._text(literal('W/"').concat(cast(t.c.version, String)).concat('"'), nullable=False)
        return self._text(cast(null(), String))  # meta.location is not stored

    def _json(self, path: AttrPath, kind: str) -> SortKey:
        """A value in doc_key, which holds the comparison forms (see mapping.comparison_doc).
        emails too: on PostgreSQL, reading the chosen element from the document is about twice
        as fast as a per-row lookup in user_emails (which serves the filters)."""
        keys = [path.schema, path.attribute.name] if path.extension else [path.attribute.name]
        ref = self.d.root(self.table.c.doc_key, keys)

        def value(element: Any) -> ColumnElement[Any]:
            return self.d.sort_value(self.d.child(element, path.sub.name) if path.sub else element, kind)

        if not path.attribute.multi_valued:
            expr = value(ref)
        elif path.sub is None:  # a multi-valued simple attribute: its first value
            expr = value(self.d.first(ref))
        else:
            expr = self.d.chosen_element(ref, value, self.table)
        return self._typed(expr, kind)

    def _membership(self, path: AttrPath) -> SortKey:
        """Members (a group's users) and groups (a user's groups) are listed in id order, so
        the first is the lowest id: its value, its display (the other side's displayName) or
        its type (the same for all)."""
        m, sub = memberships.c, path.sub.name if path.sub else "value"
        if self.kind == GROUP:
            owner, value, other = m.group_id, m.member_id, users
        else:
            owner, value, other = m.member_id, m.group_id, groups
        mine = owner == self.table.c.id
        if sub == "value":
            return self._text(select(func.min(value)).where(mine).correlate(self.table).scalar_subquery())
        if sub == "display":
            first = (
                select(other.c.display_name_key).select_from(memberships.join(other, other.c.id == value))
                .where(mine).order_by(value).limit(1).correlate(self.table).scalar_subquery()
            )
            return self._text(first)
        if sub == "type":
            constant = comparable(path.leaf, USER if self.kind == GROUP else "direct")
            return self._text(case((exists().where(mine).correlate(self.table), literal(constant))))
        return self._text(cast(null(), String))  # $ref is not stored

    def _typed(self, expr: ColumnElement[Any], kind: str) -> SortKey:
        if kind == FLAG:  # 0/1 from JSON
            return SortKey(expr, FLAG, load=_flag, bind=int)
        if kind == NUMBER:
            return SortKey(expr, NUMBER, load=_number, bind=self.d.number_literal)
        return self._text(expr, kind=kind)

    def _text(self, expr: ColumnElement[Any], nullable: bool = True, kind: str = TEXT) -> SortKey:
        """A computed text key, in code point order (dateTimes are fixed-width UTC text)."""
        return SortKey(self.d.ordered(expr), kind, nullable)
