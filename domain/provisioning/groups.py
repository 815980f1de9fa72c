"""Group use cases: create, replace, patch, delete (RFC 7644 §3.3, §3.5, §3.6). Members go through
SyncGroupMembership and the membership port; nothing loads a whole group to change part of it."""

from __future__ import annotations

from typing import Any

from domain.audit import CREATE, NO_MEMBERS, REPLACE, changed_attributes
from domain.idp.policy import Policy
from domain.model import GROUP, Resource
from domain.patch.engine import PatchResult
from domain.ports import Clock, IdGenerator, Transactions, UnitOfWork
from domain.provisioning.commands import View, WriteCommand
from domain.provisioning.membership import (
    SyncGroupMembership,
    check_member_changes,
    member_ids,
    touch_members,
)
from domain.provisioning.patching import Beside, PatchResource
from domain.provisioning.views import view_of
from domain.provisioning.writes import (
    DeleteResource,
    check_version,
    commit_update,
    record_and_commit,
)
from domain.schema.attributes import ResourceType
from domain.schema.rules import check_immutable, check_required


class CreateGroup:
    """Create a group with its initial members. displayName is required but not unique
    (RFC 7643 §8.7.1: uniqueness none; Entra allows duplicate names)."""

    def __init__(self, tx: Transactions, rtype: ResourceType, clock: Clock, ids: IdGenerator,
                 members: SyncGroupMembership) -> None:
        self._tx, self._rtype, self._clock, self._ids, self._sync = tx, rtype, clock, ids, members

    def __call__(self, cmd: WriteCommand) -> View:
        check_required(self._rtype, cmd.attributes)
        members = member_ids(cmd.members or ())
        check_member_changes(len(members), self._sync.policy.max_changes)
        now = self._clock.now()
        group = Resource(self._ids.new(), GROUP, dict(cmd.attributes), now, now)
        with self._tx(write=True) as uow:
            uow.groups.add(group)
            delta = self._sync.initial(uow, group.id, members, now)
            names = changed_attributes({}, group.data) + (("members",) if members else ())
            record_and_commit(uow, cmd.principal, CREATE, group, names, cmd.request_id, delta)
            return view_of(uow, group, cmd.related)


class ReplaceGroup:
    """Replace a group (PUT). Members given are made exact by a difference computed in the store;
    a body without `members` keeps them (RFC 7644 §3.5.1 lets the server treat an omitted
    attribute as not asserted, and wiping a large group by omission is the failure to avoid)."""

    def __init__(self, tx: Transactions, rtype: ResourceType, clock: Clock,
                 members: SyncGroupMembership) -> None:
        self._tx, self._rtype, self._clock, self._sync = tx, rtype, clock, members

    def __call__(self, cmd: WriteCommand) -> View:
        assert cmd.resource_id is not None
        check_required(self._rtype, cmd.attributes)
        members = member_ids(cmd.members) if cmd.members is not None else None
        with self._tx(write=True) as uow:
            group = uow.groups.get(cmd.resource_id)
            check_version(group, cmd.expected_version)
            check_immutable(self._rtype, group.data, cmd.attributes)
            names = changed_attributes(group.data, cmd.attributes)
            now = self._clock.now()
            if "displayName" in names:  # every member's `groups` shows the new name
                touch_members(uow, group.id, now)
            delta = NO_MEMBERS if members is None else self._sync.exactly(uow, group.id, members, now)
            if delta:
                names += ("members",)
            if names:
                group.data = dict(cmd.attributes)
                commit_update(uow, group, cmd.principal, REPLACE, names, now, cmd.request_id, delta)
            return view_of(uow, group, cmd.related)


class PatchGroup(PatchResource):
    """PATCH a group; member operations become membership steps applied as differences."""

    def __init__(self, tx: Transactions, rtype: ResourceType, clock: Clock, policy: Policy,
                 members: SyncGroupMembership) -> None:
        super().__init__(tx, rtype, clock, policy)
        self._sync = members

    def _apply_beside(self, uow: UnitOfWork, resource: Resource, result: PatchResult,
                      beside: Any) -> Beside:
        now = self._clock.now()
        if result.data.get("displayName") != resource.data.get("displayName"):
            touch_members(uow, resource.id, now)  # every member's `groups` shows the new name
        if not result.member_steps:
            return (), NO_MEMBERS
        delta = self._sync.apply(uow, resource.id, result.member_steps, now)
        return ("members",) if delta else (), delta


class DeleteGroup(DeleteResource):
    """Delete a group and its memberships; every member gets a new version (its `groups` lose it)."""

    kind = GROUP

    def _cascade(self, uow: UnitOfWork, resource: Resource, touched: frozenset[str]) -> frozenset[str]:
        touch_members(uow, resource.id, resource.last_modified)
        uow.memberships.drop_group(resource.id)
        return frozenset()
