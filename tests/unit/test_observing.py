"""domain/observing.py: the change records of a committed write reach the observer once, after
the commit; a write that rolls back, or whose commit fails, shows it nothing."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from adapters.memory.store import InMemoryTransactions
from domain.audit import Change
from domain.errors import Uniqueness
from domain.observing import ObservedTransactions, observed
from domain.provisioning.commands import MemberInput, WriteCommand
from domain.provisioning.groups import CreateGroup
from domain.provisioning.membership import SyncGroupMembership
from domain.provisioning.users import ProvisionUser
from domain.schema.registry import default_registry
from tests.fakes import FixedClock, ReversibleHasher, SequentialIds

REG = default_registry()


class Seen:
    def __init__(self) -> None:
        self.batches: list[list[tuple[str, str, int]]] = []

    def committed(self, changes: Sequence[Change]) -> None:
        self.batches.append([(c.resource_type, c.operation, len(c.members_added)) for c in changes])


def change(rid: str) -> Change:
    return Change(at=FixedClock().now(), principal="idp", operation="create", resource_type="User", resource_id=rid,
                  attributes=("userName",))


def test_without_an_observer_the_transactions_are_the_same_object():
    tx = InMemoryTransactions()
    assert observed(tx, None) is tx
    assert isinstance(observed(tx, Seen()), ObservedTransactions)


def test_the_use_cases_committed_writes_are_seen_and_a_refused_one_is_not():
    seen, inner = Seen(), InMemoryTransactions()
    tx = observed(inner, seen)
    clock, ids = FixedClock(), SequentialIds()
    provision = ProvisionUser(tx, REG.user, clock, ids, ReversibleHasher())
    uids = [provision(WriteCommand("idp", {"userName": f"u{i}"})).resource.id for i in range(2)]
    with pytest.raises(Uniqueness):
        provision(WriteCommand("idp", {"userName": "u0"}))
    members = tuple(MemberInput(u) for u in uids)
    CreateGroup(tx, REG.group, clock, ids, SyncGroupMembership())(WriteCommand("idp", {"displayName": "G"}, members=members))
    assert seen.batches == [[("User", "create", 0)], [("User", "create", 0)], [("Group", "create", 2)]]
    assert len(inner.store.changes) == 3  # what was seen is what was stored


def test_a_rolled_back_unit_of_work_shows_nothing():
    seen = Seen()
    tx = ObservedTransactions(InMemoryTransactions(), seen)
    with tx(write=True) as uow:
        uow.record(change("a"))  # left without commit: rolled back
    with pytest.raises(RuntimeError), tx(write=True) as uow:
        uow.record(change("b"))
        raise RuntimeError("a failure before the commit")
    with tx(write=True) as uow:
        uow.record(change("c"))
        uow.commit()
    assert seen.batches == [[("User", "create", 0)]]


class LostConnection:
    """A unit of work whose commit raises (the connection lost at the commit) until healed."""

    users = groups = memberships = None
    broken = True

    def __enter__(self) -> LostConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def record(self, change: Change) -> None:
        return None

    def commit(self) -> None:
        if LostConnection.broken:
            raise ConnectionError("gone")


def test_a_commit_that_fails_shows_nothing_and_a_later_commit_only_its_own():
    seen = Seen()
    tx = ObservedTransactions(lambda write, snapshot=False: LostConnection(), seen)  # type: ignore[arg-type,return-value]
    with tx(write=True) as uow:
        uow.record(change("a"))
        with pytest.raises(ConnectionError):
            uow.commit()
    assert seen.batches == []
    LostConnection.broken = False
    try:
        with tx(write=True) as uow:
            uow.record(change("b"))
            uow.commit()
            uow.commit()  # nothing new recorded: nothing new seen
    finally:
        LostConnection.broken = True
    assert seen.batches == [[("User", "create", 0)]]


def test_the_observed_unit_of_work_offers_the_inner_stores():
    tx = ObservedTransactions(InMemoryTransactions(), Seen())
    with tx(write=False) as uow:
        assert uow.repository("User") is uow.users and uow.repository("Group") is uow.groups
        assert uow.memberships is not None
