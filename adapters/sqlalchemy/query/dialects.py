"""What differs between SQLite and PostgreSQL in a filter or a sort: JSON access and text
comparison."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Numeric,
    String,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy import column as sql_column
from sqlalchemy.dialects.postgresql import JSONB

from domain.errors import InvalidFilter

Bool = ColumnElement[bool]
ORDER_OPS = {"gt": "__gt__", "ge": "__ge__", "lt": "__lt__", "le": "__le__"}


def successor(prefix: str) -> str | None:
    """The smallest string above every string that starts with `prefix` (code point order),
    None when there is none; `sw` becomes a range an index can serve."""
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if code == 0xD800:
            code = 0xE000  # surrogates are no characters: skip them
        if code <= 0x10FFFF:
            return "".join(chars) + chr(code)
    return None


class SqlDialect:
    """Text comparison shared by both databases; subclasses add JSON access.

    Every predicate built here is two-valued (never NULL), so NOT of it is the exact complement,
    as `ne` and `not` need (an absent value matches `ne`, like in memory)."""

    name = ""

    def ordered(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        """`expr` in code point order, the order Python compares strings in."""
        return expr

    def contains(self, expr: ColumnElement[Any], value: str) -> Bool:
        raise NotImplementedError

    def ends_with(self, expr: ColumnElement[Any], value: str) -> Bool:
        raise NotImplementedError

    def compare_text(self, expr: ColumnElement[Any], op: str, value: str) -> Bool:
        """`expr op value` on a non-NULL text expression."""
        if op == "eq":
            return expr == value
        if op in ORDER_OPS:
            return getattr(self.ordered(expr), ORDER_OPS[op])(value)  # type: ignore[no-any-return]
        if value == "":  # every string contains, starts and ends with ""
            return true()
        if op == "sw":
            upper = successor(value)
            low = self.ordered(expr) >= value
            return and_(low, self.ordered(expr) < upper) if upper is not None else low
        if op == "co":
            return self.contains(expr, value)
        if op == "ew":
            return self.ends_with(expr, value)
        raise InvalidFilter(f"unknown operator '{op}'")

    # JSON access: a "ref" is the dialect's handle on one JSON value (possibly absent).
    def root(self, doc: ColumnElement[Any], keys: list[str]) -> Any:
        raise NotImplementedError

    def child(self, ref: Any, key: str) -> Any:
        raise NotImplementedError

    def any_element(self, ref: Any, test: Callable[[Any], Bool], correlate: Any) -> Bool:
        """EXISTS an element of the array at `ref` for which `test(element ref)` holds."""
        raise NotImplementedError

    def is_kind(self, ref: Any, *kinds: str) -> Bool:
        """Whether the JSON value is one of `kinds`: null (or absent), string, number, true,
        false, array, object."""
        raise NotImplementedError

    def text(self, ref: Any) -> ColumnElement[str]:
        raise NotImplementedError

    def number(self, ref: Any) -> ColumnElement[Any]:
        raise NotImplementedError

    def number_literal(self, value: int | float) -> Any:
        """A filter's number as the value to compare JSON numbers with."""
        return value

    def is_empty_container(self, ref: Any) -> Bool:
        raise NotImplementedError

    # Sort keys read one element of a multi-valued attribute (domain.query.ordering.sort_key).
    def first(self, ref: Any) -> Any:
        """The first element of the array at `ref` (absent when it is no array)."""
        raise NotImplementedError

    def chosen_element(self, ref: Any, value: Callable[[Any], ColumnElement[Any]],
                       correlate: Any) -> ColumnElement[Any]:
        """`value(element)` of the element of the array at `ref` that a sort reads: the first
        object whose `primary` is true, else the first element; NULL without elements."""
        raise NotImplementedError


@dataclass(frozen=True)
class SqliteRef:
    """A JSON value in SQLite: a document and a JSON path into it (a string or an expression)."""

    doc: ColumnElement[Any]
    path: Any


class SqliteDialect(SqlDialect):
    """JSON values as (document, path) pairs; text in SQLite's BINARY order, code point order."""

    name = "sqlite"
    _NATIVE = {"string": ("text",), "number": ("integer", "real")}

    def contains(self, expr: ColumnElement[Any], value: str) -> Bool:
        return func.instr(expr, value) > 0  # LIKE would ignore ASCII case in SQLite

    def ends_with(self, expr: ColumnElement[Any], value: str) -> Bool:
        return func.substr(expr, -len(value)) == value

    def root(self, doc: ColumnElement[Any], keys: list[str]) -> SqliteRef:
        return SqliteRef(doc, "$" + "".join(_quoted(k) for k in keys))

    def child(self, ref: SqliteRef, key: str) -> SqliteRef:
        path = ref.path + _quoted(key) if isinstance(ref.path, str) else ref.path.concat(_quoted(key))
        return SqliteRef(ref.doc, path)

    def any_element(self, ref: SqliteRef, test: Callable[[Any], Bool], correlate: Any) -> Bool:
        each = func.json_each(ref.doc, ref.path).table_valued("fullkey").alias()
        # json_each walks an object's members too: only arrays hold elements
        element = SqliteRef(ref.doc, each.c.fullkey)
        sub = select(literal(1)).select_from(each).where(self.is_kind(ref, "array"), test(element))
        return exists(sub.correlate(correlate))

    def is_kind(self, ref: SqliteRef, *kinds: str) -> Bool:
        native = [n for k in kinds for n in self._NATIVE.get(k, (k,))]
        return _one_of(func.coalesce(func.json_type(ref.doc, ref.path), "null"), native)

    def text(self, ref: SqliteRef) -> ColumnElement[str]:
        return func.json_extract(ref.doc, ref.path, type_=String)

    def number(self, ref: SqliteRef) -> ColumnElement[Any]:
        # untyped: a Numeric bind would reach SQLite as text, which sorts above every number
        return func.json_extract(ref.doc, ref.path)

    def number_literal(self, value: int | float) -> Any:
        # SQLite integers are 64-bit: a bigger literal compares as the nearest REAL instead
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            try:
                return float(value)
            except OverflowError:
                return math.inf if value > 0 else -math.inf
        return value

    def is_empty_container(self, ref: SqliteRef) -> Bool:
        return func.json_extract(ref.doc, ref.path, type_=String).in_(("[]", "{}"))  # minified

    def first(self, ref: SqliteRef) -> SqliteRef:
        path = ref.path + "[0]" if isinstance(ref.path, str) else ref.path.concat("[0]")
        return SqliteRef(ref.doc, path)

    def chosen_element(self, ref: SqliteRef, value: Callable[[Any], ColumnElement[Any]],
                       correlate: Any) -> ColumnElement[Any]:
        each = func.json_each(ref.doc, ref.path).table_valued("fullkey", "key", "type", "value").alias()
        element, index = SqliteRef(ref.doc, each.c.fullkey), each.c["key"]  # key: the array index
        # SQLite cannot resolve the outer row (ref.doc) in a subquery's ORDER BY: read the flag
        # from the element's own JSON text (json_each's value column holds it for objects)
        flag = case((each.c.type == "object", func.json_type(each.c.value, '$."primary"')))
        primary = func.coalesce(flag, "null") == "true"
        chosen = (
            select(value(element)).select_from(each)
            .where(self.is_kind(ref, "array"), or_(primary, index == 0))
            .order_by(case((primary, 0), else_=1), index).limit(1)
        )
        return chosen.correlate(correlate).scalar_subquery()


