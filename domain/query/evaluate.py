"""Evaluates the filter AST against a resource, or against one element of a multi-valued
attribute (PATCH value paths), by the rules the SQL adapter compiles (domain.query.values)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.model import Resource
from domain.query.ast import And, AttrPath, Expr, Literal, Not, Or, Present, ValueFilter
from domain.query.values import as_time
from domain.schema.attributes import BOOLEAN, DATETIME, DECIMAL, INTEGER
from domain.text import fold

# Returns the derived multi-valued attribute (a group's members, a user's groups) as dicts.
Related = Callable[[Resource, str], list[dict[str, Any]]]


def matches(expr: Expr, resource: Resource, related: Related) -> bool:
    return _eval(expr, resource, related, None)


def element_matches(expr: Expr, element: dict[str, Any]) -> bool:
    """Whether one element of a multi-valued attribute satisfies a value filter's inner filter."""
    return _eval(expr, None, lambda _r, _n: [], element)  # type: ignore[arg-type]


def _eval(expr: Expr, r: Resource, related: Related, element: dict[str, Any] | None) -> bool:
    if isinstance(expr, And):
        return _eval(expr.left, r, related, element) and _eval(expr.right, r, related, element)
    if isinstance(expr, Or):
        return _eval(expr.left, r, related, element) or _eval(expr.right, r, related, element)
    if isinstance(expr, Not):
        return not _eval(expr.inner, r, related, element)
    if isinstance(expr, ValueFilter):
        return any(_eval(expr.filter, r, related, el) for el in _elements(expr.path, r, related))
    values = _values(expr.path, r, related, element)
    if isinstance(expr, Present):
        return any(v not in (None, "", [], {}) for v in values)
    if expr.op == "ne":
        return not any(_compare(expr.path, "eq", v, expr.value) for v in values)
    return any(_compare(expr.path, expr.op, v, expr.value) for v in values)


def _elements(path: AttrPath, r: Resource, related: Related) -> list[dict[str, Any]]:
    raw = top_value(path, r, related)
    return [e for e in (raw if isinstance(raw, list) else [raw]) if isinstance(e, dict)]


def top_value(path: AttrPath, r: Resource, related: Related) -> Any:
    name = path.attribute.name
    if path.schema == "":
        if name == "id":
            return r.id
        if name == "meta":
            return {"resourceType": r.resource_type, "created": r.created, "lastModified": r.last_modified,
                    "version": r.etag}
        return r.data.get(name)
    if name in ("members", "groups") and not path.extension:
        return related(r, name)
    holder = r.data.get(path.schema, {}) if path.extension else r.data
    return holder.get(name) if isinstance(holder, dict) else None


def _values(path: AttrPath, r: Resource, related: Related, element: dict[str, Any] | None) -> list[Any]:
    if element is not None:  # inside a value filter: path.sub names a key of the element
        return [element.get(path.leaf.name)]
    raw = top_value(path, r, related)
    items = raw if isinstance(raw, list) else [raw]
    if path.sub is not None:
        return [i.get(path.sub.name) for i in items if isinstance(i, dict)]
    return items


def _compare(path: AttrPath, op: str, actual: Any, expected: Literal) -> bool:
    kind = path.leaf.type
    if actual is None or expected is None:
        return op == "eq" and actual is None and expected is None
    if kind == BOOLEAN:
        return isinstance(expected, bool) and op == "eq" and actual is expected
    if kind in (INTEGER, DECIMAL):
        if isinstance(expected, bool) or not isinstance(expected, int | float):
            return False
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        return _order(op, actual, expected)
    if not isinstance(expected, str) or isinstance(actual, bool):
        return False
    if kind == DATETIME:
        t_a, t_e = as_time(actual), as_time(expected)
        if t_a is None or t_e is None:
            return False
        return _order(op, t_a, t_e) if op not in ("co", "sw", "ew") else False
    a, e = str(actual), expected
    if not path.leaf.case_exact:
        a, e = fold(a), fold(e)
    if op == "co":
        return e in a
    if op == "sw":
        return a.startswith(e)
    if op == "ew":
        return a.endswith(e)
    return _order(op, a, e)


def _order(op: str, a: Any, e: Any) -> bool:
    outcomes: dict[str, bool] = {
        "eq": a == e, "gt": a > e, "ge": a >= e, "lt": a < e, "le": a <= e,
    }
    return outcomes.get(op, False)
