"""Group use cases and membership on the in-memory adapters."""

import pytest

from adapters.memory.store import InMemoryMemberships, InMemoryTransactions
from domain.errors import InvalidValue, Mutability, PayloadTooLarge, PreconditionFailed
from domain.provisioning.commands import DeleteCommand, GetCommand, MemberInput, WriteCommand
from domain.provisioning.groups import CreateGroup, DeleteGroup, ReplaceGroup
from domain.provisioning.membership import MemberPolicy, SyncGroupMembership
from domain.provisioning.reads import GetResource
from domain.provisioning.users import DeleteUser, ProvisionUser
from domain.schema.attributes import Attribute, Schema
from domain.schema.registry import default_registry
from tests.fakes import FixedClock, ReversibleHasher, SequentialIds

REG = default_registry()


@pytest.fixture
def env():
    tx, clock, ids = InMemoryTransactions(), FixedClock(), SequentialIds()
    users = [
        ProvisionUser(tx, REG.user, clock, ids, ReversibleHasher())(WriteCommand("idp", {"userName": n})).resource.id
        for n in ("ann", "bob", "cid")
    ]
    return tx, clock, ids, users


def create(env, name="G", members=()):
    tx, clock, ids, _ = env
    cmd = WriteCommand("idp", {"displayName": name}, members=tuple(MemberInput(m, t) for m, t in members))
    return CreateGroup(tx, REG.group, clock, ids, SyncGroupMembership())(cmd)


def replace(env, gid, members, version=None, name="G"):
    tx, clock, _, _ = env
    ms = None if members is None else tuple(MemberInput(m) for m in members)
    return ReplaceGroup(tx, REG.group, clock, SyncGroupMembership())(WriteCommand("idp", {"displayName": name}, gid, None, ms, version))


