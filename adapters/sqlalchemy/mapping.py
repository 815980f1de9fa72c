"""Rows to Resources and back, with the comparison forms (folded text, UTC times) filters use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from domain.model import USER, Resource
from domain.schema.attributes import (
    BINARY,
    COMPLEX,
    DATETIME,
    REFERENCE,
    STRING,
    Attribute,
    ResourceType,
)
from domain.schema.core import COMMON_ATTRIBUTES
from domain.text import fold

TEXT_TYPES = (STRING, REFERENCE, BINARY)
# A dateTime that is not a time (no offset, garbage) compares with nothing but is still present;
# any non-string JSON value keeps it out of the string comparisons that time filters compile to.
NOT_A_TIME = 0
_COMMON = {a.name: a for a in COMMON_ATTRIBUTES}


def as_time(value: Any) -> datetime | None:
    """The instant a filter literal or stored value names; None unless ISO 8601 with an offset
    (the rule the in-memory evaluator applies)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def time_key(value: datetime) -> str | None:
    """Fixed-width UTC text: ordering these strings orders the instants."""
    try:
        t = value.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 pushed out of range by its offset
        return None
    return (f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:"
            f"{t.second:02d}.{t.microsecond:06d}Z")


def text_of(value: Any) -> str | None:
    """A value as the text it compares as (the evaluator compares str(value) for text types)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def text_key(attr: Attribute | None, value: Any) -> str | None:
    text = text_of(value)
    if text is None or attr is None or attr.case_exact:
        return text
    return fold(text)


def comparison_doc(rtype: ResourceType, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with each leaf in the form filters compare: caseExact=false text folded, dateTimes
    as UTC keys. Folding happens here, in Python, so SQL and memory share one definition."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        ext = rtype.extension(key) if key.lower().startswith("urn:") else None
        if ext is not None and isinstance(value, dict):
            out[key] = {k: _value(ext.attribute(k), v) for k, v in value.items()}
        else:
            out[key] = _value(rtype.schema.attribute(key) or _COMMON.get(key), value)
    return out


def _value(attr: Attribute | None, value: Any) -> Any:
    if attr is None:
        return value
    if attr.multi_valued and isinstance(value, list):
        return [_single(attr, v) for v in value]
    return _single(attr, value)


def _single(attr: Attribute, value: Any) -> Any:
    if attr.type == COMPLEX:
        if not isinstance(value, dict):
            return value
        return {k: _leaf(attr.sub(k), v) for k, v in value.items()}
    return _leaf(attr, value)


def _leaf(attr: Attribute | None, value: Any) -> Any:
    if attr is None or value is None or isinstance(value, bool):
        return value
    if attr.type == DATETIME:
        if not isinstance(value, str) or value == "":
            return value
        t = as_time(value)
        key = time_key(t) if t else None
        return key if key is not None else NOT_A_TIME
    if attr.type in TEXT_TYPES:
        key = text_key(attr, value)
        return key if key is not None else value
    return value


def resource_row(rtype: ResourceType, r: Resource) -> dict[str, Any]:
    """The column values of a User or Group."""
    data = r.data
    user_name, display = text_of(data.get("userName")), text_of(data.get("displayName"))
    row: dict[str, Any] = {
        "id": r.id,
        "external_id": text_of(data.get("externalId")),
        "display_name": display,
        "display_name_key": fold(display) if display is not None else None,
        "created": r.created,
        "last_modified": r.last_modified,
        "version": r.version,
        "doc": data,
        "doc_key": comparison_doc(rtype, data),
    }
    if r.resource_type == USER:
        active = data.get("active")
        row.update(
            user_name=user_name,
            user_name_key=fold(user_name) if user_name is not None else None,
            active=active if isinstance(active, bool) else None,
            password_hash=r.password_hash,
        )
    return row


def email_rows(rtype: ResourceType, r: Resource) -> list[dict[str, Any]]:
    """The user_emails rows of a User: one per email object, for indexed emails lookups."""
    emails = r.data.get("emails")
    attr = rtype.schema.attribute("emails")
    if not isinstance(emails, list) or attr is None:
        return []
    rows = []
    for position, e in enumerate(emails):
        if not isinstance(e, dict):
            continue
        primary = e.get("primary")
        rows.append({
            "user_id": r.id,
            "position": position,
            "value": text_of(e.get("value")),
            "value_key": text_key(attr.sub("value"), e.get("value")),
            "type": text_key(attr.sub("type"), e.get("type")),
            "primary": primary if isinstance(primary, bool) else None,
        })
    return rows


def to_resource(kind: str, row: Row[Any]) -> Resource:
    m = row._mapping
    return Resource(
        m["id"], kind, m["doc"], m["created"], m["last_modified"], m["version"],
        m["password_hash"] if kind == USER else None,
    )
