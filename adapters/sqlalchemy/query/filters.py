"""Compiles the domain filter AST to SQL, with the semantics of adapters/memory/evaluate.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import FromClause, and_, false, not_, or_

from adapters.sqlalchemy.query.dialects import Bool, SqlDialect, dialect_for
from adapters.sqlalchemy.query.operands import (
    Absent,
    ColumnValue,
    Elements,
    Filled,
    Guarded,
    JsonElements,
    JsonValue,
    Operand,
    RowElements,
    constant,
)
from adapters.sqlalchemy.storage import STORAGE, Related, document_keys, etag
from domain.errors import InvalidFilter
from domain.query.ast import And, AttrPath, Compare, Expr, Not, Or, Present, ValueFilter
from domain.query.values import TEXT, as_time
from domain.schema.attributes import BOOLEAN, COMPLEX, DATETIME, DECIMAL, INTEGER, Attribute
from domain.text import fold

ORDERING = ("eq", "gt", "ge", "lt", "le")


class FilterCompiler:
    """One resource kind ("User" or "Group") on one dialect. Call it with a filter."""

    def __init__(self, kind: str, dialect: SqlDialect | str) -> None:
        self.kind, self.storage = kind, STORAGE[kind]
        self.table = self.storage.table
        self.d = dialect_for(dialect) if isinstance(dialect, str) else dialect

    def __call__(self, expr: Expr) -> Bool:
        return self._visit(expr, None)

    def _visit(self, expr: Expr, element: Any) -> Bool:
        if isinstance(expr, And):
            return and_(self._visit(expr.left, element), self._visit(expr.right, element))
        if isinstance(expr, Or):
            return or_(self._visit(expr.left, element), self._visit(expr.right, element))
        if isinstance(expr, Not):
            return not_(self._visit(expr.inner, element))
        if isinstance(expr, ValueFilter):
            if element is not None:
                raise InvalidFilter("value filters cannot be nested")
            if not expr.path.attribute.multi_valued or expr.path.sub is not None:
                raise InvalidFilter(f"'{expr.path.name}' is not a multi-valued attribute")
            inner = expr.filter
            elements = self._elements(expr.path, _subs(inner))
            return elements.any(lambda el: self._visit(inner, el))
        if isinstance(expr, Compare | Present):
            return self._predicate(expr, element)
        raise InvalidFilter(f"unsupported filter expression {type(expr).__name__}")

    def _predicate(self, expr: Compare | Present, element: Any) -> Bool:
        """Some value of the path passes the test; `ne` is the negation of `eq` over all values,
        so a resource without the attribute matches `ne`."""
        negate = isinstance(expr, Compare) and expr.op == "ne"
        path = expr.path

        def test(operand: Operand) -> Bool:
            return self._test(expr, operand, "eq" if negate else None)

        if element is not None:
            if path.sub is None:
                raise InvalidFilter(f"'{path.name}' is not a sub-attribute")
            found = test(element(path.sub))
        elif path.attribute.multi_valued:
            subs = {path.sub.name} if path.sub else None
            elements = self._elements(path, subs)
            found = elements.any(lambda el: test(el(path.sub)))
        else:
            found = test(self._scalar(path))
        return not_(found) if negate else found

    def _test(self, expr: Compare | Present, operand: Operand, op: str | None) -> Bool:
        """The evaluator's _compare: a literal of the wrong type matches nothing."""
        if isinstance(expr, Present):
            return operand.present()
        op, value, leaf = op or expr.op, expr.value, expr.path.leaf
        if value is None:
            return operand.is_null() if op == "eq" else false()
        if leaf.type == COMPLEX:
            raise InvalidFilter(f"cannot compare the complex attribute '{expr.path.name}'")
        if leaf.type == BOOLEAN:
            return operand.boolean(value) if isinstance(value, bool) and op == "eq" else false()
        if leaf.type in (INTEGER, DECIMAL):
            if isinstance(value, bool) or not isinstance(value, int | float) or op not in ORDERING:
                return false()
            return operand.number(op, value)
        if not isinstance(value, str):
            return false()
        if leaf.type == DATETIME:
            instant = as_time(value)
            return operand.time(op, instant) if instant is not None and op in ORDERING else false()
        return operand.text(op, text_form(leaf, value))

    # -- where each attribute lives (storage.STORAGE) ----------------------------------------------

    def _scalar(self, path: AttrPath) -> Operand:
        indexed = self.storage.column(path)
        if indexed is not None:
            return ColumnValue(self.table.c[indexed.key], self.d, indexed.kind)
        if path.schema == "":
            return self._meta(path.sub)
        ref = self.d.root(self.storage.doc_key, document_keys(path))
        if path.sub is None:
            return JsonValue(ref, self.d)
        # name.familyName: only when name is an object (a missing name is no null familyName)
        return Guarded(JsonValue(self.d.child(ref, path.sub.name), self.d), self.d.is_kind(ref, "object"))

    def _meta(self, sub: Attribute | None) -> Operand:
        """meta and those of its sub-attributes without a column."""
        if sub is None:
            return Filled()  # meta itself
        if sub.name == "resourceType":
            return constant(self.kind, self.d)
        if sub.name == "version":
            return ColumnValue(etag(self.table), self.d, TEXT)
        return Absent()  # meta.location is not stored

    def _elements(self, path: AttrPath, subs: set[str] | None) -> Elements:
        """Where the values of a multi-valued attribute are: membership rows, side table rows, or
        the JSON array. `subs` names the sub-attributes the test reads (None: the whole value)."""
        related = self.storage.relation(path)
        if related is not None:
            return self._memberships(path, subs or set(), related)
        side = self.storage.side_table(path)
        # a side table serves a test only when it holds every sub-attribute the test reads
        if side is not None and subs and subs <= side.columns.keys():
            operands = {sub: ColumnValue(side.column(sub), self.d, indexed.kind)
                        for sub, indexed in side.columns.items()}
            return RowElements(side.owner_column, operands, self.table.c.id)
        ref = self.d.root(self.storage.doc_key, document_keys(path))
        return JsonElements(ref, self.d, objects=subs is not None, correlate=self.table)

    def _memberships(self, path: AttrPath, subs: set[str], related: Related) -> Elements:
        """A group's members are {"value": user id, "type": "User", "display": its displayName};
        a user's groups are {"value": group id, "type": "direct", "display": its displayName}:
        what the responses show, so a filter on `display` answers for what the client sees."""
        type_attr = path.attribute.sub("type")
        type_key = related.type if type_attr is None or type_attr.case_exact else fold(related.type)
        # ids are compared as stored: the generated ids are already folded, so a caseExact=false
        # `groups.value` comparison (literal folded) still finds them
        operands = {"value": ColumnValue(related.value_column, self.d, TEXT), "type": constant(type_key, self.d)}
        source: FromClause = related.table
        if "display" in subs:  # join the other side only when the filter reads its name
            source, display = related.joined()
            operands["display"] = ColumnValue(display, self.d, TEXT)
        return RowElements(related.owner_column, operands, self.table.c.id, source)


def text_form(leaf: Attribute, value: str) -> str:
    """A text literal as the columns and document keys hold its attribute: folded unless
    caseExact."""
    return value if leaf.case_exact else fold(value)


def _subs(expr: Expr) -> set[str]:
    """Sub-attribute names a value filter's inner filter reads."""
    if isinstance(expr, And | Or):
        return _subs(expr.left) | _subs(expr.right)
    if isinstance(expr, Not):
        return _subs(expr.inner)
    if isinstance(expr, Compare | Present):
        return {expr.path.leaf.name}
    raise InvalidFilter("value filters cannot be nested")


def compile_filter(kind: str, dialect: str, expr: Expr) -> Bool:
    """The WHERE clause for `expr` on the table of `kind` ("User" or "Group")."""
    return FilterCompiler(kind, dialect)(expr)