class TestGroups:
    def test_a_group_is_created_with_its_members(self, env):
        ann, bob, _ = env[3]
        view = create(env, members=[(ann, None), (bob, "User")])
        assert [m.value for m in view.members] == sorted([ann, bob])

    def test_display_names_need_not_be_unique(self, env):
        assert create(env).resource.id != create(env).resource.id

    def test_a_nested_group_member_is_refused(self, env):
        group = create(env).resource
        with pytest.raises(InvalidValue, match="nested"):
            create(env, members=[(group.id, "Group")])

    def test_an_unknown_member_is_refused_and_nothing_is_written(self, env):
        tx = env[0]
        with pytest.raises(InvalidValue, match="nobody"):
            create(env, members=[(env[3][0], None), ("nobody", None)])
        assert tx.store.groups == {} and not any(tx.store.members.values())

    def test_replace_makes_membership_exact_and_bumps_the_version(self, env):
        ann, bob, cid = env[3]
        group = create(env, members=[(ann, None), (bob, None)]).resource
        view = replace(env, group.id, [bob, cid])
        assert [m.value for m in view.members] == sorted([bob, cid])
        assert view.resource.version == 2

    def test_replace_without_members_keeps_them(self, env):
        ann = env[3][0]
        group = create(env, members=[(ann, None)]).resource
        view = replace(env, group.id, None, name="Renamed")
        assert [m.value for m in view.members] == [ann]

    def test_a_replace_that_changes_nothing_keeps_the_version(self, env):
        ann = env[3][0]
        group = create(env, members=[(ann, None)]).resource
        assert replace(env, group.id, [ann]).resource.version == group.version

    def test_a_stale_version_is_refused(self, env):
        group = create(env).resource
        replace(env, group.id, [], name="x")
        with pytest.raises(PreconditionFailed):
            replace(env, group.id, [], version=1, name="y")

    def test_users_see_their_groups(self, env):
        tx, ann = env[0], env[3][0]
        group = create(env, name="Admins", members=[(ann, None)]).resource
        view = GetResource(tx)(GetCommand("idp", "User", ann))
        assert [(g.value, g.display) for g in view.groups] == [(group.id, "Admins")]

    def test_deleting_a_member_removes_the_membership_and_bumps_the_group_version(self, env):
        tx, clock, _, (ann, bob, _) = env
        group = create(env, members=[(ann, None), (bob, None)]).resource
        DeleteUser(tx, clock)(DeleteCommand("idp", ann))
        view = GetResource(tx)(GetCommand("idp", "Group", group.id))
        assert [m.value for m in view.members] == [bob]
        assert view.resource.version == group.version + 1

    def test_deleting_a_group_removes_its_memberships(self, env):
        tx, clock, _, (ann, _, _) = env
        group = create(env, members=[(ann, None)]).resource
        DeleteGroup(tx, clock)(DeleteCommand("idp", group.id))
        assert GetResource(tx)(GetCommand("idp", "User", ann)).groups == []

    def test_a_create_records_members_only_when_there_are_some(self, env):
        tx, ann = env[0], env[3][0]
        create(env)
        create(env, members=[(ann, None)])
        assert [c.attributes for c in tx.store.changes[-2:]] == [("displayName",), ("displayName", "members")]

    @pytest.mark.parametrize(("name", "members", "recorded"), [
        ("Renamed", [1], ("displayName", "members")),
        ("G", [1], ("members",)),
        ("Renamed", [0], ("displayName",)),
    ])
    def test_a_replace_records_what_it_changed(self, env, name, members, recorded):
        tx, users = env[0], env[3]
        group = create(env, members=[(users[0], None)]).resource
        replace(env, group.id, [users[i] for i in members], name=name)
        assert tx.store.changes[-1].attributes == recorded

    def test_a_replace_counts_members_added_and_removed_against_the_cap(self, env):
        tx, clock, _, (ann, bob, cid) = env
        group = create(env, members=[(ann, None)]).resource
        use_case = ReplaceGroup(tx, REG.group, clock, SyncGroupMembership(MemberPolicy(max_changes=2)))
        cmd = WriteCommand("idp", {"displayName": "G"}, group.id, members=(MemberInput(bob), MemberInput(cid)))
        with pytest.raises(PayloadTooLarge) as caught:
            use_case(cmd)
        assert caught.value.detail == "3 member changes in one request; the limit is 2"
        assert tx.store.members[group.id] == {ann}

    @pytest.mark.parametrize("how", ["create", "replace"])
    def test_a_refusal_of_unknown_members_names_the_first_twenty_in_order(self, env, how):
        tx, ann = env[0], env[3][0]
        unknown = [f"nobody-{i:02d}" for i in range(21, 0, -1)]
        group = create(env).resource
        with pytest.raises(InvalidValue) as caught:
            if how == "create":
                create(env, members=[(ann, None)] + [(u, None) for u in unknown])
            else:
                replace(env, group.id, [ann, *unknown])
        assert caught.value.detail == "unknown member id(s): " + ", ".join(sorted(unknown)[:20])
        assert list(tx.store.groups) == [group.id] and not tx.store.members.get(group.id)

    def test_a_replace_may_not_change_an_immutable_extension_attribute(self):
        urn = "urn:example:acme:Group"
        rtype = default_registry(group_extensions=(
            Schema(urn, "Acme", "", (Attribute("code", mutability="immutable"),)),)).group
        tx, clock = InMemoryTransactions(), FixedClock()
        group = CreateGroup(tx, rtype, clock, SequentialIds(), SyncGroupMembership())(
            WriteCommand("idp", {"displayName": "G", urn: {"code": "A"}})).resource
        use_case = ReplaceGroup(tx, rtype, clock, SyncGroupMembership())
        with pytest.raises(Mutability) as caught:
            use_case(WriteCommand("idp", {"displayName": "G", urn: {"code": "B"}}, group.id))
        assert caught.value.detail == f"'{urn}:code' is immutable"
        kept = use_case(WriteCommand("idp", {"displayName": "H", urn: {"code": "A"}}, group.id))
        assert kept.resource.data == {"displayName": "H", urn: {"code": "A"}}
        assert tx.store.groups[group.id].data[urn] == {"code": "A"}


