"""Entities and value objects: a SCIM resource, its member references, pages, principals and
the user a principal acts as at /Me."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

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


class MemberRef(NamedTuple):
    """One member of a group, as the membership port returns it. A named tuple, not a
    dataclass: a group may have 100k members, and a tuple is built in half the time."""

    value: str
    display: str | None = None
    type: str = USER


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A group a user belongs to (the User's read-only `groups` attribute)."""

    value: str
    display: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a search: the items and the total number of matches (None when the query
    did not ask for it); `keys` holds each item's sort value for cursor paging."""

    items: list[Resource]
    total: int | None
    start_index: int = 1
    keys: list[Any] | None = None


@dataclass(frozen=True, slots=True)
class Binding:
    """The user a credential is bound to, whom /Me names (RFC 7644 §3.11): by id (a token's,
    resolved when it was issued) or by userName (scim.auth's `me`, resolved per request, so the
    user may be provisioned after the config is written)."""

    user_id: str | None = None
    user_name: str | None = None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the credential's name; `me`, the user it is bound to (None: unbound)."""

    name: str
    scheme: str  # how it authenticated: basic or bearer (OAuth access tokens are bearer)
    me: Binding | None = None
