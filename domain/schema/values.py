"""Attribute values by data type (RFC 7643 §2.3, §2.4): each check with the message clients see."""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from domain.schema.attributes import BINARY, BOOLEAN, DATETIME, DECIMAL, INTEGER


class BadValue(ValueError):
    """A value not of its attribute's type; str() is the message for the client."""


def boolean(value: Any, strings: bool) -> bool:
    """A JSON boolean (RFC 7643 §2.3.2); with `strings`, "true"/"false" in any case too (Entra
    sends "False")."""
    if isinstance(value, bool):
        return value
    if strings and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BadValue("Not a valid boolean.")


# The integers every store compares exactly: SQLite compares JSON numbers as 64-bit floats
# where PostgreSQL compares them as numerics, so past 2^53 the two would answer a filter apart.
MAX_EXACT_INTEGER = 2**53 - 1


def integer(value: Any) -> int:
    """A JSON integer (RFC 7643 §2.3.4) within ±MAX_EXACT_INTEGER; a boolean is not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > MAX_EXACT_INTEGER:
            raise BadValue(f"Not an integer from -{MAX_EXACT_INTEGER} to {MAX_EXACT_INTEGER} "
                           "(the range every store compares exactly).")
        return value
    raise BadValue("Not a valid integer.")


def decimal(value: Any) -> int | float:
    """A finite JSON number (RFC 7643 §2.3.3)."""
    if isinstance(value, bool):
        raise BadValue("Not a valid number.")
    if isinstance(value, int):  # every integer is finite (math.isfinite overflows past 1e308)
        if abs(value) > MAX_EXACT_INTEGER:  # a double (what SQLite compares) would round it
            raise BadValue(f"Not a decimal every store compares exactly: an integer beyond ±{MAX_EXACT_INTEGER} "
                           "(write it with an exponent, e.g. 1e30, to mean the nearest double).")
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise BadValue("Not a valid number.")


def string(value: Any) -> str:
    """A JSON string (RFC 7643 §2.3.1); references are strings too (§2.3.7)."""
    if isinstance(value, str):
        return value
    raise BadValue("Not a valid string.")


# xsd:dateTime as RFC 7643 §2.3.5 shows it: a date, a time and an offset (Z or ±hh:mm). A date
# alone, a basic-format or week date, or no offset would never compare with the instants the
# filters and sort keys use, so they are refused rather than stored and silently unmatched.
_XSD_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})")


def date_time(value: Any) -> str:
    """An xsd:dateTime (RFC 7643 §2.3.5) with a time and an offset, kept as the client wrote it."""
    text = string(value)
    if not _XSD_DATETIME.fullmatch(text):
        raise BadValue("Not a valid xsd:dateTime: expected a date, a time and an offset, "
                       "e.g. 2024-06-01T08:30:00Z.")
    try:
        # fromisoformat wants at most 6 fractional digits: a longer fraction is cut, not refused
        parsed = datetime.fromisoformat(re.sub(r"(\.[0-9]{6})[0-9]+", r"\1", text).replace("Z", "+00:00"))
        parsed.astimezone(UTC)
    except ValueError:
        raise BadValue("Not a valid xsd:dateTime.") from None
    except OverflowError:  # what filters refuse too: no comparison could name it
        raise BadValue("Not a dateTime within years 1 to 9999 in UTC.") from None
    return text


def binary(value: Any) -> str:
    """Base64-encoded binary (RFC 7643 §2.3.6), kept as the client wrote it."""
    text = string(value)
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadValue("Not valid base64.") from None
    return text


_CHECKS: dict[str, Callable[[Any], Any]] = {
    INTEGER: integer, DECIMAL: decimal, DATETIME: date_time, BINARY: binary,
}


def scalar(kind: str, value: Any, strings: bool) -> Any:
    """A value of a simple type (RFC 7643 §2.3.1–§2.3.7); `strings` as in `boolean`."""
    if kind == BOOLEAN:
        return boolean(value, strings)
    check: Callable[[Any], Any] = _CHECKS.get(kind, string)
    return check(value)


def elements(value: Any) -> list[Any]:
    """The values of a multi-valued attribute (RFC 7643 §2.4): a lone object is taken as a
    one-element list (OneLogin sends `emails` as an object); null elements are dropped (§2.5)."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise BadValue("Not a valid list.")
    return [v for v in value if v is not None]
