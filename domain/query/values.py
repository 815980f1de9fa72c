"""Values and their comparison rules, shared by the evaluator, the orderings and the SQL adapter:
caseExact=false text by domain.text.fold, dateTimes as instants written as fixed-width UTC text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.query.ast import Literal
from domain.schema.attributes import BOOLEAN, DATETIME, DECIMAL, INTEGER, Attribute
from domain.text import fold

TEXT, NUMBER, FLAG, TIME = "text", "number", "boolean", "time"  # the kinds of sort keys


def as_time(value: Any) -> datetime | None:
    """The instant a filter literal or stored value names; None unless ISO 8601 with an offset."""
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def sort_kind(attr: Attribute) -> str:
    """TEXT, NUMBER, FLAG or TIME: how the keys of the attribute `attr` compare."""
    kind = attr.type
    if kind == BOOLEAN:
        return FLAG
    if kind in (INTEGER, DECIMAL):
        return NUMBER
    return TIME if kind == DATETIME else TEXT


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
    if kind == TIME:  # an aware datetime (meta.created) or text naming one
        t = as_time(value)
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