class TestStreamedMembers:
    """GetResource.open: a group with more than one chunk of members hands them over as chunks,
    read inside its transaction; a smaller group, or a call, gets the whole list."""

    def test_a_group_of_one_chunk_or_less_comes_whole(self, env):
        tx, (ann, bob, _) = env[0], env[3]
        group = create(env, members=[(ann, None), (bob, None)]).resource
        with GetResource(tx, member_chunk=3).open(GetCommand("idp", "Group", group.id)) as view:
            assert view.member_chunks is None and [m.value for m in view.members] == sorted([ann, bob])

    def test_a_bigger_group_comes_in_chunks_inside_the_transaction(self, env):
        tx, users = env[0], env[3]
        group = create(env, members=[(u, None) for u in users]).resource
        with GetResource(tx, member_chunk=2).open(GetCommand("idp", "Group", group.id)) as view:
            assert view.members is None
            assert tx.store.lock._is_owned()  # the read transaction is still open
            chunks = [[m.value for m in c] for c in view.member_chunks]
        assert chunks == [sorted(users)[:2], sorted(users)[2:]]
        assert not tx.store.lock._is_owned()

    def test_exactly_one_chunk_streams_and_ends_with_an_empty_read(self, env):
        tx, users = env[0], env[3]
        group = create(env, members=[(u, None) for u in users]).resource
        with GetResource(tx, member_chunk=3).open(GetCommand("idp", "Group", group.id)) as view:
            assert [[m.value for m in c] for c in view.member_chunks] == [sorted(users)]

    def test_leaving_early_ends_the_transaction(self, env):
        tx, users = env[0], env[3]
        group = create(env, members=[(u, None) for u in users]).resource
        with GetResource(tx, member_chunk=1).open(GetCommand("idp", "Group", group.id)) as view:
            next(view.member_chunks)
        assert not tx.store.lock._is_owned()

    def test_a_call_reads_the_chunks_into_the_list(self, env):
        tx, users = env[0], env[3]
        group = create(env, members=[(u, None) for u in users]).resource
        view = GetResource(tx, member_chunk=1)(GetCommand("idp", "Group", group.id))
        assert view.member_chunks is None and [m.value for m in view.members] == sorted(users)

    def test_users_and_groups_without_related_never_stream(self, env):
        tx, users = env[0], env[3]
        group = create(env, members=[(u, None) for u in users]).resource
        with GetResource(tx, member_chunk=1).open(GetCommand("idp", "Group", group.id, related=False)) as view:
            assert view.member_chunks is None and view.members is None
        with GetResource(tx, member_chunk=1).open(GetCommand("idp", "User", users[0])) as view:
            assert view.member_chunks is None and [g.value for g in view.groups] == [group.id]

    def test_a_write_of_a_group_bigger_than_a_chunk_leaves_its_members_to_a_read(self, env, monkeypatch):
        from domain.provisioning import views
        monkeypatch.setattr(views, "MEMBER_CHUNK", 2)
        users = env[3]
        big = create(env, members=[(u, None) for u in users])
        assert big.more_members and big.members is None
        small = create(env, members=[(u, None) for u in users[:2]])
        assert not small.more_members and [m.value for m in small.members] == sorted(users[:2])
        assert not create(env).more_members

    def test_a_write_reads_at_most_one_chunk_and_one_member_to_tell(self, env, monkeypatch):
        from domain.provisioning import views
        monkeypatch.setattr(views, "MEMBER_CHUNK", 2)
        users = env[3]
        asked = []
        real = InMemoryMemberships.members
        monkeypatch.setattr(InMemoryMemberships, "members",
                            lambda self, gid, after=None, limit=None: (asked.append((after, limit)),
                                                                       real(self, gid, after, limit))[1])
        create(env, members=[(u, None) for u in users])
        assert asked == [(None, 3)]


class TestMembersVersions:
    """A user's representation carries its read-only `groups`: whatever changes them (joining,
    leaving, the group's rename or deletion) gives the user a new version, so its ETag changes
    and a conditional GET cannot answer 304 with stale groups (RFC 7644 §3.14)."""

    @staticmethod
    def versions(env) -> list[int]:
        tx = env[0]
        with tx(write=False) as uow:
            return [uow.users.get(u).version for u in env[3]]

    def test_joining_a_group_is_a_new_version_of_each_member_only(self, env):
        ann, bob, _ = env[3]
        create(env, members=[(ann, None), (bob, None)])
        assert self.versions(env) == [2, 2, 1]

    def test_a_put_touches_who_joined_and_who_left_not_who_stayed(self, env):
        ann, bob, cid = env[3]
        gid = create(env, members=[(ann, None), (bob, None)]).resource.id
        replace(env, gid, [bob, cid])
        assert self.versions(env) == [3, 2, 2]
        replace(env, gid, [bob, cid])  # Okta's re-push of an unchanged group: nobody's groups changed
        assert self.versions(env) == [3, 2, 2]

    def test_a_rename_touches_every_member(self, env):
        ann, bob, _ = env[3]
        gid = create(env, members=[(ann, None), (bob, None)]).resource.id
        replace(env, gid, [ann, bob], name="Renamed")
        assert self.versions(env) == [3, 3, 1]

    def test_a_patch_touches_the_members_it_changes_and_all_of_them_on_a_rename(self, env):
        from domain.idp.policy import Policy
        from domain.patch.engine import PatchOp
        from domain.provisioning.commands import PatchCommand
        from domain.provisioning.groups import PatchGroup

        tx, clock, _, (ann, bob, cid) = env
        gid = create(env, members=[(ann, None)]).resource.id
        patch = PatchGroup(tx, REG.group, clock, Policy(), SyncGroupMembership())
        patch(PatchCommand("idp", gid, (PatchOp("add", "members", [{"value": bob}], True),)))
        assert self.versions(env) == [2, 2, 1]
        patch(PatchCommand("idp", gid, (PatchOp("remove", f'members[value eq "{ann}"]', None, False),)))
        assert self.versions(env) == [3, 2, 1]
        patch(PatchCommand("idp", gid, (PatchOp("replace", "displayName", "New", True),)))
        assert self.versions(env) == [3, 3, 1]

    def test_deleting_a_group_touches_its_members(self, env):
        tx, clock, _, (ann, bob, _) = env
        gid = create(env, members=[(ann, None), (bob, None)]).resource.id
        DeleteGroup(tx, clock)(DeleteCommand("idp", gid))
        assert self.versions(env) == [3, 3, 1]
