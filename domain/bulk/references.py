"""bulkId references (RFC 7644 §3.7.2): where an operation holds them, how they are replaced by
the ids the POSTs created, and how the references of a circular POST are set aside for a PATCH.

A reference is `bulkId:` followed by the bulkId (at least one character):
- a whole JSON string anywhere in `data` (a member's `value`, an enterprise `manager.value`, a
  PATCH operation's value, a bare id Entra-style);
- a quoted literal inside a PATCH operation's `path` (`members[value eq "bulkId:x"]`);
- a segment of the operation's own `path` (`/Groups/bulkId:x`).
Text that merely contains `bulkId:` elsewhere (a description) is no reference."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from domain.bulk.operations import Operation

PREFIX = "bulkId:"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENVELOPE = frozenset({"schemas", "id", "meta"})  # beside a resource's attributes: never set aside
_QUOTED = re.compile(r'"bulkId:([^"\\]+)"')


def _named(text: str) -> str | None:
    """The bulkId a whole string refers to, if it is a reference."""
    return text[len(PREFIX):] if text.startswith(PREFIX) and len(text) > len(PREFIX) else None


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every string of a JSON value with the name of the member holding it ("" in a list)."""
    stack: list[tuple[str, Any]] = [(key, value)]
    while stack:
        name, item = stack.pop()
        if isinstance(item, str):
            yield name, item
        elif isinstance(item, dict):
            stack.extend((str(k), v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend(("", v) for v in item)


def in_value(value: Any, patch: bool = False) -> set[str]:
    """The bulkIds `value` refers to; with `patch`, also those quoted in its `path` members."""
    found: set[str] = set()
    for name, text in _strings(value):
        bulk_id = _named(text)
        if bulk_id is not None:
            found.add(bulk_id)
        elif patch and name.lower() == "path":
            found.update(_QUOTED.findall(text))
    return found


def in_path(path: str) -> set[str]:
    """The bulkIds of an operation's path (`/Groups/bulkId:x`)."""
    return {b for segment in path.split("/") if (b := _named(segment)) is not None}


def of(operation: Operation) -> frozenset[str]:
    """Every bulkId an operation refers to."""
    return frozenset(in_path(operation.path) | in_value(operation.data, operation.method == "PATCH"))


def _replace_string(text: str, name: str, ids: Mapping[str, str], patch: bool) -> str:
    bulk_id = _named(text)
    if bulk_id is not None:
        return ids.get(bulk_id, text)
    if patch and name.lower() == "path":
        return _QUOTED.sub(lambda m: json.dumps(ids[m[1]]) if m[1] in ids else m[0], text)
    return text


def resolve_value(value: Any, ids: Mapping[str, str], patch: bool = False, name: str = "") -> Any:
    """`value` with each reference to a bulkId of `ids` replaced by its id (a new value; the
    others are left as they are)."""
    if isinstance(value, str):
        return _replace_string(value, name, ids, patch)
    if isinstance(value, dict):
        return {k: resolve_value(v, ids, patch, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_value(v, ids, patch) for v in value]
    return value


def resolve(operation: Operation, ids: Mapping[str, str]) -> Operation:
    """The operation with its references to the bulkIds of `ids` replaced by their ids."""
    path = "/".join(ids.get(b, s) if (b := _named(s)) is not None else s for s in operation.path.split("/"))
    data = resolve_value(operation.data, ids, operation.method == "PATCH")
    return Operation(operation.index, operation.method, path, operation.bulk_id, operation.version, data)


def set_aside(data: Any, bulk_ids: frozenset[str]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """A POST's body without the attributes that refer to `bulk_ids`, and the PatchOp message
    that puts them back (`replace` of each, references unresolved); None when a reference is
    where it cannot be set aside (the body's `schemas` or `id`, or a body that is no object).
    An attribute of an extension (a URN member holding an object) is set aside alone:
    `urn:...:enterprise:2.0:User:manager`."""
    if not isinstance(data, dict):
        return None
    kept: dict[str, Any] = {}
    operations: list[dict[str, Any]] = []
    for key, value in data.items():
        if not in_value(value) & bulk_ids:
            kept[key] = value
        elif key.lower() in ENVELOPE:
            return None
        elif ":" in key and isinstance(value, dict):
            inner = {k: v for k, v in value.items() if not in_value(v) & bulk_ids}
            operations += [{"op": "replace", "path": f"{key}:{k}", "value": v}
                           for k, v in value.items() if k not in inner]
            kept[key] = inner
        else:
            operations.append({"op": "replace", "path": key, "value": value})
    return kept, {"schemas": [PATCH_OP], "Operations": operations}
