"""Pieces shared by the use cases: required-attribute checks, views and change records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.errors import InvalidValue, Mutability, PreconditionFailed
from domain.model import GroupRef, MemberRef, Resource
from domain.schema.attributes import IMMUTABLE, ResourceType

Versions = int | tuple[int, ...] | None  # If-Match: one version, any of several, or no condition


@dataclass(frozen=True)
class View:
    """A resource with what is derived from memberships: a user's groups, a group's members."""

    resource: Resource
    groups: list[GroupRef] | None = None
    members: list[MemberRef] | None = None


@dataclass(frozen=True)
class MemberInput:
    """A member as a client sent it: the id, and its type when given (RFC 7643 §4.2)."""

    value: str
    type: str | None = None


@dataclass(frozen=True)
class WriteCommand:
    """POST or PUT of a whole resource. `attributes` is canonical (validated at the edge), without
    readOnly attributes; `members` is None when the body had no members attribute."""

    principal: str
    attributes: dict[str, Any]
    resource_id: str | None = None
    password: str | None = None
    members: tuple[MemberInput, ...] | None = None
    expected_version: Versions = None
    related: bool = True  # whether the response needs the user's groups / the group's members


@dataclass(frozen=True)
class DeleteCommand:
    principal: str
    resource_id: str
    expected_version: Versions = None


def check_required(rtype: ResourceType, attributes: dict[str, Any]) -> None:
    """RFC 7643 §2.2: a required attribute must have a value (an empty string is no value)."""
    for attr in rtype.schema.attributes:
        if attr.required and attributes.get(attr.name) in (None, "", [], {}):
            raise InvalidValue(f"'{attr.name}' is required")
    for schema, required in rtype.extensions:
        ext = attributes.get(schema.id)
        if required and not ext:
            raise InvalidValue(f"extension '{schema.id}' is required")
        for attr in schema.attributes if isinstance(ext, dict) else ():
            if attr.required and ext.get(attr.name) in (None, "", [], {}):
                raise InvalidValue(f"'{schema.id}:{attr.name}' is required")


def check_immutable(rtype: ResourceType, before: dict[str, Any], after: dict[str, Any]) -> None:
    """RFC 7644 §3.5.1: an immutable attribute that has a value may not change (core and
    extension attributes alike)."""
    scopes = [("", rtype.schema.attributes, before, after)] + [
        (f"{s.id}:", s.attributes, before.get(s.id) or {}, after.get(s.id) or {}) for s, _ in rtype.extensions
    ]
    for prefix, attrs, old, new in scopes:
        for attr in attrs:
            if attr.mutability == IMMUTABLE and attr.name in old and old[attr.name] != new.get(attr.name):
                raise Mutability(f"'{prefix}{attr.name}' is immutable")


def check_version(resource: Resource, expected: Versions) -> None:
    """If-Match (RFC 7644 §3.14): the stored version must be (one of) the client's."""
    if expected is None:
        return
    if resource.version not in (expected if isinstance(expected, tuple) else (expected,)):
        raise PreconditionFailed(f"version mismatch: the resource is at {resource.etag}")
