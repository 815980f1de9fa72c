"""Operands of compiled filters (columns, constants, JSON values) and multi-valued elements."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Table, and_, false, literal, not_, select, true

from adapters.sqlalchemy.query.dialects import ORDER_OPS, Bool, SqlDialect
from domain.errors import InvalidFilter
from domain.query.values import FLAG, TEXT, TIME, time_text
from domain.schema.attributes import Attribute


def _order(expr: ColumnElement[Any], op: str, value: Any) -> Bool:
    return expr == value if op == "eq" else getattr(expr, ORDER_OPS[op])(value)  # type: ignore[no-any-return]


class Operand:
    """A value a filter tests. Methods get literals already in comparison form (folded text,
    aware datetimes) and return two-valued predicates; what a kind cannot hold is an error."""

    what = "this attribute"

    def _unsupported(self, how: str) -> InvalidFilter:
        return InvalidFilter(f"{self.what} cannot be compared as {how}")

    def is_null(self) -> Bool:
        raise self._unsupported("null")

    def present(self) -> Bool:
        raise self._unsupported("present")

    def text(self, op: str, value: str) -> Bool:
        raise self._unsupported("text")

    def number(self, op: str, value: int | float) -> Bool:
        raise self._unsupported("a number")

    def boolean(self, value: bool) -> Bool:
        raise self._unsupported("a boolean")

    def time(self, op: str, value: datetime) -> Bool:
        raise self._unsupported("a dateTime")


class ColumnValue(Operand):
    """A scalar column or SQL expression; NULL means absent."""

    def __init__(self, expr: ColumnElement[Any], dialect: SqlDialect, kind: str) -> None:
        """`kind`: TEXT, FLAG or TIME, the only comparisons it takes."""
        self.expr, self.dialect, self.kind = expr, dialect, kind
        self.what = f"the {kind} column {expr}"

    def is_null(self) -> Bool:
        return self.expr.is_(None)

    def present(self) -> Bool:
        filled = self.expr.is_not(None)
        return and_(filled, self.expr != "") if self.kind == TEXT else filled

    def text(self, op: str, value: str) -> Bool:
        if self.kind != TEXT:
            raise self._unsupported("text")
        return and_(self.expr.is_not(None), self.dialect.compare_text(self.expr, op, value))

    def boolean(self, value: bool) -> Bool:
        if self.kind != FLAG:
            raise self._unsupported("a boolean")
        return and_(self.expr.is_not(None), self.expr == value)

    def time(self, op: str, value: datetime) -> Bool:
        if self.kind != TIME:
            raise self._unsupported("a dateTime")
        return and_(self.expr.is_not(None), _order(self.expr, op, value))


def constant(value: str, dialect: SqlDialect) -> ColumnValue:
    """A value every row has (meta.resourceType, a membership's type)."""
    return ColumnValue(literal(value), dialect, TEXT)


class Absent(Operand):
    """A sub-attribute the store never holds (members.display, meta.location): always null."""

    def is_null(self) -> Bool:
        return true()

    def present(self) -> Bool:
        return false()

    def text(self, op: str, value: str) -> Bool:
        return false()

    def number(self, op: str, value: int | float) -> Bool:
        return false()

    def boolean(self, value: bool) -> Bool:
        return false()

    def time(self, op: str, value: datetime) -> Bool:
        return false()


class Filled(Operand):
    """A complex value that always has content (meta, a membership): only `pr` applies."""

    def is_null(self) -> Bool:
        return false()

    def present(self) -> Bool:
        return true()


class JsonValue(Operand):
    """A value inside doc_key, which holds the comparison forms (see mapping.comparison_doc)."""

    def __init__(self, ref: Any, dialect: SqlDialect) -> None:
        self.ref, self.d = ref, dialect

    def is_null(self) -> Bool:
        return self.d.is_kind(self.ref, "null")

    def present(self) -> Bool:
        """Not null, "", [] or {} (RFC 7644 `pr`, as the evaluator defines it)."""
        d, ref = self.d, self.ref
        return and_(
            not_(d.is_kind(ref, "null")),
            not_(and_(d.is_kind(ref, "string"), d.text(ref) == "")),
            not_(and_(d.is_kind(ref, "array", "object"), d.is_empty_container(ref))),
        )

    def text(self, op: str, value: str) -> Bool:
        return and_(self.d.is_kind(self.ref, "string"), self.d.compare_text(self.d.text(self.ref), op, value))

    def number(self, op: str, value: int | float) -> Bool:
        return and_(self.d.is_kind(self.ref, "number"), _order(self.d.number(self.ref), op, self.d.number_literal(value)))

    def boolean(self, value: bool) -> Bool:
        return self.d.is_kind(self.ref, "true" if value else "false")

    def time(self, op: str, value: datetime) -> Bool:
        key = time_text(value)
        if key is None:
            return false()
        text = self.d.text(self.ref)
        # "" stays "" in doc_key (it is not present) but is no time either
        return and_(self.d.is_kind(self.ref, "string"), text != "", self.d.compare_text(text, op, key))


class Guarded(Operand):
    """`inner`, tested only where `guard` holds (a sub-attribute of a value that is an object)."""

    def __init__(self, inner: Operand, guard: Bool) -> None:
        self.inner, self.guard = inner, guard

    def is_null(self) -> Bool:
        return and_(self.guard, self.inner.is_null())

    def present(self) -> Bool:
        return and_(self.guard, self.inner.present())

    def text(self, op: str, value: str) -> Bool:
        return and_(self.guard, self.inner.text(op, value))

    def number(self, op: str, value: int | float) -> Bool:
        return and_(self.guard, self.inner.number(op, value))

    def boolean(self, value: bool) -> Bool:
        return and_(self.guard, self.inner.boolean(value))

    def time(self, op: str, value: datetime) -> Bool:
        return and_(self.guard, self.inner.time(op, value))


# An element of a multi-valued attribute: the operand for one of its sub-attributes (None: the
# element itself).
Element = Callable[[Attribute | None], Operand]
Test = Callable[[Element], Bool]


class Elements:
    """The values of a multi-valued attribute; `any(test)` is EXISTS a value passing `test`."""

    def any(self, test: Test) -> Bool:
        raise NotImplementedError


class JsonElements(Elements):
    """The elements of a JSON array; with `objects`, only the objects among them (sub-attribute
    tests and value filters look at objects only, as the evaluator does)."""

    def __init__(self, ref: Any, dialect: SqlDialect, objects: bool, correlate: Table) -> None:
        self.ref, self.d, self.objects, self.correlate = ref, dialect, objects, correlate

    def any(self, test: Test) -> Bool:
        def on(el: Any) -> Bool:
            def element(sub: Attribute | None) -> Operand:
                return JsonValue(self.d.child(el, sub.name) if sub else el, self.d)

            passed = test(element)
            return and_(self.d.is_kind(el, "object"), passed) if self.objects else passed

        return self.d.any_element(self.ref, on, self.correlate)


class RowElements(Elements):
    """Rows of a side table (emails, memberships), one per element; `owner` is the column that
    names the resource a row belongs to."""

    def __init__(self, owner: ColumnElement[str], subs: Mapping[str, Operand],
                 resource_id: ColumnElement[str], source: FromClause | None = None) -> None:
        self.owner, self.subs, self.resource_id, self.source = owner, subs, resource_id, source

    def any(self, test: Test) -> Bool:
        def element(sub: Attribute | None) -> Operand:
            if sub is None:
                return Filled()
            return self.subs.get(sub.name, Absent())

        # `id IN (SELECT owner ... WHERE test)` rather than a correlated EXISTS: SQLite then
        # starts from the side table's index instead of probing it once per resource
        rows = select(self.owner)
        if self.source is not None:
            rows = rows.select_from(self.source)
        return self.resource_id.in_(rows.where(test(element)))
