"""PatchUser and PatchGroup on the in-memory adapters: validation before commit, all-or-nothing, versions,
passwords, and group members through the membership port."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.memory.store import InMemoryTransactions
from domain.errors import (
    DomainError,
    InvalidPath,
    InvalidValue,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    Uniqueness,
)
from domain.idp.policy import Policy
from domain.model import GROUP, USER
from domain.patch.engine import PatchOp
from domain.provisioning.commands import GetCommand, MemberInput, PatchCommand, View, WriteCommand
from domain.provisioning.groups import CreateGroup, PatchGroup
from domain.provisioning.membership import MemberPolicy, SyncGroupMembership
from domain.provisioning.reads import GetResource
from domain.provisioning.users import PatchUser, ProvisionUser
from domain.schema.core import ENTERPRISE_USER_SCHEMA as ENT
from domain.schema.registry import default_registry
from tests.fakes import FixedClock, ReversibleHasher, SequentialIds

REG = default_registry()
_ABSENT = object()


def op(name: str, path: str | None = None, value: Any = _ABSENT) -> PatchOp:
    if value is _ABSENT:
        return PatchOp(name, path)
    return PatchOp(name, path, value, True)


class Env:
    """A store with three users (ann, bob, cid) and the use cases to drive it."""

    def __init__(self) -> None:
        self.tx, self.clock, self.ids, self.hasher = InMemoryTransactions(), FixedClock(), SequentialIds(), ReversibleHasher()
        self.ann, self.bob, self.cid = (self.user(n).id for n in ("ann", "bob", "cid"))

    def user(self, name: str, password: str | None = None, **attrs: Any):
        cmd = WriteCommand("idp", {"userName": name, **attrs}, password=password)
        return ProvisionUser(self.tx, REG.user, self.clock, self.ids, self.hasher)(cmd).resource

    def group(self, name: str = "Staff", members: tuple[str, ...] = ()):
        cmd = WriteCommand("idp", {"displayName": name}, members=tuple(MemberInput(m) for m in members))
        return CreateGroup(self.tx, REG.group, self.clock, self.ids, SyncGroupMembership())(cmd).resource

    def patch(self, kind: str, rid: str, *ops: PatchOp, version: int | None = None,
              policy: Policy | None = None, members: MemberPolicy | None = None) -> View:
        policy = policy or Policy()
        if kind == USER:
            use_case: PatchUser | PatchGroup = PatchUser(self.tx, REG.user, self.clock, policy, self.hasher)
        else:
            use_case = PatchGroup(self.tx, REG.group, self.clock, policy, SyncGroupMembership(members))
        return use_case(PatchCommand("idp", rid, tuple(ops), version))

    def get(self, kind: str, rid: str) -> View:
        return GetResource(self.tx)(GetCommand("idp", kind, rid))

    def snapshot(self, kind: str, rid: str) -> tuple[Any, ...]:
        view = self.get(kind, rid)
        r = view.resource
        return r.data, r.version, r.last_modified, r.password_hash, view.members, view.groups


@pytest.fixture
def env() -> Env:
    return Env()


class TestPatchingAUser:
    def test_a_change_is_stored_and_bumps_version_and_last_modified(self, env):
        before = env.get(USER, env.ann).resource
        view = env.patch(USER, env.ann, op("replace", "displayName", "Ann A."))
        stored = env.get(USER, env.ann).resource
        assert view.resource.data["displayName"] == stored.data["displayName"] == "Ann A."
        assert stored.version == before.version + 1 == view.resource.version
        assert stored.last_modified > before.last_modified
        assert stored.created == before.created

    @pytest.mark.parametrize("ops", [
        [op("replace", "userName", "ann")],
        [op("remove", "title")],
        [op("remove", f"{ENT}:manager")],
        [op("remove", 'emails[type eq "home"]')],
        [op("replace", None, {"userName": "ann"})],
        [op("add", "title", "T"), op("remove", "title")],
    ])
    def test_a_patch_that_changes_nothing_keeps_version_and_last_modified(self, env, ops):
        before = env.snapshot(USER, env.ann)
        env.patch(USER, env.ann, *ops)
        assert env.snapshot(USER, env.ann) == before

    def test_adding_an_e_mail_already_there_keeps_the_version(self, env):
        uid = env.user("dee", emails=[{"value": "d@example.com", "type": "work", "primary": True}]).id
        before = env.snapshot(USER, uid)
        env.patch(USER, uid, op("add", "emails", [{"value": "d@example.com", "type": "work", "primary": True}]))
        assert env.snapshot(USER, uid) == before

    @pytest.mark.parametrize(("sent", "stored"), [("False", False), ("True", True), ("false", False),
                                                   ("TRUE", True), (False, False)])
    def test_string_booleans_for_active_are_stored_as_booleans(self, env, sent, stored):
        env.patch(USER, env.ann, op("Replace", "active", sent))
        assert env.get(USER, env.ann).resource.data["active"] is stored

    def test_a_repeated_active_true_keeps_the_version(self, env):
        env.patch(USER, env.ann, op("replace", "active", True))
        before = env.snapshot(USER, env.ann)
        env.patch(USER, env.ann, op("Replace", "active", "True"))
        assert env.snapshot(USER, env.ann) == before

    def test_a_non_boolean_active_is_invalid_value_and_changes_nothing(self, env):
        before = env.snapshot(USER, env.ann)
        with pytest.raises(InvalidValue):
            env.patch(USER, env.ann, op("replace", "active", "maybe"))
        assert env.snapshot(USER, env.ann) == before

    def test_a_stale_version_is_refused_and_changes_nothing(self, env):
        env.patch(USER, env.ann, op("replace", "title", "one"))
        before = env.snapshot(USER, env.ann)
        with pytest.raises(PreconditionFailed):
            env.patch(USER, env.ann, op("replace", "title", "two"), version=1)
        assert env.snapshot(USER, env.ann) == before

    def test_the_current_version_is_accepted(self, env):
        assert env.patch(USER, env.ann, op("replace", "title", "T"), version=1).resource.version == 2

    def test_an_unknown_id_is_not_found(self, env):
        with pytest.raises(NotFound):
            env.patch(USER, "nobody", op("replace", "title", "T"))

    def test_removing_the_user_name_is_invalid_value_and_changes_nothing(self, env):
        before = env.snapshot(USER, env.ann)
        with pytest.raises(InvalidValue, match="userName"):
            env.patch(USER, env.ann, op("remove", "userName"))
        assert env.snapshot(USER, env.ann) == before

    def test_renaming_to_a_taken_user_name_is_uniqueness_and_changes_nothing(self, env):
        before = env.snapshot(USER, env.ann)
        with pytest.raises(Uniqueness):
            env.patch(USER, env.ann, op("replace", "title", "T"), op("replace", "userName", "BOB"))
        assert env.snapshot(USER, env.ann) == before

    def test_a_change_is_recorded_with_the_attributes_it_changed(self, env):
        env.patch(USER, env.ann, op("replace", "title", "T"), op("add", "nickName", "N"))
        change = env.tx.store.changes[-1]
        assert (change.operation, change.resource_type, change.resource_id) == ("patch", USER, env.ann)
        assert set(change.attributes) == {"title", "nickName"}

    def test_a_patch_that_changes_nothing_records_no_change(self, env):
        count = len(env.tx.store.changes)
        env.patch(USER, env.ann, op("remove", "title"))
        assert len(env.tx.store.changes) == count

    def test_a_new_primary_sent_as_the_string_true_becomes_the_only_primary(self, env):
        uid = env.user("dee", emails=[{"value": "old@example.com", "type": "work", "primary": True}]).id
        env.patch(USER, uid, op("add", "emails", [{"value": "new@example.com", "type": "home", "primary": "True"}]))
        emails = env.get(USER, uid).resource.data["emails"]
        assert [e["value"] for e in emails if e.get("primary") is True] == ["new@example.com"]

    def test_a_value_made_primary_through_a_filter_with_the_string_true_becomes_the_only_primary(self, env):
        uid = env.user("dee", emails=[{"value": "old@example.com", "type": "work", "primary": True},
                                      {"value": "new@example.com", "type": "home"}]).id
        env.patch(USER, uid, op("Replace", 'emails[type eq "home"].primary', "True"))
        emails = env.get(USER, uid).resource.data["emails"]
        assert [e["value"] for e in emails if e.get("primary") is True] == ["new@example.com"]


class TestPasswords:
    @pytest.mark.parametrize("ops", [
        [op("replace", "password", "n3w-Secret")],
        [op("replace", None, {"password": "n3w-Secret"})],
        [op("add", "PASSWORD", "n3w-Secret")],
    ])
    def test_a_patched_password_is_stored_hashed_and_never_in_the_attributes(self, env, ops):
        view = env.patch(USER, env.ann, *ops)
        stored = env.tx.store.users[env.ann]
        assert stored.password_hash == env.hasher.hash("n3w-Secret")
        assert "password" not in stored.data and "password" not in view.resource.data
        assert "n3w-Secret" not in repr(stored.data)

    def test_a_password_change_bumps_the_version(self, env):
        assert env.patch(USER, env.ann, op("replace", "password", "x")).resource.version == 2

    def test_a_password_with_other_changes_stores_both(self, env):
        env.patch(USER, env.ann, op("replace", None, {"password": "pw", "title": "T"}))
        stored = env.tx.store.users[env.ann]
        assert stored.password_hash == env.hasher.hash("pw") and stored.data["title"] == "T"

    @pytest.mark.parametrize("value", [5, True, ["pw"], {"value": "pw"}])
    def test_a_password_that_is_not_a_string_is_invalid_value_and_changes_nothing(self, env, value):
        uid = env.user("dee", password="old").id
        before = env.snapshot(USER, uid)
        with pytest.raises(InvalidValue):
            env.patch(USER, uid, op("replace", "password", value))
        assert env.snapshot(USER, uid) == before

    def test_a_password_that_is_not_a_string_says_so(self, env):
        with pytest.raises(InvalidValue) as caught:
            env.patch(USER, env.ann, op("replace", "password", 5))
        assert caught.value.detail == "'password' must be a string"

    def test_a_password_change_is_recorded_as_a_password_change_and_nothing_else(self, env):
        env.patch(USER, env.ann, op("replace", "password", "n3w-Secret"))
        assert env.tx.store.changes[-1].attributes == ("password",)

    def test_a_failed_patch_keeps_the_old_password(self, env):
        uid = env.user("dee", password="old").id
        with pytest.raises(InvalidPath):
            env.patch(USER, uid, op("replace", "password", "new"), op("replace", "nosuch", "x"))
        assert env.tx.store.users[uid].password_hash == env.hasher.hash("old")


class TestAtomicity:
    @pytest.mark.parametrize("failing", [
        op("replace", "nosuch", "x"),
        op("move", "title", "x"),
        op("replace", "id", "other"),
        op("add", "groups", [{"value": "g"}]),
        op("remove"),
        op("replace", "active", "maybe"),
        op("remove", "userName"),
    ])
    def test_when_a_later_operation_fails_no_earlier_one_is_applied(self, env, failing):
        before = env.snapshot(USER, env.ann)
        with pytest.raises(DomainError):
            env.patch(USER, env.ann, op("replace", "displayName", "Changed"), op("add", "title", "T"),
                      op("replace", "password", "pw"), failing)
        assert env.snapshot(USER, env.ann) == before

    def test_when_a_member_step_fails_the_attributes_and_earlier_members_are_not_applied(self, env):
        gid = env.group(members=(env.ann,)).id
        before = env.snapshot(GROUP, gid)
        with pytest.raises(InvalidValue, match="nobody"):
            env.patch(GROUP, gid, op("replace", "displayName", "Renamed"),
                      op("remove", f'members[value eq "{env.ann}"]'),
                      op("add", "members", [{"value": env.bob}]),
                      op("add", "members", [{"value": "nobody"}]))
        assert env.snapshot(GROUP, gid) == before
        assert env.get(USER, env.bob).groups == [] and [g.value for g in env.get(USER, env.ann).groups] == [gid]

    def test_nothing_is_recorded_for_a_failed_patch(self, env):
        count = len(env.tx.store.changes)
        with pytest.raises(InvalidPath):
            env.patch(USER, env.ann, op("replace", "title", "T"), op("replace", "nosuch", "x"))
        assert len(env.tx.store.changes) == count


class TestGroupMembers:
    def test_add_makes_them_members_and_bumps_the_group_version(self, env):
        gid = env.group().id
        view = env.patch(GROUP, gid, op("add", "members", [{"value": env.ann}, {"value": env.bob}]))
        assert [m.value for m in view.members] == sorted([env.ann, env.bob])
        assert view.resource.version == 2 == env.get(GROUP, gid).resource.version
        assert "members" in env.tx.store.changes[-1].attributes

    def test_add_of_existing_members_is_idempotent_and_keeps_the_version(self, env):
        gid = env.group(members=(env.ann,)).id
        before = env.snapshot(GROUP, gid)
        view = env.patch(GROUP, gid, op("add", "members", [{"value": env.ann}]))
        assert [m.value for m in view.members] == [env.ann]
        assert env.snapshot(GROUP, gid) == before

    def test_add_of_one_new_and_one_existing_member(self, env):
        gid = env.group(members=(env.ann,)).id
        view = env.patch(GROUP, gid, op("add", "members", [{"value": env.ann}, {"value": env.bob}]))
        assert [m.value for m in view.members] == sorted([env.ann, env.bob])

    def test_member_type_user_in_any_case_is_accepted(self, env):
        gid = env.group().id
        view = env.patch(GROUP, gid, op("add", "members", [{"value": env.ann, "type": "user"}]))
        assert [m.value for m in view.members] == [env.ann]

    def test_remove_through_a_filter_removes_that_member_only(self, env):
        gid = env.group(members=(env.ann, env.bob)).id
        view = env.patch(GROUP, gid, op("remove", f'members[value eq "{env.ann}"]'))
        assert [m.value for m in view.members] == [env.bob]
        assert view.resource.version == 2

    def test_remove_with_a_value_list_removes_exactly_those_members(self, env):
        gid = env.group(members=(env.ann, env.bob, env.cid)).id
        view = env.patch(GROUP, gid, op("Remove", "members", [{"value": env.ann}, {"value": env.cid}]))
        assert [m.value for m in view.members] == [env.bob]

    def test_remove_without_a_value_removes_every_member(self, env):
        gid = env.group(members=(env.ann, env.bob)).id
        view = env.patch(GROUP, gid, op("remove", "members"))
        assert view.members == []
        assert env.get(USER, env.ann).groups == []

    def test_removing_a_non_member_changes_nothing(self, env):
        gid = env.group(members=(env.ann,)).id
        before = env.snapshot(GROUP, gid)
        env.patch(GROUP, gid, op("remove", f'members[value eq "{env.bob}"]'),
                  op("remove", "members", [{"value": "nobody"}]))
        assert env.snapshot(GROUP, gid) == before

    def test_replace_makes_the_membership_exact(self, env):
        gid = env.group(members=(env.ann, env.bob)).id
        view = env.patch(GROUP, gid, op("replace", "members", [{"value": env.bob}, {"value": env.cid}]))
        assert [m.value for m in view.members] == sorted([env.bob, env.cid])

    def test_replace_with_the_same_members_keeps_the_version(self, env):
        gid = env.group(members=(env.ann, env.bob)).id
        before = env.snapshot(GROUP, gid)
        env.patch(GROUP, gid, op("replace", "members", [{"value": env.bob}, {"value": env.ann}]))
        assert env.snapshot(GROUP, gid) == before

    def test_a_users_groups_follow_the_membership_changes(self, env):
        gid = env.group().id
        env.patch(GROUP, gid, op("add", "members", [{"value": env.ann}]))
        assert [g.value for g in env.get(USER, env.ann).groups] == [gid]
        env.patch(GROUP, gid, op("remove", f'members[value eq "{env.ann}"]'))
        assert env.get(USER, env.ann).groups == []

    def test_rename_and_members_in_one_request(self, env):
        gid = env.group().id
        view = env.patch(GROUP, gid, op("replace", None, {"id": gid, "displayName": "Renamed"}),
                         op("add", "members", [{"value": env.ann}]))
        assert view.resource.data["displayName"] == "Renamed"
        assert [m.value for m in view.members] == [env.ann]
        assert view.resource.version == 2

    def test_an_unknown_member_is_refused_naming_it_and_nothing_is_applied(self, env):
        gid = env.group().id
        before = env.snapshot(GROUP, gid)
        with pytest.raises(InvalidValue, match="nobody-42"):
            env.patch(GROUP, gid, op("add", "members", [{"value": env.ann}, {"value": "nobody-42"}]))
        assert env.snapshot(GROUP, gid) == before

    def test_an_unknown_member_in_a_replace_is_refused_and_nothing_is_applied(self, env):
        gid = env.group(members=(env.ann,)).id
        before = env.snapshot(GROUP, gid)
        with pytest.raises(InvalidValue, match="nobody-42"):
            env.patch(GROUP, gid, op("replace", "members", [{"value": env.bob}, {"value": "nobody-42"}]))
        assert env.snapshot(GROUP, gid) == before

    def test_a_group_as_a_member_is_refused(self, env):
        gid, other = env.group().id, env.group("Other").id
        before = env.snapshot(GROUP, gid)
        with pytest.raises(InvalidValue):
            env.patch(GROUP, gid, op("add", "members", [{"value": env.ann}, {"value": other, "type": "Group"}]))
        assert env.snapshot(GROUP, gid) == before

    def test_with_the_ignore_policy_unknown_members_are_skipped_and_the_rest_applied(self, env):
        gid = env.group().id
        view = env.patch(GROUP, gid, op("replace", "displayName", "Renamed"),
                         op("add", "members", [{"value": env.ann}, {"value": "nobody-42"}]),
                         members=MemberPolicy(unknown="ignore"))
        assert [m.value for m in view.members] == [env.ann]
        assert env.get(GROUP, gid).resource.data["displayName"] == "Renamed"
        assert "nobody-42" not in env.tx.store.member_of

    def test_with_the_ignore_policy_a_request_of_only_unknown_members_changes_nothing(self, env):
        gid = env.group().id
        before = env.snapshot(GROUP, gid)
        env.patch(GROUP, gid, op("add", "members", [{"value": "nobody-42"}]), members=MemberPolicy(unknown="ignore"))
        assert env.snapshot(GROUP, gid) == before

    def test_more_member_changes_than_the_cap_are_payload_too_large_and_nothing_is_applied(self, env):
        gid = env.group().id
        before = env.snapshot(GROUP, gid)
        with pytest.raises(PayloadTooLarge):
            env.patch(GROUP, gid, op("replace", "displayName", "Renamed"),
                      op("add", "members", [{"value": env.ann}, {"value": env.bob}]),
                      op("add", "members", [{"value": env.cid}]),
                      members=MemberPolicy(max_changes=2))
        assert env.snapshot(GROUP, gid) == before

    def test_the_cap_refusal_says_how_many_changes_and_the_limit(self, env):
        gid = env.group().id
        with pytest.raises(PayloadTooLarge) as caught:
            env.patch(GROUP, gid, op("add", "members", [{"value": env.ann}, {"value": env.bob}]),
                      members=MemberPolicy(max_changes=1))
        assert caught.value.detail == "2 member changes in one request; the limit is 1"

    def test_member_changes_up_to_the_cap_are_applied(self, env):
        gid = env.group().id
        view = env.patch(GROUP, gid, op("add", "members", [{"value": env.ann}, {"value": env.bob}]),
                         members=MemberPolicy(max_changes=2))
        assert len(view.members) == 2

    def test_removing_every_member_is_not_counted_against_the_cap(self, env):
        gid = env.group(members=(env.ann, env.bob, env.cid)).id
        view = env.patch(GROUP, gid, op("remove", "members"), members=MemberPolicy(max_changes=1))
        assert view.members == []

    def test_under_a_strict_policy_a_remove_with_a_value_list_is_refused(self, env):
        gid = env.group(members=(env.ann, env.bob)).id
        with pytest.raises(InvalidValue):
            env.patch(GROUP, gid, op("remove", "members", [{"value": env.ann}]),
                      policy=Policy(remove_value_list=False))
        assert len(env.get(GROUP, gid).members) == 2
