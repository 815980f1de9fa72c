"""Whole-resource rules from the schema data: required attributes (RFC 7643 §2.2) and immutable
ones (RFC 7644 §3.5.1), checked by every write use case before it saves."""

from __future__ import annotations

from typing import Any

from domain.errors import InvalidValue, Mutability
from domain.schema.attributes import IMMUTABLE, ResourceType


def check_required(rtype: ResourceType, attributes: dict[str, Any]) -> None:
    """A required attribute must have a value (an empty string is no value); a required
    extension must be present."""
    for attr in rtype.schema.attributes:
        if attr.required and attributes.get(attr.name) in (None, "", [], {}):
            raise InvalidValue(f"'{attr.name}' is required")
    for schema, required in rtype.extensions:
        ext = attributes.get(schema.id)
        if required and not ext:
            raise InvalidValue(f"extension '{schema.id}' is required")
        if not isinstance(ext, dict):
            continue
        for attr in schema.attributes:
            if attr.required and ext.get(attr.name) in (None, "", [], {}):
                raise InvalidValue(f"'{schema.id}:{attr.name}' is required")


def check_immutable(rtype: ResourceType, before: dict[str, Any], after: dict[str, Any]) -> None:
    """An immutable attribute that has a value may not change (core and extension attributes
    alike)."""
    scopes = [("", rtype.schema.attributes, before, after)] + [
        (f"{s.id}:", s.attributes, before.get(s.id) or {}, after.get(s.id) or {}) for s, _ in rtype.extensions
    ]
    for prefix, attrs, old, new in scopes:
        for attr in attrs:
            if attr.mutability == IMMUTABLE and attr.name in old and old[attr.name] != new.get(attr.name):
                raise Mutability(f"'{prefix}{attr.name}' is immutable")
