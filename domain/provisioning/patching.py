"""PATCH (RFC 7644 §3.5.2), the part Users and Groups share: all operations or none, the result
checked by the schema's rules before anything is saved."""

from __future__ import annotations

from typing import Any

from domain.audit import NO_MEMBERS, PATCH, MemberDelta, changed_attributes
from domain.idp.policy import Policy
from domain.model import Resource
from domain.patch.engine import PatchEngine, PatchResult
from domain.ports import Clock, Transactions, UnitOfWork
from domain.provisioning.commands import PatchCommand, View
from domain.provisioning.views import view_of
from domain.provisioning.writes import check_version, commit_update
from domain.schema.attributes import ResourceType
from domain.schema.rules import check_immutable, check_required
from domain.schema.validation import conform

# what changed beside the attributes: the names (a password, members) and the members' delta
Beside = tuple[tuple[str, ...], MemberDelta]


class PatchResource:
    """Applies a PATCH to one resource type; PatchUser and PatchGroup add what lives beside the
    attributes (a password hash, memberships). The engine and the rules are built once."""

    def __init__(self, tx: Transactions, rtype: ResourceType, clock: Clock, policy: Policy) -> None:
        self._tx, self._rtype, self._clock, self._policy = tx, rtype, clock, policy
        self._engine = PatchEngine(rtype, policy)

    def __call__(self, cmd: PatchCommand) -> View:
        with self._tx(write=True) as uow:
            resource = uow.repository(self._rtype.name).get(cmd.resource_id)
            check_version(resource, cmd.expected_version)
            result = self._engine.apply(resource.id, resource.data, list(cmd.operations))
            beside = self._take_beside(result.data)
            data = conform(self._rtype, result.data, self._policy)
            check_required(self._rtype, data)
            check_immutable(self._rtype, resource.data, data)
            names = changed_attributes(resource.data, data)
            more, delta = self._apply_beside(uow, resource, result, beside)
            names += more
            if names:
                operation = self._operation(resource.data, data)
                resource.data = data
                commit_update(uow, resource, cmd.principal, operation, names, self._clock.now(),
                              cmd.request_id, delta)
            return view_of(uow, resource, cmd.related)

    def _operation(self, before: dict[str, Any], after: dict[str, Any]) -> str:
        return PATCH

    def _take_beside(self, data: dict[str, Any]) -> Any:
        """Take out of the patched attributes what is not stored with them (before the rules)."""
        return None

    def _apply_beside(self, uow: UnitOfWork, resource: Resource, result: PatchResult,
                      beside: Any) -> Beside:
        """Apply what lives beside the attributes; the names of what changed, and the delta of
        the members."""
        return (), NO_MEMBERS
