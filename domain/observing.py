"""Seeing what was committed: a decorator on the Transactions port that hands each committed
write's change records to a ChangeObserver (metrics count provisioning by them). The records
are handed over after the commit returns, so a write that rolled back is never seen, and the
observer runs outside the transaction: a slow or failing observer delays no lock."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Protocol

from domain.audit import Change
from domain.ports import MembershipRepository, ResourceRepository, Transactions, UnitOfWork


class ChangeObserver(Protocol):
    def committed(self, changes: Sequence[Change]) -> None:
        """The change records of one write, just committed (never called for a rollback)."""
        ...


class _ObservedUnitOfWork:
    users: ResourceRepository
    groups: ResourceRepository
    memberships: MembershipRepository

    def __init__(self, inner: UnitOfWork, observer: ChangeObserver) -> None:
        self._inner, self._observer = inner, observer
        self._recorded: list[Change] = []

    def __enter__(self) -> _ObservedUnitOfWork:
        inner = self._inner.__enter__()
        self._inner = inner
        self.users, self.groups, self.memberships = inner.users, inner.groups, inner.memberships
        self._recorded = []
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._recorded = []
        self._inner.__exit__(exc_type, exc, tb)

    def repository(self, resource_type: str) -> ResourceRepository:
        return self._inner.repository(resource_type)

    def record(self, change: Change) -> None:
        self._inner.record(change)
        self._recorded.append(change)

    def commit(self) -> None:
        self._inner.commit()  # raises: nothing was committed, nothing is observed
        committed, self._recorded = self._recorded, []
        if committed:
            self._observer.committed(committed)


class ObservedTransactions:
    """`inner`'s units of work, each commit's change records handed to `observer`."""

    def __init__(self, inner: Transactions, observer: ChangeObserver) -> None:
        self._inner, self._observer = inner, observer

    def __call__(self, *, write: bool, snapshot: bool = False) -> UnitOfWork:
        return _ObservedUnitOfWork(self._inner(write=write, snapshot=snapshot), self._observer)


def observed(inner: Transactions, observer: ChangeObserver | None) -> Transactions:
    """`inner` itself without an observer (no cost when nothing watches), else observed."""
    return inner if observer is None else ObservedTransactions(inner, observer)
