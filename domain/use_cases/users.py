"""User use cases: provision, replace, deactivate, delete (RFC 7644 §3.3, §3.5.1, §3.6)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.model import USER, Change, Resource, changed_attributes
from domain.ports import Clock, IdGenerator, PasswordHasher, Transactions
from domain.schema.attributes import ResourceType
from domain.use_cases.common import (
    DeleteCommand,
    View,
    WriteCommand,
    check_immutable,
    check_required,
    check_version,
)


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
            uow.record(Change(cmd.principal, "create", USER, user.id, names, now))
            uow.commit()
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
                user.data = new
                user.password_hash = hashed or user.password_hash
                user.touch(self._clock.now())
                uow.users.save(user, user.version - 1)  # compare-and-set on the version read
                uow.record(Change(cmd.principal, "replace", USER, user.id, names, user.last_modified))
                uow.commit()
            return View(user, groups=uow.memberships.groups_of(user.id) if cmd.related else None)

    def _new_hash(self, stored: str | None, password: str | None) -> str | None:
        """A hash for a new password; None when absent or equal to the stored one (Okta's PUT
        echoes what it last sent, which is not a change)."""
        if password is None or (stored is not None and self._hasher.verify(stored, password)):
            return None
        return self._hasher.hash(password)


@dataclass(frozen=True)
class DeactivateCommand:
    principal: str
    resource_id: str


class DeactivateUser:
    """Set active=false and keep the user and all its data (deactivation is not deletion)."""

    def __init__(self, tx: Transactions, clock: Clock) -> None:
        self._tx, self._clock = tx, clock

    def __call__(self, cmd: DeactivateCommand) -> View:
        with self._tx(write=True) as uow:
            user = uow.users.get(cmd.resource_id)
            if user.deactivate(self._clock.now()):
                uow.users.save(user, user.version - 1)  # compare-and-set on the version read
                uow.record(Change(cmd.principal, "deactivate", USER, user.id, ("active",), user.last_modified))
                uow.commit()
            return View(user, groups=uow.memberships.groups_of(user.id))


class DeleteUser:
    """Delete a user (RFC 7644 §3.6) and its memberships in the same transaction; every group it
    belonged to gets a new version. Later requests on it are 404."""

    def __init__(self, tx: Transactions, clock: Clock) -> None:
        self._tx, self._clock = tx, clock

    def __call__(self, cmd: DeleteCommand) -> None:
        with self._tx(write=True) as uow:
            user = uow.users.get(cmd.resource_id)
            check_version(user, cmd.expected_version)
            now = self._clock.now()
            groups = uow.memberships.drop_member(user.id)
            uow.groups.touch_many(groups, now)
            uow.users.delete(user.id)
            uow.record(Change(cmd.principal, "delete", USER, user.id, (), now))
            uow.commit()

