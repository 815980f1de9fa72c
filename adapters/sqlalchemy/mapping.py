"""Rows to Resources and back, with the comparison forms (folded text, UTC times) filters use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row

from adapters.sqlalchemy.storage import DOC, DOC_KEY, STORAGE, Indexed
from domain.model import Resource
from domain.query.values import FLAG, TIME, as_time, time_text
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
        key = time_text(t) if t else None
        return key if key is not None else NOT_A_TIME
    if attr.type in TEXT_TYPES:
        key = text_key(attr, value)
        return key if key is not None else value
    return value


def resource_row(rtype: ResourceType, r: Resource) -> dict[str, Any]:
    """The row of a User or Group: its indexed attributes (storage.STORAGE), version, password
    hash and JSON documents."""
    storage = STORAGE[r.resource_type]
    row: dict[str, Any] = {"version": r.version, DOC: r.data, DOC_KEY: comparison_doc(rtype, r.data)}
    for name, indexed in storage.columns.items():
        value = getattr(r, indexed.field) if indexed.field else r.data.get(name)
        row.update(column_values(indexed, rtype.schema.attribute(name) or _COMMON.get(name), value))
    if storage.password is not None:
        row[storage.password] = r.password_hash
    return row


def column_values(indexed: Indexed, attr: Attribute | None, value: Any) -> dict[str, Any]:
    """The columns of `indexed` for `value` of `attr`: NULL unless it is of the column's kind."""
    if indexed.kind == TIME:  # a Resource field, always an aware datetime
        return {indexed.key: value}
    if indexed.kind == FLAG:
        return {indexed.key: value if isinstance(value, bool) else None}
    row = {indexed.key: text_key(attr, value)}
    if indexed.raw is not None:
        row[indexed.raw] = text_of(value)
    return row


def side_rows(rtype: ResourceType, r: Resource, name: str) -> list[dict[str, Any]]:
    """The rows of the side table that keeps attribute `name` of `r`: one per object element."""
    side = STORAGE[r.resource_type].side_tables.get(name)
    elements, attr = r.data.get(name), rtype.schema.attribute(name)
    if side is None or attr is None or not isinstance(elements, list):
        return []
    rows = []
    for position, element in enumerate(elements):
        if not isinstance(element, dict):
            continue
        row = {side.owner: r.id, side.position: position}
        for sub, indexed in side.columns.items():
            row.update(column_values(indexed, attr.sub(sub), element.get(sub)))
        rows.append(row)
    return rows


def email_rows(rtype: ResourceType, r: Resource) -> list[dict[str, Any]]:
    """The user_emails rows of a User, for indexed emails lookups."""
    return side_rows(rtype, r, "emails")


def to_resource(kind: str, row: Row[Any]) -> Resource:
    """The User or Group (`kind`) a row read with every column but DOC_KEY holds."""
    return resource_of(kind, row._mapping)


def resource_of(kind: str, m: Mapping[Any, Any]) -> Resource:
    """The User or Group (`kind`) of column values by name (every column but DOC_KEY)."""
    storage = STORAGE[kind]
    fields = {indexed.field: m[indexed.key] for indexed in storage.columns.values() if indexed.field}
    password = m[storage.password] if storage.password is not None else None
    return Resource(resource_type=kind, data=m[DOC], version=m["version"], password_hash=password, **fields)
