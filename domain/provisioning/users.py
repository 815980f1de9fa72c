"""User use cases: provision, replace, patch, delete (RFC 7644 §3.3, §3.5, §3.6). Deactivation
(`active` turned off by PUT or PATCH, as Okta and Entra do it) keeps the user and all its data,
and is recorded as the lifecycle event it is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.audit import CREATE, NO_MEMBERS, REPLACE, changed_attributes, lifecycle
from domain.errors import InvalidValue
from domain.idp.policy import Policy
from domain.model import USER, Resource
from domain.patch.engine import PatchResult
from domain.ports import Clock, IdGenerator, PasswordHasher, Transactions, UnitOfWork
from domain.provisioning.commands import View, WriteCommand
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


class ProvisionUser:
    """Create a user (RFC 7644 §3.3); userName is unique case-insensitively (409 uniqueness)."""

    def __init__(self, tx: Transactions, rtype: ResourceType, clock: Clock, ids: IdGenerator,
                 hasher: PasswordHasher) -> None:
        self._tx, self._rtype, self._clock, self._ids, self._hasher = tx, rtype, clock, ids, hasher

    def __call__(self, cmd: WriteCommand) -> View:
        check_required(self._rtype, cmd.attributes)
        hashed = self._hasher.hash(cmd.password) if cmd.password is not None else None
        now = self._clock.now()
        user = Resource(self._ids.new(), USER, dict(cmd.attributes), now, now, 1, hashed)
        with self._tx(write=True) as uow:
            uow.users.add(user)
            names = changed_attributes({}, user.data) + (("password",) if hashed else ())
            record_and_commit(uow, cmd.principal, CREATE, user, names, cmd.request_id)
        return View(user, groups=[])


class ReplaceUser:
    """Replace a user (PUT, RFC 7644 §3.5.1). Omitted readWrite attributes are cleared, except
    `password` and `active`, which keep their stored values. A PUT that changes nothing keeps
    the version and lastModified."""

    def __init__(self, tx: Transactions, rtype: ResourceType, clock: Clock, hasher: PasswordHasher) -> None:
        self._tx, self._rtype, self._clock, self._hasher = tx, rtype, clock, hasher

    def __call__(self, cmd: WriteCommand) -> View:
        assert cmd.resource_id is not None
        check_required(self._rtype, cmd.attributes)
        with self._tx(write=True) as uow:
            user = uow.users.get(cmd.resource_id)
            hashed = self._new_hash(user.password_hash, cmd.password)
            check_version(user, cmd.expected_version)
            new = dict(cmd.attributes)
            if "active" not in new and "active" in user.data:
                new["active"] = user.data["active"]
            check_immutable(self._rtype, user.data, new)
            names = changed_attributes(user.data, new) + (("password",) if hashed else ())
            if names:
                operation = lifecycle(REPLACE, user.data, new)
                user.data = new
                user.password_hash = hashed or user.password_hash
                commit_update(uow, user, cmd.principal, operation, names, self._clock.now(), cmd.request_id)
            return view_of(uow, user, cmd.related)

    def _new_hash(self, stored: str | None, password: str | None) -> str | None:
        """A hash for a new password; None when absent or equal to the stored one (Okta's PUT
        echoes what it last sent, which is not a change)."""
        if password is None or (stored is not None and self._hasher.verify(stored, password)):
            return None
        return self._hasher.hash(password)


class PatchUser(PatchResource):
    """PATCH a user; a new `password` is hashed, never stored as given."""

    def __init__(self, tx: Transactions, rtype: ResourceType, clock: Clock, policy: Policy,
                 hasher: PasswordHasher) -> None:
        super().__init__(tx, rtype, clock, policy)
        self._hasher = hasher

    def _operation(self, before: dict[str, Any], after: dict[str, Any]) -> str:
        return lifecycle(super()._operation(before, after), before, after)

    def _take_beside(self, data: dict[str, Any]) -> str | None:
        password = data.pop("password", None)
        if password is not None and not isinstance(password, str):
            raise InvalidValue("'password' must be a string")
        return password

    def _apply_beside(self, uow: UnitOfWork, resource: Resource, result: PatchResult,
                      beside: Any) -> Beside:
        if beside is None:
            return (), NO_MEMBERS
        resource.password_hash = self._hasher.hash(beside)
        return ("password",), NO_MEMBERS


class DeleteUser(DeleteResource):
    """Delete a user and its memberships; every group it belonged to gets a new version. Its
    groups are written before the user is locked: a group PATCH locks its group, then the users
    it references, so the two take their locks in one order and cannot deadlock."""

    kind = USER

    def _before_lock(self, uow: UnitOfWork, resource_id: str, now: datetime) -> frozenset[str]:
        groups = frozenset(g.value for g in uow.memberships.groups_of(resource_id))
        uow.groups.touch_many(sorted(groups), now)
        return groups

    def _cascade(self, uow: UnitOfWork, resource: Resource, touched: frozenset[str]) -> frozenset[str]:
        left = frozenset(uow.memberships.drop_member(resource.id))
        uow.groups.touch_many(sorted(left - touched), resource.last_modified)  # joined while we waited
        return left
