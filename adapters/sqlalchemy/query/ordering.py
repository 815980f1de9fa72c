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
from adapters.sqlalchemy.storage import STORAGE, Indexed, Related, document_keys, etag
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


def _sort_value(d: SqlDialect, ref: Any, kind: str) -> ColumnElement[Any]:
    """The JSON value at `ref` in its comparison form as a sort key of `kind` (TEXT, NUMBER,
    FLAG, TIME): NULL unless it is one; booleans as 0/1. Text keys still need `ordered`."""
    if kind == FLAG:
        return case((d.is_kind(ref, "true"), 1), (d.is_kind(ref, "false"), 0))
    if kind == NUMBER:
        return case((d.is_kind(ref, "number"), d.number(ref)))
    text, test = d.text(ref), d.is_kind(ref, "string")
    if kind == TIME:  # doc_key keeps times as UTC text, "" as "" (no time), non-times as 0
        test = and_(test, text != "")
    return case((test, text))


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
        self.kind, self.storage = kind, STORAGE[kind]
        self.table = self.storage.table
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
        """Where `path` is stored (storage.STORAGE) decides what its key is computed from."""
        indexed = self.storage.column(path)
        if indexed is not None:
            return self._column(indexed)
        if path.schema == "":
            return self._meta(path)
        related = self.storage.relation(path)
        if related is not None:
            return self._membership(path, related)
        return self._json(path, kind)

    def _column(self, indexed: Indexed) -> SortKey:
        """An indexed column as it is, so that the order and the keyset ranges use its index."""
        column = self.table.c[indexed.key]
        nullable = bool(column.nullable)  # id and the meta times never are
        if indexed.kind == FLAG:
            return SortKey(column, FLAG, nullable, load=_flag, bind=_boolean)
        if indexed.kind == TIME:
            return SortKey(column, TIME, nullable, _time_text, position_time)
        return SortKey(column, TEXT, nullable)

    def _meta(self, path: AttrPath) -> SortKey:
        """meta and those of its sub-attributes without a column."""
        sub = path.sub.name if path.sub else ""
        if sub == "resourceType":
            return self._text(literal(comparable(path.leaf, self.kind)), nullable=False)
        if sub == "version":
            return self._text(etag(self.table), nullable=False)
        return self._text(cast(null(), String))  # meta.location is not stored

    def _json(self, path: AttrPath, kind: str) -> SortKey:
        """A value in doc_key, which holds the comparison forms (see mapping.comparison_doc).
        emails too: on PostgreSQL, reading the chosen element from the document is about twice
        as fast as a per-row lookup in user_emails (which serves the filters)."""
        ref = self.d.root(self.storage.doc_key, document_keys(path))

        def value(element: Any) -> ColumnElement[Any]:
            return _sort_value(self.d, self.d.child(element, path.sub.name) if path.sub else element, kind)

        if not path.attribute.multi_valued:
            expr = value(ref)
        elif path.sub is None:  # a multi-valued simple attribute: its first value
            expr = value(self.d.first(ref))
        else:
            expr = self.d.chosen_element(ref, value, self.table)
        return self._typed(expr, kind)

    def _membership(self, path: AttrPath, related: Related) -> SortKey:
        """Members (a group's users) and groups (a user's groups) are listed in id order, so
        the first is the lowest id: its value, its display (the other side's displayName) or
        its type (the same for all)."""
        sub, value = path.sub.name if path.sub else "value", related.value_column
        mine = related.owner_column == self.table.c.id
        if sub == "value":
            return self._text(select(func.min(value)).where(mine).correlate(self.table).scalar_subquery())
        if sub == "display":
            rows, display = related.joined()
            first = (
                select(display).select_from(rows)
                .where(mine).order_by(value).limit(1).correlate(self.table).scalar_subquery()
            )
            return self._text(first)
        if sub == "type":
            constant = comparable(path.leaf, related.type)
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
