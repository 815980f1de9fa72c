"""Evaluates the domain filter AST against a resource, or against one element of a multi-valued
attribute (PATCH value paths), by the rules the SQL adapter compiles: caseExact=false strings compare by domain.text.fold, dateTimes as times.

Also the sort keys of RFC 7644 §3.4.2.3 and the keyset order (RFC 9865 cursors) both stores
follow: see `sort_key` and `follows`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from domain.errors import InvalidValue
from domain.model import Resource
from domain.query import And, AttrPath, Expr, Literal, Not, Or, Present, ValueFilter
from domain.schema import BOOLEAN, COMPLEX, DATETIME, DECIMAL, INTEGER, Attribute
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
    raw = _top(path, r, related)
    return [e for e in (raw if isinstance(raw, list) else [raw]) if isinstance(e, dict)]


def _top(path: AttrPath, r: Resource, related: Related) -> Any:
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
    raw = _top(path, r, related)
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
        a, e = _as_time(actual), _as_time(expected)
        if a is None or e is None:
            return False
        return _order(op, a, e) if op not in ("co", "sw", "ew") else False
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
    return {
        "eq": a == e, "gt": a > e, "ge": a >= e, "lt": a < e, "le": a <= e,
    }.get(op, False)


def _as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


# -- sorting (RFC 7644 §3.4.2.3) and keyset positions (RFC 9865) ------------------------------------
#
# A sort key is the value a resource sorts by, in its comparison form: folded text for
# caseExact=false strings, the raw text for caseExact ones, numbers, booleans (false < true),
# dateTimes as fixed-width UTC text (see `time_text`), or None when the resource has none (absent,
# null, or not of the attribute's type). Text compares by code point (SQL: bytes of UTF-8 under
# the "C" collation, the same order). Ascending puts None last, descending first; equal keys are
# ordered by id ascending in both directions.

TEXT, NUMBER, FLAG, TIME = "text", "number", "boolean", "time"  # the kinds of sort keys


def sort_target(path: AttrPath) -> AttrPath:
    """The path a sort reads: a complex attribute named alone sorts by its `value`
    sub-attribute; one without a `value` cannot be sorted by (InvalidValue)."""
    if path.sub is None and path.attribute.type == COMPLEX:
        value = path.attribute.sub("value")
        if value is None:
            raise InvalidValue(f"cannot sort by '{path.name}': it is a complex attribute without a "
                               "value; sort by one of its sub-attributes")
        return path.with_sub(value)
    return path


def sort_kind(attr: Attribute) -> str:
    """TEXT, NUMBER, FLAG or TIME: how the keys of the attribute `attr` compare."""
    kind = attr.type
    if kind == BOOLEAN:
        return FLAG
    if kind in (INTEGER, DECIMAL):
        return NUMBER
    return TIME if kind == DATETIME else TEXT


def sort_key(path: AttrPath, r: Resource, related: Related) -> Literal:
    """The value `r` sorts by. A multi-valued attribute sorts by its element marked primary
    (the first such), else by its first element; `related` must list a derived attribute
    (members, groups) in id order, which then is its order."""
    path = sort_target(path)
    raw = _top(path, r, related)
    if path.attribute.multi_valued:
        if not isinstance(raw, list) or not raw:
            return None
        chosen = raw[0]
        if path.attribute.type == COMPLEX:
            chosen = next((e for e in raw if isinstance(e, dict) and e.get("primary") is True), chosen)
        raw = chosen
    if path.sub is not None:
        raw = raw.get(path.sub.name) if isinstance(raw, dict) else None
    return comparable(path.leaf, raw)


def comparable(attr: Attribute, value: Any) -> Literal:
    """`value` of the attribute `attr` in its comparison form; None when it is none of its type."""
    kind = sort_kind(attr)
    if value is None:
        return None
    if kind == FLAG:
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):
        return None
    if kind == NUMBER:
        return value if isinstance(value, int | float) else None
    if kind == TIME:
        if isinstance(value, datetime):
            return time_text(value) if value.tzinfo else None
        t = _as_time(value) if isinstance(value, str) and value else None
        return time_text(t) if t is not None else None
    if isinstance(value, int | float):  # text attributes compare numbers as their text
        value = str(value)
    if not isinstance(value, str):
        return None
    return value if attr.case_exact else fold(value)


def time_text(value: datetime) -> str | None:
    """An aware time as fixed-width UTC text ("2024-01-31T08:00:00.000000Z"): these strings
    order as the instants do. None when the instant cannot be expressed in UTC."""
    try:
        t = value.astimezone(UTC)
    except OverflowError:
        return None
    return (f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
            f".{t.microsecond:06d}Z")


def position_value(kind: str, value: Any) -> Literal:
    """A keyset position's sort value, checked against the kind of key it must be and put in
    comparison form (times as `time_text`). Raises InvalidValue for anything else."""
    if value is None:
        return None
    if kind == FLAG and isinstance(value, bool):
        return value
    if kind == NUMBER and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if kind == TEXT and isinstance(value, str):
        return value
    if kind == TIME and isinstance(value, str):
        t = _as_time(value)
        text = time_text(t) if t is not None else None
        if text is not None:
            return text
    raise InvalidValue("the cursor does not hold a position of this sort order")


def position_time(value: Any) -> datetime:
    """The `created` time of an unsorted keyset position (an ISO 8601 string with an offset)."""
    t = _as_time(value) if isinstance(value, str) else None
    if t is None:
        raise InvalidValue("the cursor does not hold a position of this sort order")
    return t


def _rank(key: Literal) -> tuple[Any, ...]:
    return (1,) if key is None else (0, key)


def sort_resources(items: list[Resource], keys: dict[str, Literal], descending: bool) -> None:
    """Sorts `items` in place by their `keys` (by id): None last ascending and first
    descending, equal keys by id ascending."""
    items.sort(key=lambda r: r.id)
    items.sort(key=lambda r: _rank(keys[r.id]), reverse=descending)  # stable: ids stay ascending


def follows(key: Literal, rid: str, after_key: Literal, after_id: str, descending: bool) -> bool:
    """Whether a resource (`key`, `rid`) comes strictly after the position (`after_key`,
    `after_id`) in the order of `sort_resources`."""
    mine, theirs = _rank(key), _rank(after_key)
    if mine == theirs:
        return rid > after_id
    return (mine > theirs) != descending