def _one_of(expr: ColumnElement[str], values: list[str]) -> Bool:
    return expr == values[0] if len(values) == 1 else expr.in_(values)


def _quoted(key: str) -> str:
    return '."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


class PostgresDialect(SqlDialect):
    """JSON values as jsonb expressions; text compared in "C" collation."""

    name = "postgresql"

    def ordered(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        return expr.collate("C")

    def contains(self, expr: ColumnElement[Any], value: str) -> Bool:
        return func.strpos(expr, value) > 0  # no LIKE: no wildcards to escape

    def ends_with(self, expr: ColumnElement[Any], value: str) -> Bool:
        return func.right(expr, len(value)) == value

    def root(self, doc: ColumnElement[Any], keys: list[str]) -> ColumnElement[Any]:
        ref = doc
        for k in keys:
            ref = self.child(ref, k)
        return ref

    def child(self, ref: ColumnElement[Any], key: str) -> ColumnElement[Any]:
        # -> with a key is NULL (no error) on arrays and scalars
        return ref.op("->", return_type=JSONB)(literal(key, Text))

    def any_element(self, ref: ColumnElement[Any], test: Callable[[Any], Bool], correlate: Any) -> Bool:
        array = case((func.jsonb_typeof(ref) == "array", ref))  # NULL otherwise: no rows, no error
        each = func.jsonb_array_elements(array).table_valued(sql_column("value", JSONB)).alias()
        sub = select(literal(1)).select_from(each).where(test(each.c.value))
        return exists(sub.correlate(correlate))

    def is_kind(self, ref: ColumnElement[Any], *kinds: str) -> Bool:
        tests = []
        plain = [k for k in kinds if k not in ("true", "false")]
        if plain:
            tests.append(_one_of(func.coalesce(func.jsonb_typeof(ref), "null"), plain))
        if booleans := [k for k in kinds if k in ("true", "false")]:
            tests.append(_one_of(func.coalesce(cast(ref, Text), ""), booleans))  # jsonb true -> 'true'
        return or_(*tests)

    def text(self, ref: ColumnElement[Any]) -> ColumnElement[str]:
        return ref.op("#>>", return_type=Text)(literal_column("'{}'"))

    def number(self, ref: ColumnElement[Any]) -> ColumnElement[Any]:
        # the CASE keeps the cast away from non-numbers, which would raise
        return case((func.jsonb_typeof(ref) == "number", cast(ref, Numeric)))

    def number_literal(self, value: int | float) -> Any:
        return literal(value, Numeric())  # as numeric: an int literal would be bound as bigint

    def is_empty_container(self, ref: ColumnElement[Any]) -> Bool:
        return cast(ref, Text).in_(("[]", "{}"))

    def first(self, ref: ColumnElement[Any]) -> ColumnElement[Any]:
        # a scalar is stored as a one-element "raw scalar" array, and -> 0 would return it
        array = case((func.jsonb_typeof(ref) == "array", ref))
        return array.op("->", return_type=JSONB)(literal_column("0"))

    def chosen_element(self, ref: ColumnElement[Any], value: Callable[[Any], ColumnElement[Any]],
                       correlate: Any) -> ColumnElement[Any]:
        array = case((func.jsonb_typeof(ref) == "array", ref))  # NULL otherwise: no rows, no error
        each = (
            func.jsonb_array_elements(array)
            .table_valued(sql_column("value", JSONB), with_ordinality="n").render_derived().alias()
        )
        primary = self.is_kind(self.child(each.c.value, "primary"), "true")
        chosen = (
            select(value(each.c.value)).select_from(each)
            .where(or_(primary, each.c.n == 1))
            .order_by(case((primary, 0), else_=1), each.c.n).limit(1)
        )
        return chosen.correlate(correlate).scalar_subquery()


def dialect_for(name: str) -> SqlDialect:
    if name == "sqlite":
        return SqliteDialect()
    if name == "postgresql":
        return PostgresDialect()
    raise ValueError(f"unsupported database dialect: {name}")
