"""Ports: what the use cases need from the outside world (Protocols; adapters implement them).

Every repository works inside the unit of work that created it; none of them commits."""

from __future__ import annotations

from collections.abc import Collection, Generator, Iterable
from datetime import datetime
from types import TracebackType
from typing import Protocol

from domain.audit import Change
from domain.model import GroupRef, MemberRef, Page, Principal, Resource
from domain.query.ast import Query


class ResourceRepository(Protocol):
    """Users or Groups. Returns copies: changing a returned Resource changes nothing until `save`.

    Uniqueness (userName, on its NFKC-casefolded form) is enforced by the store itself, so that
    concurrent creates cannot both win."""

    def get(self, resource_id: str) -> Resource:
        """The resource; raises NotFound."""
        ...

    def add(self, resource: Resource) -> None:
        """Insert; raises Uniqueness if a unique attribute is taken."""
        ...

    def save(self, resource: Resource, expected_version: int | None = None,
             changed: Collection[str] | None = None) -> None:
        """Update to `resource` (its version already bumped by the caller). With `expected_version`,
        raises PreconditionFailed unless the stored version equals it. `changed` names the
        top-level attributes that differ from the stored ones (None: any may), so a store can
        skip the work of the others. Raises NotFound, Uniqueness."""
        ...

    def delete(self, resource_id: str) -> None:
        """Remove; raises NotFound."""
        ...

    def search(self, query: Query) -> Page:
        """Matches of `query.filter` in the query's order (its Sort, else (created, id); id
        breaks ties), paged in the store by window or keyset (`query.after`); `Page.keys` holds
        each item's sort value for cursors. The total is None unless `query.with_total`."""
        ...

    def existing(self, ids: Iterable[str]) -> set[str]:
        """Which of `ids` exist (for membership checks)."""
        ...

    def touch_many(self, ids: Iterable[str], now: datetime) -> None:
        """Bump version and lastModified of these resources (a group whose membership changed)."""
        ...


class MembershipRepository(Protocol):
    """Group membership, stored apart from the groups: each call costs what it changes, never the
    size of the group. Member and group ids are plain strings; members are Users."""

    def add(self, group_id: str, member_ids: Iterable[str]) -> set[str]:
        """Add members; returns those that were not members before (idempotent)."""
        ...

    def remove(self, group_id: str, member_ids: Iterable[str]) -> set[str]:
        """Remove members; returns those that were members (absent ones are a no-op)."""
        ...

    def replace(self, group_id: str, member_ids: Iterable[str]) -> tuple[set[str], set[str]]:
        """Make the membership exactly `member_ids`; returns (added, removed)."""
        ...

    def is_member(self, group_id: str, member_id: str) -> bool: ...

    def members(self, group_id: str, after: str | None = None, limit: int | None = None) -> list[MemberRef]:
        """Members ordered by id, after the id `after` (keyset paging), at most `limit`."""
        ...

    def member_chunks(self, group_id: str, size: int) -> Generator[list[MemberRef], None, None]:
        """Every member ordered by id, `size` at a time, read by one statement (one snapshot
        of the list) as the caller consumes them: a 100k-member group is never in memory at
        once. Valid while the unit of work is open; close the iterator to stop early."""
        ...

    def groups_of(self, member_id: str) -> list[GroupRef]:
        """The groups a user belongs to (its read-only `groups`), ordered by group id."""
        ...

    def groups_of_many(self, member_ids: Iterable[str]) -> dict[str, list[GroupRef]]:
        """groups_of for a page of users in one round trip (users without groups are absent)."""
        ...

    def drop_member(self, member_id: str) -> list[str]:
        """Remove a user from every group; returns the affected group ids."""
        ...

    def drop_group(self, group_id: str) -> None:
        """Remove every membership row of a group."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Used as a context manager: leaving it without `commit()` rolls back.
    `record()` collects change records that `commit()` writes in the same transaction."""

    users: ResourceRepository
    groups: ResourceRepository
    memberships: MembershipRepository

    def repository(self, resource_type: str) -> ResourceRepository:
        """The repository of a resource type by its name ("User" -> users, "Group" -> groups):
        the one map from resource type to store; raises KeyError for an unknown type."""
        ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def record(self, change: Change) -> None: ...


class Transactions(Protocol):
    """Opens units of work. `write=True` starts a write transaction up front (SQLite:
    BEGIN IMMEDIATE), so concurrent writers queue instead of failing. `snapshot=True` (reads)
    asks that every statement of the unit of work see the same state of the data (PostgreSQL:
    REPEATABLE READ; SQLite's read transactions always do)."""

    def __call__(self, *, write: bool, snapshot: bool = False) -> UnitOfWork: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def new(self) -> str: ...


class PasswordHasher(Protocol):
    """Hashes the write-only `password` attribute; the raw value is never stored."""

    def hash(self, password: str) -> str: ...

    def verify(self, hashed: str, password: str) -> bool: ...


class Authenticator(Protocol):
    """Turns a request's credentials into a principal, or None to refuse.
    `scheme` is the lower-cased HTTP auth scheme; `credentials` its parsed parts."""

    def authenticate(self, scheme: str, credentials: dict[str, str]) -> Principal | None: ...

    @property
    def schemes(self) -> tuple[str, ...]:
        """The HTTP auth schemes accepted (for WWW-Authenticate and ServiceProviderConfig)."""
        ...
