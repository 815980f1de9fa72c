"""Group membership: idempotent changes that report exactly what changed, keyset paging."""

from __future__ import annotations

import pytest

from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.uow import SqlTransactions
from domain.errors import InvalidValue
from domain.model import GroupRef, MemberRef
from domain.ports import Transactions
from tests.contract.conftest import REGISTRY, SQL_BACKENDS, group, user


@pytest.fixture
def tx(transactions: Transactions) -> Transactions:
    """Users u1..u9 (u1..u3 with a displayName) and groups g1, g2, g3."""
    with transactions(write=True) as uow:
        for i in range(1, 10):
            extra = {"displayName": f"User {i}"} if i <= 3 else {}
            uow.users.add(user(f"u{i}", f"name{i}", i, **extra))
        for name, display in (("g1", "One"), ("g2", "Two"), ("g3", "Three")):
            uow.groups.add(group(name, display))
        uow.commit()
    return transactions


def members_of(tx: Transactions, group_id: str) -> list[str]:
    with tx(write=False) as uow:
        return [m.value for m in uow.memberships.members(group_id)]


class TestChanges:
    def test_adding_is_idempotent_and_returns_only_new_members(self, tx: Transactions) -> None:
        with tx(write=True) as uow:
            assert uow.memberships.add("g1", ["u1", "u2", "u2"]) == {"u1", "u2"}
            assert uow.memberships.add("g1", ["u2", "u3"]) == {"u3"}
            assert uow.memberships.add("g1", []) == set()
            uow.commit()
        assert members_of(tx, "g1") == ["u1", "u2", "u3"]

    def test_removing_absent_members_is_a_no_op(self, tx: Transactions) -> None:
        with tx(write=True) as uow:
            uow.memberships.add("g1", ["u1", "u2"])
            assert uow.memberships.remove("g1", ["u2", "u5", "u2"]) == {"u2"}
            assert uow.memberships.remove("g1", ["u5"]) == set()
            assert uow.memberships.remove("g2", ["u1"]) == set()
            uow.commit()
        assert members_of(tx, "g1") == ["u1"]

    @pytest.mark.parametrize(("before", "wanted", "added", "removed"), [
        (["u1", "u2", "u3"], ["u2", "u3", "u4", "u5"], {"u4", "u5"}, {"u1"}),
        (["u1", "u2"], [], set(), {"u1", "u2"}),
        ([], ["u3", "u3", "u1"], {"u1", "u3"}, set()),
        (["u1"], ["u1"], set(), set()),
    ])
    def test_replace_returns_exactly_what_it_added_and_removed(
        self, tx: Transactions, before: list[str], wanted: list[str], added: set[str], removed: set[str]
    ) -> None:
        with tx(write=True) as uow:
            uow.memberships.add("g1", before)
            uow.memberships.add("g2", ["u1"])
            assert uow.memberships.replace("g1", wanted) == (added, removed)
            uow.commit()
        assert members_of(tx, "g1") == sorted(set(wanted))
        assert members_of(tx, "g2") == ["u1"]  # other groups untouched

    def test_changes_beyond_one_statement_chunk_are_complete(self, tx: Transactions) -> None:
        ids = [f"m{i:04d}" for i in range(1100)]
        with tx(write=True) as uow:
            for i, rid in enumerate(ids):
                uow.users.add(user(rid, rid, 100 + i))
            assert uow.memberships.add("g1", ids[:700]) == set(ids[:700])
            assert uow.users.existing(ids) == set(ids)
            assert uow.memberships.replace("g1", ids[300:]) == (set(ids[700:]), set(ids[:300]))
            assert uow.memberships.remove("g1", ids[:600]) == set(ids[300:600])
            uow.commit()
        assert members_of(tx, "g1") == ids[600:]

    def test_is_member_answers_for_one_pair(self, tx: Transactions) -> None:
        with tx(write=True) as uow:
            uow.memberships.add("g1", ["u1"])
            assert uow.memberships.is_member("g1", "u1")
            assert not uow.memberships.is_member("g1", "u2")
            assert not uow.memberships.is_member("g2", "u1")


