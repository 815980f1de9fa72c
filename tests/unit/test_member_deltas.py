"""The members a group write gained and lost, net (domain.audit.MemberDelta), as its change
record keeps them: POST, PUT and PATCH, with a member added then removed by one PATCH in
neither list, and an unchanged re-push recording nothing."""

from __future__ import annotations

import pytest

from adapters.memory.store import InMemoryTransactions
from domain.audit import MemberDelta
from domain.idp.policy import Policy
from domain.patch.engine import PatchOp
from domain.provisioning.commands import MemberInput, PatchCommand, WriteCommand
from domain.provisioning.groups import CreateGroup, PatchGroup, ReplaceGroup
from domain.provisioning.membership import SyncGroupMembership
from domain.provisioning.users import ProvisionUser
from domain.schema.registry import default_registry
from tests.fakes import FixedClock, ReversibleHasher, SequentialIds

REG = default_registry()


def test_the_delta_algebra_is_net():
    d = MemberDelta().then_added({"a", "b"}).then_removed({"b", "c"})
    assert d == MemberDelta(frozenset({"a"}), frozenset({"c"}))
    assert d.then_added({"c"}) == MemberDelta(frozenset({"a"}), frozenset())
    assert not MemberDelta() and MemberDelta(removed=frozenset({"x"}))


class Env:
    def __init__(self) -> None:
        self.tx, self.clock, self.ids = InMemoryTransactions(), FixedClock(), SequentialIds()
        provision = ProvisionUser(self.tx, REG.user, self.clock, self.ids, ReversibleHasher())
        self.u = [provision(WriteCommand("idp", {"userName": f"u{i}"})).resource.id for i in range(4)]

    def last(self) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        c = self.tx.store.changes[-1]
        return c.operation, c.members_added, c.members_removed

    def create(self, *members: str) -> str:
        cmd = WriteCommand("idp", {"displayName": "G"}, members=tuple(MemberInput(m) for m in members))
        return CreateGroup(self.tx, REG.group, self.clock, self.ids, SyncGroupMembership())(cmd).resource.id

    def put(self, gid: str, *members: str) -> None:
        cmd = WriteCommand("idp", {"displayName": "G"}, gid, None, tuple(MemberInput(m) for m in members))
        ReplaceGroup(self.tx, REG.group, self.clock, SyncGroupMembership())(cmd)

    def patch(self, gid: str, *ops: PatchOp) -> None:
        PatchGroup(self.tx, REG.group, self.clock, Policy(), SyncGroupMembership())(
            PatchCommand("idp", gid, ops))


@pytest.fixture
def env() -> Env:
    return Env()


def add(*ids: str) -> PatchOp:
    return PatchOp("add", "members", [{"value": i} for i in ids], True)


def remove(member: str) -> PatchOp:
    return PatchOp("remove", f'members[value eq "{member}"]')


def test_a_new_group_records_its_members(env):
    env.create(env.u[1], env.u[0])
    assert env.last() == ("create", tuple(sorted(env.u[:2])), ())


def test_a_put_records_the_difference(env):
    gid = env.create(env.u[0], env.u[1])
    env.put(gid, env.u[1], env.u[2])
    assert env.last() == ("replace", (env.u[2],), (env.u[0],))
    count = len(env.tx.store.changes)
    env.put(gid, env.u[1], env.u[2])  # an unchanged re-push (Okta's habit) records nothing
    assert len(env.tx.store.changes) == count


def test_a_patch_records_the_net_change(env):
    gid = env.create(env.u[0])
    env.patch(gid, add(env.u[1], env.u[2]), remove(env.u[2]), remove(env.u[0]))
    assert env.last() == ("patch", (env.u[1],), (env.u[0],))
    env.patch(gid, PatchOp("replace", "members", [{"value": env.u[3]}], True))
    assert env.last() == ("patch", (env.u[3],), (env.u[1],))
    env.patch(gid, PatchOp("replace", "displayName", "H", True))
    assert env.last() == ("patch", (), ())


def test_deleting_a_user_records_each_group_losing_it_before_the_user_goes(env):
    from domain.provisioning.commands import DeleteCommand
    from domain.provisioning.groups import DeleteGroup
    from domain.provisioning.users import DeleteUser

    first, second, other = env.create(env.u[0], env.u[1]), env.create(env.u[0]), env.create(env.u[2])
    versions = {g: env.tx.store.changes[-1].at for g in (first, second)}
    count = len(env.tx.store.changes)
    DeleteUser(env.tx, env.clock)(DeleteCommand("idp", env.u[0], request_id="req-1"))
    new = env.tx.store.changes[count:]
    assert [(c.operation, c.resource_type, c.resource_id, c.attributes, c.members_added, c.members_removed)
            for c in new] == [("patch", "Group", g, ("members",), (), (env.u[0],)) for g in sorted((first, second))] + [
        ("delete", "User", env.u[0], (), (), ())]
    assert {c.request_id for c in new} == {"req-1"} and {c.principal for c in new} == {"idp"}
    assert other not in {c.resource_id for c in new} and all(c.at > versions[first] for c in new)
    count = len(env.tx.store.changes)
    DeleteGroup(env.tx, env.clock)(DeleteCommand("idp", first))  # a group's delete: its own record alone
    assert [(c.operation, c.resource_id) for c in env.tx.store.changes[count:]] == [("delete", first)]
