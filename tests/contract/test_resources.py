"""Users and Groups repositories and the unit of work: the same behaviour on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.uow import SqlTransactions
from domain.errors import NotFound, PreconditionFailed, Uniqueness
from domain.model import Resource
from domain.ports import Transactions
from domain.query.ast import Expr, Query
from domain.query.parser import parse_filter
from tests.contract.conftest import (
    ENTERPRISE,
    REGISTRY,
    SQL_BACKENDS,
    TEST_EXT,
    at,
    change,
    group,
    recorded,
    user,
)


def add_users(tx: Transactions, *users: Resource) -> None:
    with tx(write=True) as uow:
        for u in users:
            uow.users.add(u)
        uow.commit()


class TestRoundTrip:
    def test_a_user_is_read_back_with_its_data_extensions_and_aware_times(self, transactions: Transactions) -> None:
        paris = timezone(timedelta(hours=2))
        created = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=paris)
        data: dict[str, Any] = {
            "userName": "Bjensen", "name": {"familyName": "Jensen", "givenName": "Bárbara"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
            "active": True, "externalId": "E-1",
            ENTERPRISE: {"department": "Tour Operations", "manager": {"value": "m-1"}},
            TEST_EXT: {"level": 3, "score": 2.5, "tags": ["a", "B"], "hired": "2020-01-01T00:00:00Z"},
        }
        u = user("u1", None, **data)
        u.created = u.last_modified = created
        u.password_hash = "hashed:x"
        add_users(transactions, u)
        with transactions(write=False) as uow:
            got = uow.users.get("u1")
        assert got.data == data
        assert (got.id, got.resource_type, got.version, got.password_hash) == ("u1", "User", 1, "hashed:x")
        assert got.created == created and got.last_modified == created
        assert got.created.utcoffset() is not None

    def test_a_saved_user_replaces_the_stored_one(self, transactions: Transactions) -> None:
        add_users(transactions, user("u1", "alice", emails=[{"value": "a@x.org"}]))
        with transactions(write=True) as uow:
            u = uow.users.get("u1")
            u.data = {"userName": "alice2", "displayName": "Alice"}
            u.touch(at(60))
            uow.users.save(u, expected_version=1)
            uow.commit()
        with transactions(write=False) as uow:
            got = uow.users.get("u1")
            by_mail = uow.users.search(Query(_filter('emails.value eq "a@x.org"'))).total
        assert got.data == {"userName": "alice2", "displayName": "Alice"}
        assert (got.version, got.last_modified, got.created) == (2, at(60), at(0))
        assert by_mail == 0

    def test_a_group_round_trips_and_deletes(self, transactions: Transactions) -> None:
        with transactions(write=True) as uow:
            uow.groups.add(group("g1", "Admins", externalId="G"))
            uow.commit()
        with transactions(write=True) as uow:
            assert uow.groups.get("g1").data == {"displayName": "Admins", "externalId": "G"}
            uow.groups.delete("g1")
            uow.commit()
        with transactions(write=False) as uow, pytest.raises(NotFound):
            uow.groups.get("g1")

    def test_missing_ids_raise_not_found(self, transactions: Transactions) -> None:
        with transactions(write=True) as uow:
            for call in (lambda: uow.users.get("nope"), lambda: uow.groups.delete("nope"),
                         lambda: uow.users.save(user("nope", "x"))):
                with pytest.raises(NotFound):
                    call()

    def test_existing_and_touch_many_see_only_stored_ids(self, transactions: Transactions) -> None:
        add_users(transactions, user("u1", "a"), user("u2", "b"))
        with transactions(write=True) as uow:
            assert uow.users.existing(["u1", "u3", "u2", "u1"]) == {"u1", "u2"}
            uow.users.touch_many(["u2", "u9"], at(99))
            uow.commit()
        with transactions(write=False) as uow:
            touched, other = uow.users.get("u2"), uow.users.get("u1")
        assert (touched.version, touched.last_modified) == (2, at(99))
        assert (other.version, other.last_modified) == (1, at(0))


class TestUniqueness:
    @pytest.mark.parametrize(("first", "second"), [
        ("bjensen", "ＢＪensen"), ("Straße", "STRASSE"), ("\u00c9lodie", "E\u0301LODIE"), ("x", "X"),
        # RFC 8265 lookalikes that the comparison form (NFKC + case folding) makes one name
        ("office", "o\ufb03ce"), ("user1", "user\u2460"), ("kelvin", "\u212aelvin"), ("ǆ", "Ǆ"),
        ("a b", "a\u3000b"), ("ohm\u03a9", "ohm\u2126"),
    ])
    def test_user_names_are_unique_ignoring_case_and_width(self, transactions: Transactions, first: str,
                                                           second: str) -> None:
        add_users(transactions, user("u1", first))
        with transactions(write=True) as uow, pytest.raises(Uniqueness):
            uow.users.add(user("u2", second))

    def test_renaming_to_a_taken_name_fails_and_keeps_both(self, transactions: Transactions) -> None:
        add_users(transactions, user("u1", "alice"), user("u2", "bob"))
        with transactions(write=True) as uow:
            bob = uow.users.get("u2")
            bob.data["userName"] = "ALICE"
            with pytest.raises(Uniqueness):
                uow.users.save(bob)
            # the unit of work is still usable after the error
            uow.users.add(user("u3", "carol"))
            uow.commit()
        with transactions(write=False) as uow:
            names = [u.user_name for u in uow.users.search(Query()).items]
        assert names == ["alice", "bob", "carol"]

    def test_a_user_may_change_the_case_of_its_own_name(self, transactions: Transactions) -> None:
        add_users(transactions, user("u1", "alice"))
        with transactions(write=True) as uow:
            u = uow.users.get("u1")
            u.data["userName"] = "ALICE"
            uow.users.save(u)
            uow.commit()

    def test_an_id_cannot_be_added_twice(self, transactions: Transactions) -> None:
        add_users(transactions, user("u1", "alice"))
        with transactions(write=True) as uow, pytest.raises(Uniqueness):
            uow.users.add(user("u1", "other"))


class TestTransactions:
    def test_a_stale_expected_version_fails_and_writes_nothing(self, transactions: Transactions) -> None:
        add_users(transactions, user("u1", "alice"))
        with transactions(write=True) as uow:
            u = uow.users.get("u1")
            u.data["displayName"] = "changed"
            u.touch(at(5))
            with pytest.raises(PreconditionFailed):
                uow.users.save(u, expected_version=7)
            uow.commit()
        with transactions(write=False) as uow:
            got = uow.users.get("u1")
        assert (got.version, got.data) == (1, {"userName": "alice"})

    def test_an_exception_inside_the_unit_of_work_rolls_everything_back(self, transactions: Transactions) -> None:
        with pytest.raises(RuntimeError), transactions(write=True) as uow:
            uow.users.add(user("u1", "alice"))
            uow.groups.add(group("g1", "G"))
            uow.memberships.add("g1", ["u1"])
            uow.record(change("u1"))
            raise RuntimeError("boom")
        with transactions(write=False) as uow:
            assert uow.users.existing(["u1"]) == set() and uow.groups.existing(["g1"]) == set()
            assert uow.memberships.groups_of("u1") == []
        assert recorded(transactions) == []

    def test_leaving_without_commit_rolls_back(self, transactions: Transactions) -> None:
        with transactions(write=True) as uow:
            uow.users.add(user("u1", "alice"))
        with transactions(write=False) as uow:
            assert uow.users.search(Query()).total == 0

    def test_change_records_are_written_only_by_commit(self, transactions: Transactions) -> None:
        with transactions(write=True) as uow:
            uow.users.add(user("u1", "alice"))
            uow.record(change("u1"))
        assert recorded(transactions) == []
        with transactions(write=True) as uow:
            uow.users.add(user("u2", "bob"))
            uow.record(change("u2"))
            uow.record(change("u2", "replace"))
            uow.commit()
            # reads after commit still work (use cases build their response there)
            assert uow.users.get("u2").user_name == "bob"
        assert recorded(transactions) == [("create", "u2"), ("replace", "u2")]


class TestSearch:
    def test_results_are_ordered_by_created_then_id_and_paged(self, transactions: Transactions) -> None:
        add_users(transactions, user("b", "n1", 5), user("a", "n2", 5), user("c", "n3", 1),
                  user("d", "n4", 9), user("e", "n5", 0))
        with transactions(write=False) as uow:
            everything = uow.users.search(Query())
            page = uow.users.search(Query(start_index=2, count=2))
            last = uow.users.search(Query(start_index=5, count=10))
            beyond = uow.users.search(Query(start_index=9, count=10))
            total_only = uow.users.search(Query(count=0))
        assert [u.id for u in everything.items] == ["e", "c", "a", "b", "d"] and everything.total == 5
        assert [u.id for u in page.items] == ["c", "a"] and (page.total, page.start_index) == (5, 2)
        assert [u.id for u in last.items] == ["d"]
        assert (beyond.items, beyond.total) == ([], 5)
        assert (total_only.items, total_only.total) == ([], 5)

    def test_a_filtered_search_counts_only_matches(self, transactions: Transactions) -> None:
        add_users(transactions, *(user(f"u{i}", f"name{i}", i, active=i % 2 == 0) for i in range(7)))
        with transactions(write=False) as uow:
            page = uow.users.search(Query(_filter("active eq true"), start_index=2, count=2))
        assert [u.id for u in page.items] == ["u2", "u4"] and page.total == 4


def _filter(text: str) -> Expr:
    return parse_filter(REGISTRY.user, text)


@pytest.mark.parametrize("sql_url", SQL_BACKENDS, indirect=True)
def test_sql_returns_datetimes_as_the_same_instant_in_utc(sql_url: str) -> None:
    engine = make_engine(sql_url)
    tx = SqlTransactions(engine, REGISTRY)
    u = user("u1", "alice")
    u.created = datetime(2024, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    add_users(tx, u)
    with tx(write=False) as uow:
        got = uow.users.get("u1")
    engine.dispose()
    assert got.created == u.created and got.created.tzinfo == UTC and got.created.hour == 4


@pytest.mark.parametrize("sql_url", ["sqlite"], indirect=True)
def test_reads_after_a_commit_do_not_hold_the_sqlite_write_lock(sql_url: str) -> None:
    """A write unit of work that reads on after commit() (to build its response) reads in a
    plain transaction: another writer can take the write lock meanwhile."""
    import sqlite3

    engine = make_engine(sql_url)
    tx = SqlTransactions(engine, REGISTRY)
    other = sqlite3.connect(sql_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
    try:
        with tx(write=True) as uow:
            uow.users.add(user("u1", "alice"))
            uow.commit()
            assert uow.users.existing(["u1"]) == {"u1"}  # a statement that begins a new transaction
            other.execute("BEGIN IMMEDIATE")  # "database is locked" if that one were a write
            other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()


@pytest.mark.parametrize("sql_url", SQL_BACKENDS, indirect=True)
def test_commit_outside_the_unit_of_work_is_refused(sql_url: str) -> None:
    engine = make_engine(sql_url)
    try:
        uow = SqlTransactions(engine, REGISTRY)(write=True)
        with pytest.raises(RuntimeError, match=r"^commit\(\) outside the unit of work$"):
            uow.commit()
    finally:
        engine.dispose()