class TestReads:
    def test_members_page_by_id_after_a_key(self, tx: Transactions) -> None:
        with tx(write=True) as uow:
            uow.memberships.add("g1", ["u5", "u1", "u3", "u2", "u4"])
            uow.commit()
        with tx(write=False) as uow:
            first = uow.memberships.members("g1", limit=2)
            second = uow.memberships.members("g1", after=first[-1].value, limit=2)
            rest = uow.memberships.members("g1", after="u4")
            assert uow.memberships.members("g1", after="u5") == []
            assert uow.memberships.members("g1", limit=0) == []
        assert first == [MemberRef("u1", "User 1"), MemberRef("u2", "User 2")]
        assert second == [MemberRef("u3", "User 3"), MemberRef("u4", None)]
        assert rest == [MemberRef("u5", None)]

    def test_groups_of_a_user_are_ordered_by_group_id(self, tx: Transactions) -> None:
        with tx(write=True) as uow:
            uow.memberships.add("g3", ["u1"])
            uow.memberships.add("g1", ["u1", "u2"])
            uow.commit()
        with tx(write=False) as uow:
            assert uow.memberships.groups_of("u1") == [GroupRef("g1", "One"), GroupRef("g3", "Three")]
            assert uow.memberships.groups_of("u9") == []


class TestGroupsOfMany:
    def test_a_page_of_users_gets_its_groups_and_users_without_groups_are_absent(self, tx: Transactions) -> None:
        with tx(write=True) as uow:
            uow.memberships.add("g3", ["u1"])
            uow.memberships.add("g1", ["u1", "u2"])
            uow.commit()
        with tx(write=False) as uow:
            many = uow.memberships.groups_of_many(iter(["u2", "u1", "u9"]))
            one = uow.memberships.groups_of_many(iter(["u1"]))
            none = uow.memberships.groups_of_many(["u9"])
            empty = uow.memberships.groups_of_many([])
        assert many == {"u1": [GroupRef("g1", "One"), GroupRef("g3", "Three")], "u2": [GroupRef("g1", "One")]}
        assert one == {"u1": [GroupRef("g1", "One"), GroupRef("g3", "Three")]}
        assert none == {} and empty == {}


class TestMemberChunks:
    """The whole member list, `size` at a time, as the caller reads it (a streamed GET)."""

    def test_chunks_hold_every_member_in_id_order_with_their_display_names(self, tx: Transactions) -> None:
        with tx(write=True) as uow:
            uow.memberships.add("g1", ["u5", "u1", "u3", "u2", "u4"])
            uow.commit()
        with tx(write=False) as uow:
            chunks = list(uow.memberships.member_chunks("g1", 2))
            assert list(uow.memberships.member_chunks("g2", 2)) == []
            assert list(uow.memberships.member_chunks("g1", 5)) == [uow.memberships.members("g1")]
        assert chunks == [[MemberRef("u1", "User 1"), MemberRef("u2", "User 2")],
                          [MemberRef("u3", "User 3"), MemberRef("u4", None)], [MemberRef("u5", None)]]
        assert all(m.type == "User" for c in chunks for m in c)

    def test_closing_the_chunks_early_leaves_the_unit_of_work_usable(self, tx: Transactions) -> None:
        with tx(write=True) as uow:
            uow.memberships.add("g1", ["u1", "u2", "u3"])
            uow.commit()
        with tx(write=False) as uow:
            chunks = uow.memberships.member_chunks("g1", 1)
            assert next(chunks) == [MemberRef("u1", "User 1")]
            chunks.close()
            assert [m.value for m in uow.memberships.members("g1")] == ["u1", "u2", "u3"]
            assert [m.value for c in uow.memberships.member_chunks("g1", 2) for m in c] == ["u1", "u2", "u3"]


