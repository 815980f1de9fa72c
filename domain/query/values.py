"""Values and their comparison rules, shared by the evaluator, the orderings and the SQL adapter:
caseExact=false text by domain.text.fold, dateTimes as instants written as fixed-width UTC text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
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


def time_text(value: datetime) -> str:
    """An aware time as fixed-width UTC text ("2024-01-31T08:00:00.000000Z"): these strings
    order as the instants do. An instant just outside years 1-9999 in UTC (a local time at
    either end with an offset, valid xsd:dateTime) is written on the day beside the range:
    "0000-12-31T23:30:00.000000Z" before it, hours 24-47 of 9999-12-31 after it."""
    try:
        t = value.astimezone(UTC)
    except OverflowError:
        return _beyond(value)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{_clock(t, t.hour)}Z"


def _clock(t: datetime, hour: int) -> str:
    return f"{hour:02d}:{t.minute:02d}:{t.second:02d}.{t.microsecond:06d}"


def _beyond(value: datetime) -> str:
    """time_text of an instant less than a day outside years 1-9999 in UTC (offsets are less
    than a day): its time of day counted from the last day in range or before it."""
    local, offset = value.replace(tzinfo=None), value.utcoffset() or timedelta(0)
    if local.year == 1:  # before 0001-01-01T00:00Z: on 0000-12-31
        t = local + timedelta(days=1) - offset
        return f"0000-12-31T{_clock(t, t.hour)}Z"
    t = local - timedelta(days=1) - offset  # after 9999-12-31T23:59:59.999999Z: 24 hours on
    return f"9999-12-31T{_clock(t, t.hour + 24)}Z"


# What time_text writes, beyond-range days included: a keyset position holds it as the sort key.
TIME_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
