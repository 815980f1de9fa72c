"""Attribute paths resolved against a resource type's schemas, case-insensitively (RFC 7643 §2.1,
RFC 7644 §3.10)."""

from __future__ import annotations

from domain.errors import InvalidPath
from domain.query.ast import AttrPath
from domain.schema.attributes import COMPLEX, ResourceType
from domain.schema.core import COMMON_ATTRIBUTES


def resolve(rtype: ResourceType, text: str) -> AttrPath:
    """Resolve `text` ("userName", "name.givenName", "urn:...:User:manager.value", "meta.created")
    against a resource type's schemas, case-insensitively. Raises InvalidPath."""
    schema_id, rest, extension = _split_urn(rtype, text)
    head, dot, tail = rest.partition(".")
    if dot and not tail:  # "userName." names no sub-attribute
        raise InvalidPath(f"unknown sub-attribute '{text}'")
    if schema_id is None:
        attr = next((a for a in COMMON_ATTRIBUTES if a.name.lower() == head.lower()), None)
        schema_id = ""
        if attr is None:
            attr, schema_id = rtype.schema.attribute(head), rtype.schema.id
    else:
        schema = rtype.schema if not extension else rtype.extension(schema_id)
        attr = schema.attribute(head) if schema else None
    if attr is None or not head:
        raise InvalidPath(f"unknown attribute '{text}'")
    path = AttrPath(schema_id, attr, None, extension)
    if tail:
        sub = attr.sub(tail) if attr.type == COMPLEX else None
        if sub is None:
            raise InvalidPath(f"unknown sub-attribute '{text}'")
        path = path.with_sub(sub)
    return path


def resolve_sub(parent: AttrPath, name: str) -> AttrPath:
    """Resolve a sub-attribute name inside a value filter (`emails[type eq "work"]`)."""
    sub = parent.attribute.sub(name) if parent.sub is None else None
    if sub is None:
        raise InvalidPath(f"unknown sub-attribute '{name}' of '{parent.name}'")
    return parent.with_sub(sub)


def _split_urn(rtype: ResourceType, text: str) -> tuple[str | None, str, bool]:
    """Split a URN prefix off `text`: (schema id or None, attribute part, is extension)."""
    lowered = text.lower()
    for schema_id in sorted(rtype.schema_ids, key=len, reverse=True):
        prefix = schema_id.lower() + ":"
        if lowered.startswith(prefix):
            return schema_id, text[len(prefix):], schema_id != rtype.schema.id
    if lowered.startswith("urn:"):
        raise InvalidPath(f"unknown schema in '{text}'")
    return None, text, False
