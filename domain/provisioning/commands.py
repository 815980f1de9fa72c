"""What the provisioning use cases take and return: frozen commands of primitives, and views."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from domain.model import GroupRef, MemberRef, Resource
from domain.patch.engine import PatchOp
from domain.query.ast import Query

Versions = int | tuple[int, ...] | None  # If-Match: one version, any of several, or no condition


@dataclass(frozen=True)
class View:
    """A resource with what is derived from memberships: a user's groups, a group's members.
    A big group's members may come as `member_chunks` instead (GetResource.open): the whole
    list in id order, read as it is consumed, while the unit of work that read it is open. A
    write's view of a big group has neither, and says `more_members`: the caller reads them
    with GetResource.open."""

    resource: Resource
    groups: list[GroupRef] | None = None
    members: list[MemberRef] | None = None
    member_chunks: Iterator[list[MemberRef]] | None = None
    more_members: bool = False

    def whole(self) -> View:
        """The same view (a group's: no `groups`) with the member chunks read into `members`."""
        if self.member_chunks is None:
            return self
        return View(self.resource, members=[m for c in self.member_chunks for m in c])


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
    request_id: str | None = None  # the request's X-Request-ID, kept in the change record


@dataclass(frozen=True)
class PatchCommand:
    """PATCH (RFC 7644 §3.5.2): the operations of one request, applied all or none."""

    principal: str
    resource_id: str
    operations: tuple[PatchOp, ...]
    expected_version: Versions = None
    related: bool = True
    request_id: str | None = None


@dataclass(frozen=True)
class DeleteCommand:
    principal: str
    resource_id: str
    expected_version: Versions = None
    request_id: str | None = None


@dataclass(frozen=True)
class GetCommand:
    principal: str
    resource_type: str
    resource_id: str
    related: bool = True


@dataclass(frozen=True)
class SearchCommand:
    principal: str
    resource_type: str
    query: Query
    related: bool = True


@dataclass(frozen=True)
class SearchResult:
    views: list[View]
    total: int | None
    start_index: int
    keys: list[Any] | None = None  # each item's sort value, for cursor paging