@pytest.mark.parametrize("sql_url", SQL_BACKENDS, indirect=True)
def test_member_chunks_and_the_group_row_come_from_one_snapshot(sql_url: str) -> None:
    """A write committed while a snapshot read streams the list (SQLite: any read transaction;
    PostgreSQL: REPEATABLE READ) shows neither in the rest of the list nor in the group row."""
    engine = make_engine(sql_url)
    tx = SqlTransactions(engine, REGISTRY)
    try:
        with tx(write=True) as uow:
            for i in range(1, 7):
                uow.users.add(user(f"u{i}", f"name{i}", i))
            uow.groups.add(group("g1", "One"))
            uow.memberships.add("g1", ["u1", "u2", "u3", "u4"])
            uow.commit()
        with tx(write=False, snapshot=True) as reader:
            chunks = reader.memberships.member_chunks("g1", 2)
            first = next(chunks)
            with tx(write=True) as writer:
                writer.memberships.remove("g1", ["u3"])
                writer.memberships.add("g1", ["u5", "u6"])
                renamed = writer.groups.get("g1")
                renamed.data["displayName"] = "Renamed"
                renamed.version += 1
                writer.groups.save(renamed, expected_version=1)
                writer.commit()
            rest = [m.value for c in chunks for m in c]
            assert reader.groups.get("g1").data["displayName"] == "One"
        assert [m.value for m in first] + rest == ["u1", "u2", "u3", "u4"]
        assert members_of(tx, "g1") == ["u1", "u2", "u4", "u5", "u6"]
    finally:
        engine.dispose()


class TestRemovals:
    def test_dropping_a_member_reports_its_groups(self, tx: Transactions) -> None:
        with tx(write=True) as uow:
            uow.memberships.add("g3", ["u1", "u2"])
            uow.memberships.add("g1", ["u1"])
            assert uow.memberships.drop_member("u1") == ["g1", "g3"]
            assert uow.memberships.drop_member("u1") == []
            uow.commit()
        assert members_of(tx, "g3") == ["u2"]

    def test_dropping_a_group_empties_it(self, tx: Transactions) -> None:
        with tx(write=True) as uow:
            uow.memberships.add("g1", ["u1", "u2"])
            uow.memberships.drop_group("g1")
            uow.groups.delete("g1")
            uow.commit()
        with tx(write=False) as uow:
            assert uow.memberships.groups_of("u1") == []

    def test_deleting_a_user_the_way_delete_user_does_leaves_no_membership(self, tx: Transactions) -> None:
        with tx(write=True) as uow:
            uow.memberships.add("g1", ["u1", "u2"])
            uow.memberships.add("g2", ["u1"])
            uow.commit()
        with tx(write=True) as uow:
            assert uow.memberships.drop_member("u1") == ["g1", "g2"]
            uow.users.delete("u1")
            uow.commit()
        assert members_of(tx, "g1") == ["u2"] and members_of(tx, "g2") == []

    def test_memberships_go_with_their_user_or_group(self, tx: Transactions) -> None:
        with tx(write=True) as uow:
            uow.memberships.add("g1", ["u1", "u2"])
            uow.memberships.add("g2", ["u1"])
            uow.users.delete("u1")
            uow.groups.delete("g2")
            uow.commit()
        with tx(write=False) as uow:
            assert uow.memberships.groups_of("u2") == [GroupRef("g1", "One")]
            assert uow.memberships.members("g1") == [MemberRef("u2", "User 2")]
            assert uow.memberships.members("g2") == []

    def test_members_that_do_not_exist_are_refused(self, tx: Transactions) -> None:
        with tx(write=True) as uow, pytest.raises(InvalidValue):
            uow.memberships.add("g1", ["u1", "ghost"])
        with tx(write=True) as uow, pytest.raises(InvalidValue):
            uow.memberships.replace("g1", ["ghost"])
        assert members_of(tx, "g1") == []
