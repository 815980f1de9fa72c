"""PATCH a User or Group (RFC 7644 §3.5.2): all operations or none, validated before commit;
member changes go through the membership port and cost what they change."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from domain.errors import InvalidValue
from domain.idp.policy import Policy
from domain.model import GROUP, USER, Change, changed_attributes
from domain.patch.engine import PatchEngine, PatchOp
from domain.ports import Clock, PasswordHasher, ResourceValidator, Transactions, UnitOfWork
from domain.schema.registry import Registry
from domain.use_cases.common import (
    MemberInput,
    View,
    check_immutable,
    check_required,
    check_version,
)
from domain.use_cases.groups import check_member_changes, member_ids

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PatchCommand:
    principal: str
    resource_type: str
    resource_id: str
    operations: tuple[PatchOp, ...]
    expected_version: int | None = None
    related: bool = True  # whether the response needs the user's groups / the group's members


@dataclass(frozen=True)
class MemberPolicy:
    """`unknown`: an unknown member id in an add is "reject" (400 naming the ids, nothing applied)
    or "ignore" (apply the rest, log the ids: Okta drops a whole group push on a 400).
    `max_changes`: cap on member changes per request (413)."""

    unknown: str = "reject"
    max_changes: int = 10_000


class PatchResource:
    def __init__(self, tx: Transactions, registry: Registry, clock: Clock, hasher: PasswordHasher,
                 validator: ResourceValidator, policy: Policy | None = None,
                 members: MemberPolicy | None = None) -> None:
        self._tx, self._registry, self._clock, self._hasher = tx, registry, clock, hasher
        self._validator, self._policy, self._members = validator, policy or Policy(), members or MemberPolicy()

    def __call__(self, cmd: PatchCommand) -> View:
        rtype = self._registry.by_name(cmd.resource_type)
        engine = PatchEngine(rtype, self._policy)
        with self._tx(write=True) as uow:
            repo = uow.users if cmd.resource_type == USER else uow.groups
            resource = repo.get(cmd.resource_id)
            check_version(resource, cmd.expected_version)
            result = engine.apply(resource.id, resource.data, list(cmd.operations))
            password = result.data.pop("password", None)
            if password is not None and not isinstance(password, str):
                raise InvalidValue("'password' must be a string")
            data = self._validator.validate(rtype, result.data)
            check_required(rtype, data)
            check_immutable(rtype, resource.data, data)
            names = changed_attributes(resource.data, data)
            if result.member_steps and self._apply_members(uow, resource.id, result.member_steps):
                names += ("members",)
            if password is not None:
                resource.password_hash = self._hasher.hash(password)
                names += ("password",)
            if names:
                resource.data = data
                resource.touch(self._clock.now())
                repo.save(resource, resource.version - 1)  # compare-and-set on the version read
                uow.record(Change(cmd.principal, "patch", cmd.resource_type, resource.id, names,
                                  resource.last_modified))
                uow.commit()
            if not cmd.related:
                return View(resource)
            if cmd.resource_type == GROUP:
                return View(resource, members=uow.memberships.members(resource.id))
            return View(resource, groups=uow.memberships.groups_of(resource.id))

    def _apply_members(self, uow: UnitOfWork, group_id: str, steps: list[tuple[str, list[dict[str, Any]]]]) -> bool:
        changes, cleared = 0, False  # what changed, not what was sent: Okta re-pushes whole groups
        for op, items in steps:
            ids = member_ids(MemberInput(i["value"], i.get("type")) for i in items)
            if op == "remove":
                changes += len(uow.memberships.remove(group_id, ids))
                continue
            ids = self._known(uow, ids)
            if op == "add":
                changes += len(uow.memberships.add(group_id, ids))
            else:
                added, removed = uow.memberships.replace(group_id, ids)
                # clearing a group is one statement, whatever its size: not capped
                changes += len(added) + (len(removed) if ids else 0)
                cleared |= not ids and bool(removed)
            check_member_changes(changes, self._members.max_changes)  # raising rolls back
        check_member_changes(changes, self._members.max_changes)
        return changes > 0 or cleared

    def _known(self, uow: UnitOfWork, ids: list[str]) -> list[str]:
        existing = uow.users.existing(ids)
        missing = [i for i in ids if i not in existing]
        if missing and self._members.unknown == "reject":
            raise InvalidValue(f"unknown member id(s): {', '.join(sorted(missing)[:20])}")
        if missing:
            log.warning("ignoring unknown member id(s): %s", ", ".join(sorted(missing)[:50]))
        return [i for i in ids if i in existing]
