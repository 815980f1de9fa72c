"""Rules the provisioning use cases share, on the in-memory adapters: the kind of unit of work
each one opens, compare-and-set on save, and how SyncGroupMembership counts, refuses and logs
member changes."""

from __future__ import annotations

import logging

import pytest

from adapters.memory.store import InMemoryTransactions
from domain.audit import REPLACE
from domain.errors import InvalidValue, PayloadTooLarge, PreconditionFailed
from domain.idp.policy import Policy
from domain.model import USER
from domain.patch.engine import PatchOp
from domain.provisioning.commands import (
    DeleteCommand,
    GetCommand,
    MemberInput,
    PatchCommand,
    WriteCommand,
)
from domain.provisioning.groups import CreateGroup, DeleteGroup, PatchGroup, ReplaceGroup
from domain.provisioning.membership import MemberPolicy, SyncGroupMembership
from domain.provisioning.reads import GetResource
from domain.provisioning.users import DeleteUser, PatchUser, ProvisionUser, ReplaceUser
from domain.provisioning.writes import commit_update
from domain.schema.registry import default_registry
from tests.fakes import FixedClock, Recording, ReversibleHasher, SequentialIds

REG = default_registry()


def _setup(tx: Recording) -> tuple[str, str]:
    clock, ids = FixedClock(), SequentialIds()
    uid = ProvisionUser(tx, REG.user, clock, ids, ReversibleHasher())(WriteCommand("idp", {"userName": "ann"}))
    cmd = WriteCommand("idp", {"displayName": "G"})
    gid = CreateGroup(tx, REG.group, clock, ids, SyncGroupMembership())(cmd)
    return uid.resource.id, gid.resource.id


_CLOCK, _HASHER, _SYNC = FixedClock(), ReversibleHasher(), SyncGroupMembership()
USE_CASES = {
    "get": (False, lambda tx, u, g: GetResource(tx)(GetCommand("idp", USER, u))),
    "replace user": (True, lambda tx, u, g: ReplaceUser(tx, REG.user, _CLOCK, _HASHER)(
        WriteCommand("idp", {"userName": "ann2"}, u))),
    "patch user": (True, lambda tx, u, g: PatchUser(tx, REG.user, _CLOCK, Policy(), _HASHER)(
        PatchCommand("idp", u, (PatchOp("replace", "title", "T", True),)))),
    "delete user": (True, lambda tx, u, g: DeleteUser(tx, _CLOCK)(DeleteCommand("idp", u))),
    "create group": (True, lambda tx, u, g: CreateGroup(tx, REG.group, _CLOCK, SequentialIds(), _SYNC)(
        WriteCommand("idp", {"displayName": "H"}, members=(MemberInput(u),)))),
    "replace group": (True, lambda tx, u, g: ReplaceGroup(tx, REG.group, _CLOCK, _SYNC)(
        WriteCommand("idp", {"displayName": "G2"}, g))),
    "patch group": (True, lambda tx, u, g: PatchGroup(tx, REG.group, _CLOCK, Policy(), _SYNC)(
        PatchCommand("idp", g, (PatchOp("add", "members", [{"value": u}], True),)))),
    "delete group": (True, lambda tx, u, g: DeleteGroup(tx, _CLOCK)(DeleteCommand("idp", g))),
}


@pytest.mark.parametrize("name", USE_CASES)
def test_each_use_case_opens_one_unit_of_work_of_its_kind(name):
    """SQLite takes its write lock up front only for a write unit of work (BEGIN IMMEDIATE): a
    write in a read one would upgrade its lock mid-way and fail under load; a read in a write
    one would serialize readers behind writers."""
    write, run = USE_CASES[name]
    tx = Recording()
    uid, gid = _setup(tx)
    tx.opened.clear()
    run(tx, uid, gid)
    assert tx.opened == [write]


class TestCompareAndSet:
    def test_an_update_is_refused_if_another_writer_saved_since_the_read(self):
        tx, clock = InMemoryTransactions(), FixedClock()
        uid = ProvisionUser(tx, REG.user, clock, SequentialIds(), ReversibleHasher())(
            WriteCommand("idp", {"userName": "ann"})).resource.id
        with tx(write=True) as uow:
            mine = uow.users.get(uid)
            with tx(write=True) as other:  # the store's lock is reentrant: a writer in between
                theirs = other.users.get(uid)
                theirs.data["title"] = "theirs"
                commit_update(other, theirs, "idp", REPLACE, ("title",), clock.now())
            mine.data["title"] = "mine"
            with pytest.raises(PreconditionFailed) as caught:
                commit_update(uow, mine, "idp", REPLACE, ("title",), clock.now())
        assert caught.value.detail == 'version mismatch: the resource is at W/"2"'
        stored = tx.store.users[uid]
        assert (stored.data["title"], stored.version) == ("theirs", 2)
        assert [c.operation for c in tx.store.changes] == ["create", REPLACE]


    def test_the_save_is_told_which_attributes_changed(self, monkeypatch):
        # a store rewrites only the side rows (emails) of the attributes named, and takes a
        # savepoint only when a unique one is among them: passing every name costs, not breaks
        tx, clock = InMemoryTransactions(), FixedClock()
        uid = ProvisionUser(tx, REG.user, clock, SequentialIds(), ReversibleHasher())(
            WriteCommand("idp", {"userName": "ann"})).resource.id
        told = []
        with tx(write=True) as uow:
            repo = uow.users
            real = repo.save
            monkeypatch.setattr(repo, "save", lambda r, v=None, changed=None: (told.append((v, changed)), real(r, v, changed)))
            mine = uow.users.get(uid)
            mine.data["title"] = "t"
            commit_update(uow, mine, "idp", REPLACE, ("title",), clock.now())
        assert told == [(1, ("title",))]


