"""The one write path every update shares: If-Match, then save with compare-and-set on the
version read, a change record, commit."""

from __future__ import annotations

from datetime import datetime

from domain.audit import Change
from domain.errors import PreconditionFailed
from domain.model import Resource
from domain.ports import UnitOfWork
from domain.provisioning.commands import Versions


def check_version(resource: Resource, expected: Versions) -> None:
    """If-Match (RFC 7644 §3.14): the stored version must be (one of) the client's."""
    if expected is None:
        return
    if resource.version not in (expected if isinstance(expected, tuple) else (expected,)):
        raise PreconditionFailed(f"version mismatch: the resource is at {resource.etag}")


def commit_update(uow: UnitOfWork, resource: Resource, principal: str, operation: str,
                  names: tuple[str, ...], now: datetime) -> None:
    """Save `resource` (its new state already set) as the next version of the one read in this
    unit of work, record the change and commit. The store refuses the save (PreconditionFailed)
    if another writer saved since the read."""
    read_version = resource.version
    resource.touch(now)
    uow.repository(resource.resource_type).save(resource, read_version)
    record_and_commit(uow, principal, operation, resource, names)


def record_and_commit(uow: UnitOfWork, principal: str, operation: str, resource: Resource,
                      names: tuple[str, ...]) -> None:
    """Record what a write did and commit it with the change record."""
    uow.record(Change(principal, operation, resource.resource_type, resource.id, names,
                      resource.last_modified))
    uow.commit()
