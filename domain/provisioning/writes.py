"""The write paths every use case shares: an update saves with compare-and-set on the version
read, a delete removes the resource and what goes with it; both record the change and commit."""

from __future__ import annotations

from datetime import datetime

from domain.audit import DELETE, NO_MEMBERS, PATCH, Change, MemberDelta
from domain.errors import PreconditionFailed
from domain.model import GROUP, Resource
from domain.ports import Clock, Transactions, UnitOfWork
from domain.provisioning.commands import DeleteCommand, Versions


def check_version(resource: Resource, expected: Versions) -> None:
    """If-Match (RFC 7644 §3.14): the stored version must be (one of) the client's."""
    if expected is None:
        return
    if resource.version not in (expected if isinstance(expected, tuple) else (expected,)):
        raise PreconditionFailed(f"version mismatch: the resource is at {resource.etag}")


def commit_update(uow: UnitOfWork, resource: Resource, principal: str, operation: str,
                  names: tuple[str, ...], now: datetime, request_id: str | None = None,
                  members: MemberDelta = NO_MEMBERS) -> None:
    """Save `resource` (its new state already set) as the next version of the one read in this
    unit of work, record the change and commit. The store refuses the save (PreconditionFailed)
    if another writer saved since the read."""
    read_version = resource.version
    resource.touch(now)
    uow.repository(resource.resource_type).save(resource, read_version, names)
    record_and_commit(uow, principal, operation, resource, names, request_id, members)


def record_and_commit(uow: UnitOfWork, principal: str, operation: str, resource: Resource,
                      names: tuple[str, ...], request_id: str | None = None,
                      members: MemberDelta = NO_MEMBERS) -> None:
    """Record what a write did (with the members a group gained and lost) and commit it with
    the change record."""
    uow.record(Change(principal, operation, resource.resource_type, resource.id, names,
                      resource.last_modified, request_id,
                      tuple(sorted(members.added)), tuple(sorted(members.removed))))
    uow.commit()


class DeleteResource:
    """DELETE (RFC 7644 §3.6) of one resource type in one transaction, with what goes with it
    (`_cascade`: memberships); later requests on it are 404."""

    kind: str

    def __init__(self, tx: Transactions, clock: Clock) -> None:
        self._tx, self._clock = tx, clock

    def __call__(self, cmd: DeleteCommand) -> None:
        with self._tx(write=True) as uow:
            repo = uow.repository(self.kind)
            now = self._clock.now()
            touched = self._before_lock(uow, cmd.resource_id, now)
            resource = repo.get(cmd.resource_id)
            check_version(resource, cmd.expected_version)
            resource.last_modified = now
            for group_id in sorted(self._cascade(uow, resource, touched)):  # each group's own record
                uow.record(Change(cmd.principal, PATCH, GROUP, group_id, ("members",), now, cmd.request_id,
                                  (), (resource.id,)))
            repo.delete(resource.id)
            record_and_commit(uow, cmd.principal, DELETE, resource, (), cmd.request_id)

    def _before_lock(self, uow: UnitOfWork, resource_id: str, now: datetime) -> frozenset[str]:
        """What must be written before the resource's row is locked (the lock order): the ids
        of the related resources it touched, handed to `_cascade`."""
        return frozenset()

    def _cascade(self, uow: UnitOfWork, resource: Resource, touched: frozenset[str]) -> frozenset[str]:
        """Remove what belongs to the resource, before it goes; the ids of the groups that lost
        it as a member (each gets a change record of its own, so a follower of the change feed
        sees a group lose a member however it happened)."""
        return frozenset()
