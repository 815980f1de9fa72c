"""Change records: what every write did, by whom, committed in the same transaction. They are
the audit trail and the outbox later features read; lifecycle changes are named as such."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

CREATE, REPLACE, PATCH, DELETE = "create", "replace", "patch", "delete"
DEACTIVATE, REACTIVATE = "deactivate", "reactivate"


@dataclass(frozen=True, slots=True)
class Change:
    """One write: who (the credential's name), what operation, on which resource, which
    top-level attributes changed, when, and in which request (its X-Request-ID, when the write
    came over HTTP)."""

    principal: str
    operation: str
    resource_type: str
    resource_id: str
    attributes: tuple[str, ...]
    at: datetime
    request_id: str | None = None
    members_added: tuple[str, ...] = ()  # a group's new members (ids), in id order
    members_removed: tuple[str, ...] = ()  # the members it lost


@dataclass(frozen=True, slots=True)
class MemberDelta:
    """What one write did to a group's membership, net: a member added then removed by the same
    PATCH is neither. Kept in the change record (the change feed and events name the members)."""

    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)

    def then_added(self, ids: set[str]) -> MemberDelta:
        """This delta followed by adding `ids` (the ones actually added)."""
        return MemberDelta(self.added | (ids - self.removed), self.removed - ids)

    def then_removed(self, ids: set[str]) -> MemberDelta:
        """This delta followed by removing `ids` (the ones actually removed)."""
        return MemberDelta(self.added - ids, self.removed | (ids - self.added))


NO_MEMBERS = MemberDelta()


def changed_attributes(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    """Top-level attribute names whose values differ."""
    keys = set(before) | set(after)
    return tuple(sorted(k for k in keys if before.get(k) != after.get(k)))


def lifecycle(operation: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    """An update that turns `active` off is a deactivation, one that turns it back on a
    reactivation (the events an application behind the service acts on: revoke sessions,
    restore access); any other update keeps its `operation`."""
    was, now = before.get("active"), after.get("active")
    if now is False and was is not False:
        return DEACTIVATE
    if was is False and now is True:
        return REACTIVATE
    return operation


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Which change records to read: a time range (since inclusive, until exclusive), one
    resource, one principal; any of them may be None (no restriction)."""

    since: datetime | None = None
    until: datetime | None = None
    resource_id: str | None = None
    principal: str | None = None


class AuditLog(Protocol):
    """The change records as an audit trail, in the order they were committed."""

    def records(self, query: AuditQuery) -> Iterator[Change]:
        """The matching records, oldest first, read a batch at a time (never all at once)."""
        ...

    def prune(self, before: datetime) -> int:
        """Delete the records older than `before`; how many went."""
        ...
