"""Group membership (RFC 7643 §4.2 `members`): member references checked, changes applied through
the membership port as differences, so a change costs what it changes, never the group's size."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.audit import NO_MEMBERS, MemberDelta
from domain.errors import InvalidValue, PayloadTooLarge
from domain.idp.policy import IGNORE_AND_REPORT, Policy
from domain.ports import UnitOfWork
from domain.provisioning.commands import MemberInput

log = logging.getLogger(__name__)
Step = tuple[str, list[dict[str, Any]]]  # a PATCH engine membership step: (op, member values)
TOUCH_CHUNK = 2000  # member ids read at a time to touch a whole group's members


def touch_members(uow: UnitOfWork, group_id: str, now: datetime) -> None:
    """Every member of the group gets a new version: its read-only `groups` shows the group's
    name, so a rename or a deletion changes every member's representation (and ETag). Read by
    keyset pages, so no cursor stays open while the users are written."""
    after: str | None = None
    while chunk := uow.memberships.members(group_id, after=after, limit=TOUCH_CHUNK):
        uow.users.touch_many([m.value for m in chunk], now)
        after = chunk[-1].value


def member_ids(members: Iterable[MemberInput]) -> list[str]:
    """Validate member references: Users only (Okta and Entra provision no nested groups); a
    member without `type` is a User. Duplicates collapse, in order."""
    ids: dict[str, None] = {}
    for m in members:
        if m.type is not None and m.type.lower() == "group":
            raise InvalidValue(f"member '{m.value}' is a Group: nested groups are not supported")
        if m.type is not None and m.type.lower() != "user":
            raise InvalidValue(f"member '{m.value}' has an unknown type '{m.type}'")
        ids[m.value] = None
    return list(ids)


def check_member_changes(count: int, limit: int) -> None:
    """A configured cap on member changes per request (413), so one request cannot hold the
    write lock for minutes. Raised inside the unit of work, it rolls everything back."""
    if count > limit:
        raise PayloadTooLarge(f"{count} member changes in one request; the limit is {limit}")


@dataclass(frozen=True)
class MemberPolicy:
    """`unknown`: an unknown member id in a PATCH add is "reject" (400 naming the ids, nothing
    applied) or "ignore" (apply the rest, log the ids: Okta drops a whole group push on a 400).
    `max_changes`: cap on member changes per request (413)."""

    unknown: str = "reject"
    max_changes: int = 10_000

    @classmethod
    def of(cls, policy: Policy, max_changes: int) -> MemberPolicy:
        return cls("ignore" if policy.unknown_members == IGNORE_AND_REPORT else "reject", max_changes)


class SyncGroupMembership:
    """Brings a group's membership to what a request asks, inside the caller's unit of work:
    initial members (POST), an exact set (PUT, computed as a difference by the store), or a
    PATCH's add/remove/replace steps. Counts changes made, not values sent: Okta re-pushes
    whole groups, and an unchanged member is no change."""

    def __init__(self, policy: MemberPolicy | None = None) -> None:
        self.policy = policy or MemberPolicy()

    def initial(self, uow: UnitOfWork, group_id: str, members: list[str],
                now: datetime) -> MemberDelta:
        """Members of a new group; every one must exist (400 otherwise)."""
        self._require_existing(uow, members)
        added = uow.memberships.add(group_id, members)
        uow.users.touch_many(sorted(added), now)
        return MemberDelta(frozenset(added))

    def exactly(self, uow: UnitOfWork, group_id: str, members: list[str],
                now: datetime) -> MemberDelta:
        """Make the membership exactly `members` (PUT); what changed."""
        self._require_existing(uow, members)
        added, removed = uow.memberships.replace(group_id, members)
        check_member_changes(len(added) + len(removed), self.policy.max_changes)
        uow.users.touch_many(sorted(added | removed), now)
        return MemberDelta(frozenset(added), frozenset(removed))

    def apply(self, uow: UnitOfWork, group_id: str, steps: list[Step],
              now: datetime) -> MemberDelta:
        """A PATCH's membership steps, in order; what changed, net. Clearing a group is one
        statement whatever its size, so it is not counted against the cap. Each user whose
        membership changed gets a new version (its `groups` changed), once."""
        changes, changed, delta = 0, set[str](), NO_MEMBERS
        for op, items in steps:
            ids = member_ids(MemberInput(i["value"], i.get("type")) for i in items)
            if op == "remove":
                removed = uow.memberships.remove(group_id, ids)
                changes, changed = changes + len(removed), changed | removed
                delta = delta.then_removed(removed)
                continue
            ids = self._known(uow, ids)
            if op == "add":
                added = uow.memberships.add(group_id, ids)
                changes, changed = changes + len(added), changed | added
                delta = delta.then_added(added)
            else:
                added, removed = uow.memberships.replace(group_id, ids)
                changes += len(added) + (len(removed) if ids else 0)
                changed |= added | removed
                delta = delta.then_removed(removed).then_added(added)
            check_member_changes(changes, self.policy.max_changes)  # stop early: rolls back
        check_member_changes(changes, self.policy.max_changes)  # removes count too
        uow.users.touch_many(sorted(changed), now)
        return delta

    def _require_existing(self, uow: UnitOfWork, ids: list[str]) -> None:
        missing = set(ids) - uow.users.existing(ids)
        if missing:
            raise InvalidValue(f"unknown member id(s): {', '.join(sorted(missing)[:20])}")

    def _known(self, uow: UnitOfWork, ids: list[str]) -> list[str]:
        """The ids that exist; unknown ones are refused or logged, by policy."""
        existing = uow.users.existing(ids)
        missing = [i for i in ids if i not in existing]
        if missing and self.policy.unknown == "reject":
            raise InvalidValue(f"unknown member id(s): {', '.join(sorted(missing)[:20])}")
        if missing:
            log.warning("ignoring unknown member id(s): %s", ", ".join(sorted(missing)[:50]))
        return [i for i in ids if i in existing]
