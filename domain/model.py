"""Entities and value objects: a SCIM resource, its member references and change records."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.text import fold

USER, GROUP = "User", "Group"


@dataclass(eq=False)
class Resource:
    """A User or Group. `data` holds the canonical attributes (camelCase keys, extension
    attributes under their schema URN) except id, meta, schemas, password, members and groups,
    which live beside it: the password hashed, members in the membership port."""

    id: str
    resource_type: str
    data: dict[str, Any]
    created: datetime
    last_modified: datetime
    version: int = 1
    password_hash: str | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Resource) and (self.resource_type, self.id) == (other.resource_type, other.id)

    def __hash__(self) -> int:
        return hash((self.resource_type, self.id))

    def copy(self) -> Resource:
        return Resource(
            self.id, self.resource_type, copy.deepcopy(self.data), self.created,
            self.last_modified, self.version, self.password_hash,
        )

    # Indexed attributes: the columns IdPs look up by.
    @property
    def user_name(self) -> str | None:
        return self.data.get("userName")

    @property
    def external_id(self) -> str | None:
        return self.data.get("externalId")

    @property
    def display_name(self) -> str | None:
        return self.data.get("displayName")

    @property
    def active(self) -> bool | None:
        return self.data.get("active")

    @property
    def email_values(self) -> list[str]:
        return [e["value"] for e in self.data.get("emails", ()) if isinstance(e.get("value"), str)]

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'

    def touch(self, now: datetime) -> None:
        """Record a change: new version, new lastModified."""
        self.version += 1
        self.last_modified = now

    def deactivate(self, now: datetime) -> bool:
        """Set active=false, keeping every other attribute (deactivation is not deletion)."""
        if self.data.get("active") is False:
            return False
        self.data["active"] = False
        self.touch(now)
        return True


def user_name_key(value: str) -> str:
    return fold(value)


@dataclass(frozen=True, slots=True)
class MemberRef:
    """One member of a group, as the membership port returns it."""

    value: str
    display: str | None = None
    type: str = USER


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A group a user belongs to (the User's read-only `groups` attribute)."""

    value: str
    display: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """What a write did, committed with it; the production issue turns these into the audit trail."""

    principal: str
    operation: str
    resource_type: str
    resource_id: str
    attributes: tuple[str, ...]
    at: datetime


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a search: the items and the total number of matches (None when the query
    did not ask for it); `keys` holds each item's sort value for cursor paging."""

    items: list[Resource]
    total: int | None
    start_index: int = 1
    keys: list[Any] | None = None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the credential's name."""

    name: str
    scheme: str = "basic"


def changed_attributes(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    """Top-level attribute names whose values differ (for change records)."""
    keys = set(before) | set(after)
    return tuple(sorted(k for k in keys if before.get(k) != after.get(k)))


@dataclass
class Changes:
    """Collected by a unit of work and committed with its transaction."""

    records: list[Change] = field(default_factory=list)
