"""A group PATCH that adds a user at the moment the user is deleted (Okta pushes a group while
another job deprovisions): the PATCH follows the unknown-member policy (ignore-and-report by
default: 200, the vanished member left out; reject: 400 naming it), never fails on a foreign key
it checked itself, and the two never deadlock, also when the user was a member already. On
PostgreSQL a quarter of such PATCHes were a 400 before `existing` held the users it found FOR
KEY SHARE and DeleteUser wrote its groups before locking the user (one lock order)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.uow import SqlTransactions
from domain.errors import InvalidValue
from domain.idp.policy import Policy
from domain.patch.engine import PatchOp
from domain.provisioning.commands import DeleteCommand, MemberInput, PatchCommand, WriteCommand
from domain.provisioning.groups import CreateGroup, PatchGroup
from domain.provisioning.membership import MemberPolicy, SyncGroupMembership
from domain.provisioning.users import DeleteUser, ProvisionUser
from tests.contract.conftest import REGISTRY, SQL_BACKENDS
from tests.fakes import FixedClock, ReversibleHasher, SequentialIds

ROUNDS = 40


def race(*jobs: Callable[[], None]) -> list[BaseException]:
    """Run the jobs at once (a barrier), the errors they raised."""
    start, errors, lock = threading.Barrier(len(jobs)), [], threading.Lock()

    def run(job: Callable[[], None]) -> None:
        start.wait()
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - every error is the test's finding
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a deadlock: the threads never finished"
    return errors


class Service:
    def __init__(self, tx: SqlTransactions, unknown: str) -> None:
        self.tx, clock, self.ids = tx, FixedClock(), SequentialIds()
        members = SyncGroupMembership(MemberPolicy(unknown=unknown))
        self.provision = ProvisionUser(tx, REGISTRY.user, clock, self.ids, ReversibleHasher())
        self.create_group = CreateGroup(tx, REGISTRY.group, clock, self.ids, members)
        self.patch = PatchGroup(tx, REGISTRY.group, clock, Policy(), members)
        self.delete = DeleteUser(tx, clock)

    def user(self, name: str) -> str:
        return self.provision(WriteCommand("idp", {"userName": name})).resource.id

    def add(self, group: str, *users: str) -> Callable[[], None]:
        op = PatchOp("add", "members", [{"value": u} for u in users], True)
        return lambda: self.patch(PatchCommand("okta", group, (op,)))

    def remove_user(self, user: str) -> Callable[[], None]:
        return lambda: self.delete(DeleteCommand("job", user))

    def members(self, group: str) -> set[str]:
        with self.tx(write=False) as uow:
            return {m.value for m in uow.memberships.members(group)}


@pytest.mark.parametrize("sql_url", SQL_BACKENDS, indirect=True)
@pytest.mark.parametrize("already_member", [False, True], ids=["new-member", "already-member"])
def test_adding_a_user_while_it_is_deleted_follows_the_policy_and_never_deadlocks(
        sql_url: str, already_member: bool) -> None:
    engine = make_engine(sql_url)
    try:
        svc = Service(SqlTransactions(engine, REGISTRY), unknown="ignore")
        for i in range(ROUNDS):
            doomed, other = svc.user(f"doomed-{i}"), svc.user(f"other-{i}")
            initial = (MemberInput(doomed),) if already_member else ()
            group = svc.create_group(WriteCommand("idp", {"displayName": f"g{i}"}, members=initial)).resource.id
            errors = race(svc.add(group, doomed, other), svc.remove_user(doomed))
            assert errors == [], errors
            members = svc.members(group)
            assert members == {other}  # the deleted user is nowhere, the other one was added
    finally:
        engine.dispose()


@pytest.mark.parametrize("sql_url", SQL_BACKENDS, indirect=True)
def test_with_the_reject_policy_a_vanished_member_is_a_400_naming_it_and_nothing_else(sql_url: str) -> None:
    engine = make_engine(sql_url)
    try:
        svc = Service(SqlTransactions(engine, REGISTRY), unknown="reject")
        for i in range(ROUNDS // 2):
            doomed, other = svc.user(f"doomed-{i}"), svc.user(f"other-{i}")
            group = svc.create_group(WriteCommand("idp", {"displayName": f"g{i}"})).resource.id
            errors = race(svc.add(group, doomed, other), svc.remove_user(doomed))
            assert all(isinstance(e, InvalidValue) and doomed in e.detail for e in errors), errors
            assert svc.members(group) == (set() if errors else {other})
    finally:
        engine.dispose()