class Members:
    """A store with users u01..u03 and a group, and SyncGroupMembership.apply on it."""

    def __init__(self, members: tuple[str, ...] = (), **policy) -> None:
        self.tx, clock, ids = InMemoryTransactions(), FixedClock(), SequentialIds()
        self.clock = clock
        provision = ProvisionUser(self.tx, REG.user, clock, ids, ReversibleHasher())
        self.users = [provision(WriteCommand("idp", {"userName": f"u{i:02d}"})).resource.id for i in range(1, 4)]
        cmd = WriteCommand("idp", {"displayName": "G"}, members=tuple(MemberInput(self.users[i]) for i in members))
        self.gid = CreateGroup(self.tx, REG.group, clock, ids, SyncGroupMembership())(cmd).resource.id
        self.sync = SyncGroupMembership(MemberPolicy(**policy))

    def apply(self, *steps: tuple[str, list[int | str]]) -> bool:
        """Apply steps of (op, user indexes or literal ids), committing when they succeed."""
        with self.tx(write=True) as uow:
            changed = self.sync.apply(uow, self.gid, [
                (op, [{"value": self.users[i] if isinstance(i, int) else i} for i in items])
                for op, items in steps
            ], self.clock.now())
            uow.commit()
            return bool(changed)

    def members(self) -> set[str]:
        return set(self.tx.store.members.get(self.gid, set()))


class TestMemberChangeCap:
    @pytest.mark.parametrize(("members", "steps", "count"), [
        ((0,), [("add", [1, 2]), ("remove", [0])], 3),  # removes count, on top of adds
        ((0, 1), [("remove", [0, 1]), ("add", [2])], 3),  # adds count, on top of removes
        ((0, 1), [("replace", [2])], 3),  # a replace counts what it adds and what it removes
        ((0,), [("add", [1]), ("replace", [2])], 4),  # a replace counts on top of earlier steps
    ])
    def test_every_step_counts_against_the_cap_and_nothing_is_applied(self, members, steps, count):
        env = Members(members, max_changes=count - 1)
        before = env.members()
        with pytest.raises(PayloadTooLarge) as caught:
            env.apply(*steps)
        assert caught.value.detail == f"{count} member changes in one request; the limit is {count - 1}"
        assert env.members() == before

    def test_clearing_a_group_is_not_counted_against_the_cap(self):
        env = Members((0,), max_changes=1)
        assert env.apply(("add", [1]), ("replace", [])) is True
        assert env.members() == set()

    def test_a_group_cleared_by_an_earlier_step_has_changed(self):
        env = Members((0, 1))
        assert env.apply(("replace", []), ("replace", [])) is True

    def test_clearing_an_empty_group_changes_nothing(self):
        env = Members(())
        assert env.apply(("replace", [])) is False


UNKNOWN = [f"nobody-{i:02d}" for i in range(60, 0, -1)]  # 60 unknown ids, in reverse order


class TestUnknownMembers:
    @pytest.mark.parametrize("op", ["add", "replace"])
    def test_a_refusal_names_the_first_twenty_unknown_ids_in_order(self, op):
        env = Members()
        with pytest.raises(InvalidValue) as caught:
            env.apply((op, [0, *UNKNOWN[:21]]))
        assert caught.value.detail == "unknown member id(s): " + ", ".join(sorted(UNKNOWN[:21])[:20])
        assert env.members() == set()

    def test_with_the_ignore_policy_the_log_names_the_first_fifty_ignored_ids(self, caplog):
        env = Members(unknown="ignore")
        with caplog.at_level(logging.WARNING, logger="domain.provisioning.membership"):
            assert env.apply(("add", [0, *UNKNOWN])) is True
        (record,) = [r for r in caplog.records if r.name == "domain.provisioning.membership"]
        assert record.levelno == logging.WARNING
        assert record.getMessage() == "ignoring unknown member id(s): " + ", ".join(sorted(UNKNOWN)[:50])
        assert env.members() == {env.users[0]}

    def test_with_the_ignore_policy_a_short_list_is_logged_whole(self, caplog):
        env = Members(unknown="ignore")
        with caplog.at_level(logging.WARNING, logger="domain.provisioning.membership"):
            env.apply(("replace", ["nobody-b", 1, "nobody-a"]))
        assert [r.getMessage() for r in caplog.records] == ["ignoring unknown member id(s): nobody-a, nobody-b"]
        assert env.members() == {env.users[1]}

