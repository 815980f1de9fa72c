"""Sorting (RFC 7644 §3.4.2.3) and keyset positions (RFC 9865), the order both stores follow.

A sort key is the value a resource sorts by, in its comparison form (domain.query.values):
folded text for caseExact=false strings, the raw text for caseExact ones, numbers, booleans
(false < true), dateTimes as fixed-width UTC text, or None when the resource has none (absent,
null, or not of the attribute's type). Text compares by code point (SQL: bytes of UTF-8 under
the "C" collation, the same order). Ascending puts None last, descending first; equal keys are
ordered by id ascending in both directions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.errors import InvalidValue
from domain.model import Resource
from domain.query.ast import AttrPath, Literal
from domain.query.evaluate import Related, top_value
from domain.query.values import FLAG, NUMBER, TEXT, TIME, TIME_TEXT, as_time, comparable, time_text
from domain.schema.attributes import COMPLEX


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


def sort_key(path: AttrPath, r: Resource, related: Related) -> Literal:
    """The value `r` sorts by. A multi-valued attribute sorts by its element marked primary
    (the first such), else by its first element; `related` must list a derived attribute
    (members, groups) in id order, which then is its order."""
    path = sort_target(path)
    raw = top_value(path, r, related)
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
        if TIME_TEXT.fullmatch(value):  # a key as time_text wrote it (Page.keys)
            return value
        t = as_time(value)
        if t is not None:
            return time_text(t)
    raise InvalidValue("the cursor does not hold a position of this sort order")


def position_time(value: Any) -> datetime:
    """The `created` time of an unsorted keyset position (an ISO 8601 string with an offset)."""
    t = as_time(value) if isinstance(value, str) else None
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
