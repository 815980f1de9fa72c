"""Group use cases: create, replace, delete (RFC 7644 §3.3, §3.5.1, §3.6). Members go through
the membership port; nothing loads a whole group to change part of it."""

from __future__ import annotations

from collections.abc import Iterable

from domain.errors import InvalidValue, PayloadTooLarge
from domain.model import GROUP, Change, Resource, changed_attributes
from domain.ports import Clock, IdGenerator, Transactions, UnitOfWork
from domain.schema.attributes import ResourceType
from domain.use_cases.common import (
    DeleteCommand,
    MemberInput,
    View,
    WriteCommand,
    check_immutable,
    check_required,
    check_version,
)


def member_ids(members: Iterable[MemberInput]) -> list[str]:
    """Validate member references: Users only (Okta and Entra provision no nested groups); a
    member without `type` is a User."""
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
    write lock for minutes."""
    if count > limit:
        raise PayloadTooLarge(f"{count} member changes in one request; the limit is {limit}")


def check_members_exist(uow: UnitOfWork, ids: list[str]) -> None:
    missing = set(ids) - uow.users.existing(ids)
    if missing:
        raise InvalidValue(f"unknown member id(s): {', '.join(sorted(missing)[:20])}")


class CreateGroup:
    """Create a group with its initial members. displayName is required but not unique
    (RFC 7643 §8.7.1: uniqueness none; Entra allows duplicate names)."""

    def __init__(self, tx: Transactions, rtype: ResourceType, clock: Clock, ids: IdGenerator,
                 max_member_changes: int = 10_000) -> None:
        self._tx, self._rtype, self._clock, self._ids = tx, rtype, clock, ids
        self._max = max_member_changes

    def __call__(self, cmd: WriteCommand) -> View:
        check_required(self._rtype, cmd.attributes)
        members = member_ids(cmd.members or ())
        check_member_changes(len(members), self._max)
        now = self._clock.now()
        group = Resource(self._ids.new(), GROUP, dict(cmd.attributes), now, now)
        with self._tx(write=True) as uow:
            check_members_exist(uow, members)
            uow.groups.add(group)
            uow.memberships.add(group.id, members)
            names = changed_attributes({}, group.data) + (("members",) if members else ())
            uow.record(Change(cmd.principal, "create", GROUP, group.id, names, now))
            uow.commit()
            return View(group, members=uow.memberships.members(group.id) if cmd.related else None)


class ReplaceGroup:
    """Replace a group (PUT). Members given are made exact by a difference computed in the store;
    a body without `members` keeps them (RFC 7644 §3.5.1 lets the server treat an omitted
    attribute as not asserted, and wiping a large group by omission is the failure to avoid)."""

    def __init__(self, tx: Transactions, rtype: ResourceType, clock: Clock,
                 max_member_changes: int = 10_000) -> None:
        self._tx, self._rtype, self._clock, self._max = tx, rtype, clock, max_member_changes

    def __call__(self, cmd: WriteCommand) -> View:
        assert cmd.resource_id is not None
        check_required(self._rtype, cmd.attributes)
        members = member_ids(cmd.members) if cmd.members is not None else None
        with self._tx(write=True) as uow:
            group = uow.groups.get(cmd.resource_id)
            check_version(group, cmd.expected_version)
            check_immutable(self._rtype, group.data, cmd.attributes)
            names = changed_attributes(group.data, cmd.attributes)
            if members is not None:
                check_members_exist(uow, members)
                added, removed = uow.memberships.replace(group.id, members)
                check_member_changes(len(added) + len(removed), self._max)  # rolls back
                names += ("members",) if added or removed else ()
            if names:
                group.data = dict(cmd.attributes)
                group.touch(self._clock.now())
                uow.groups.save(group, group.version - 1)  # compare-and-set on the version read
                uow.record(Change(cmd.principal, "replace", GROUP, group.id, names, group.last_modified))
                uow.commit()
            return View(group, members=uow.memberships.members(group.id) if cmd.related else None)


class DeleteGroup:
    """Delete a group and its memberships in one transaction."""

    def __init__(self, tx: Transactions, clock: Clock) -> None:
        self._tx, self._clock = tx, clock

    def __call__(self, cmd: DeleteCommand) -> None:
        with self._tx(write=True) as uow:
            group = uow.groups.get(cmd.resource_id)
            check_version(group, cmd.expected_version)
            uow.memberships.drop_group(group.id)
            uow.groups.delete(group.id)
            uow.record(Change(cmd.principal, "delete", GROUP, group.id, (), self._clock.now()))
            uow.commit()



