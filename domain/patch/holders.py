"""Where an attribute's value lives in a resource's data: the data itself for core attributes,
the extension's object (keyed by its URN) for extension attributes."""

from __future__ import annotations

from typing import Any

from domain.query.ast import AttrPath


def holder_of(data: dict[str, Any], path: AttrPath, create: bool) -> dict[str, Any] | None:
    """The object holding `path`'s attribute; None for a missing extension unless `create`."""
    if not path.extension:
        return data
    ext = data.get(path.schema)
    if not isinstance(ext, dict):
        if not create:
            return None
        ext = data[path.schema] = {}
    return ext


def current_value(data: dict[str, Any], path: AttrPath) -> Any:
    """The stored value at `path` (attribute or sub-attribute); None when there is none."""
    found = holder_of(data, path, create=False) or {}
    value = found.get(path.attribute.name)
    if path.sub is not None:
        return value.get(path.sub.name) if isinstance(value, dict) else None
    return value


def drop_empty(data: dict[str, Any], path: AttrPath) -> None:
    """Removes `path`'s attribute when it became empty, and its extension object with it."""
    found = holder_of(data, path, create=False)
    if found is None:
        return
    if found.get(path.attribute.name) in ({}, [], None):
        found.pop(path.attribute.name, None)
    if path.extension and not found:
        del data[path.schema]  # `found` is that object
