"""Keyset (cursor) paging in every store: `Query.after` resumes strictly after the (key, id) of
the last resource of the previous page, in the search's order, without OFFSET; writes between
pages never make a surviving resource skipped or repeated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from adapters.sqlalchemy.uow import SqlTransactions
from domain.errors import InvalidValue
from domain.model import USER
from domain.ports import Transactions
from domain.query.ast import After, Query, Sort
from domain.query.ordering import follows
from domain.query.parser import parse_filter
from domain.query.paths import resolve
from tests.contract.conftest import BACKENDS, REGISTRY, SQL_BACKENDS, TEST_EXT, at, user
from tests.contract.dataset import (
    SORT_USERS,
    add_all,
    ids,
    load_sort_data,
    loaded_store,
    search,
    sorted_by,
    sql_store,
    walk,
)

SORTS = [
    (None, False), ("userName", False), ("userName", True), ("displayName", False), ("externalId", True),
    ("emails", False), ("emails", True), ("groups", False), ("meta.created", True), ("active", False),
    (f"{TEST_EXT}:level", False), (f"{TEST_EXT}:level", True), (f"{TEST_EXT}:hired", False),
    (f"{TEST_EXT}:flag", True), (f"{TEST_EXT}:tags", False),
]
SORT_IDS = [f"{(p or 'unsorted').split(':')[-1]}-{'desc' if d else 'asc'}" for p, d in SORTS]


def extra_users(start: int, n: int) -> list[Any]:
    """Users with keys spread over every sort of SORTS, nulls included, several at once."""
    names = ["aaa", "mmm", "zzz", "\u00e9\u00e9", None]
    out = []
    for i in range(start, start + n):
        name = names[i % len(names)]
        out.append(user(
            f"n{i:03d}", f"{name}{i}" if name else None, (i * 7) % 11 - 2,
            displayName=names[(i + 1) % len(names)], externalId=None if i % 3 else f"X{i % 4}",
            active=[True, False, None][i % 3],
            emails=[{"value": f"{names[i % 4]}@x", "primary": i % 2 == 0}] if i % 5 else [],
            **{TEST_EXT: {"level": [0, 5, 100, None, 5][i % 5], "flag": [True, None, False][i % 3],
                          "hired": ["2020-01-01T08:00:00Z", "", "2019-06-01T00:00:00+05:00"][i % 3],
                          "tags": [["b"], [], ["a", "z"]][i % 3]}},
        ))
    return out


def load_many(tx: Transactions) -> None:
    load_sort_data(tx)
    add_all(tx, extra_users(0, 14), [], {})


def order_of(kind_sort: tuple[str | None, bool]) -> Sort | None:
    path, descending = kind_sort
    return Sort(resolve(REGISTRY.user, path), descending) if path else None


@pytest.fixture(scope="module", params=BACKENDS)
def many(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Transactions]:
    """A backend loaded by load_many, shared by the tests that only read."""
    yield from loaded_store(request, tmp_path_factory.mktemp("keyset"), load_many)


@pytest.mark.parametrize("sort", SORTS, ids=SORT_IDS)
def test_a_cursor_walk_visits_every_resource_once_in_order(many: Transactions, sort: tuple[str | None, bool]) -> None:
    query = Query(sort=order_of(sort), count=1000)
    full = search(many, USER, query)
    assert full.total == 20 and full.keys is not None
    for size in (1, 4, 19, 20, 50):
        seen, keys = walk(many, USER, query, size)
        assert seen == [r.id for r in full.items], size
        assert keys == full.keys, size


@pytest.mark.parametrize("sort", SORTS, ids=SORT_IDS)
def test_writes_between_pages_never_skip_or_repeat_a_survivor(transactions: Transactions,
                                                             sort: tuple[str | None, bool]) -> None:
    load_many(transactions)
    descending = sort[1]
    initial = {r.id for r in search(transactions, USER, Query(count=1000)).items}
    deleted: set[str] = set()
    visited: list[tuple[Any, str]] = []
    after, added = None, 100
    for round_ in range(40):
        page = search(transactions, USER, Query(sort=order_of(sort), count=3, after=after, with_total=False))
        if not page.items:
            break
        assert page.keys is not None
        visited += list(zip(page.keys, [r.id for r in page.items], strict=True))
        after = After(page.keys[-1], page.items[-1].id)
        with transactions(write=True) as uow:
            for u in extra_users(added, 3 if round_ < 4 else 0):  # new keys before, at and after
                uow.users.add(u)
            added += 3
            # the resource the cursor points at, and the last not yet visited one
            unseen = sorted(initial - deleted - {i for _, i in visited})
            for rid in [page.items[-1].id, *unseen[-1:]]:
                if rid not in deleted:
                    uow.users.delete(rid)
                    deleted.add(rid)
            uow.commit()
    else:
        pytest.fail("the walk did not end")
    seen = [i for _, i in visited]
    assert len(seen) == len(set(seen)), "a resource was listed twice"
    assert initial - deleted <= set(seen), "a surviving resource was skipped"
    for (k1, i1), (k2, i2) in zip(visited, visited[1:], strict=False):
        assert follows(k2, i2, k1, i1, descending) if sort[0] else (k2, i2) > (k1, i1)


def test_without_total_the_count_is_skipped(transactions: Transactions) -> None:
    load_many(transactions)
    page = search(transactions, USER, Query(count=5, with_total=False))
    assert page.total is None and len(page.items) == 5
    page = search(transactions, USER, Query(count=5, start_index=18, with_total=False))
    assert page.total is None and [r.id for r in page.items] == ids(search(transactions, USER, Query())).split()[17:]
    assert search(transactions, USER, Query(count=0, with_total=False)).items == []


def test_the_total_counts_every_match_whatever_the_position(transactions: Transactions) -> None:
    load_many(transactions)
    expr = parse_filter(REGISTRY.user, f"{TEST_EXT}:level pr")  # s5's "7" is present, but no number
    sort = order_of((f"{TEST_EXT}:level", False))
    everything = search(transactions, USER, Query(expr, sort=sort, count=1000))
    assert everything.total == 16 == len(everything.items)
    assert everything.keys is not None and everything.keys[-1] is None
    # start_index is ignored with a position
    after = After(everything.keys[10], everything.items[10].id)
    page = search(transactions, USER, Query(expr, start_index=3, count=2, sort=sort, after=after))
    assert [r.id for r in page.items] == [r.id for r in everything.items[11:13]]
    assert (page.total, page.start_index) == (16, 1)


def test_a_position_between_resources_resumes_at_the_next(transactions: Transactions) -> None:
    load_sort_data(transactions)
    query = sorted_by(USER, f"{TEST_EXT}:level", count=10)
    # s3 -1, s2 9, s1 10, s6 10, then s4, s5 without a level
    cases = [(After(9.5, "zzz"), "s1 s6 s4 s5"), (After(10, "s0"), "s1 s6 s4 s5"), (After(10, "s2"), "s6 s4 s5"), (After(10, "s1"), "s6 s4 s5"),
             (After(10, "s9"), "s4 s5"), (After(None, "s0"), "s4 s5"), (After(None, "s4"), "s5"),
             (After(-100, "s9"), "s3 s2 s1 s6 s4 s5")]
    for after, expected in cases:
        page = search(transactions, USER, Query(sort=query.sort, count=10, after=after))
        assert ids(page) == expected, after
    descending = Sort(query.sort.path, True) if query.sort else None
    cases = [(After(None, "s0"), "s4 s5 s1 s6 s2 s3"), (After(None, "s9"), "s1 s6 s2 s3"),
             (After(10, "s1"), "s6 s2 s3"), (After(9, "s2"), "s3"), (After(-1, "s3"), "")]
    for after, expected in cases:
        page = search(transactions, USER, Query(sort=descending, count=10, after=after))
        assert ids(page) == expected, after


def test_an_unsorted_position_compares_created_as_a_time(transactions: Transactions) -> None:
    load_sort_data(transactions)  # created: s2 1, s5 2, s3 3, s4 3, s6 4, s1 5
    for value, rid, expected in [(at(3).isoformat(), "s3", "s4 s6 s1"),
                                 (at(3).astimezone(tz("+05:00")).isoformat(), "s3", "s4 s6 s1"),
                                 ("2024-01-01T00:00:03Z", "s0", "s3 s4 s6 s1"),
                                 ("2023-12-31T19:00:02.5-05:00", "s0", "s3 s4 s6 s1")]:
        page = search(transactions, USER, Query(after=After(value, rid)))
        assert ids(page) == expected, value
        assert page.keys == [r.created.isoformat() for r in page.items]


def tz(offset: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(f"2000-01-01T00:00:00{offset}").tzinfo


@pytest.mark.parametrize(("path", "value"), [
    (None, None), (None, "not a time"), (None, 5), (None, "2024-01-01T00:00:00"),
    ("userName", 5), (f"{TEST_EXT}:level", "10"), (f"{TEST_EXT}:level", True),
    (f"{TEST_EXT}:flag", 1), (f"{TEST_EXT}:hired", "yesterday"), ("meta.created", 3),
])
def test_a_position_of_another_order_is_refused(transactions: Transactions, path: str | None, value: Any) -> None:
    sort = Sort(resolve(REGISTRY.user, path)) if path else None
    with pytest.raises(InvalidValue):
        search(transactions, USER, Query(sort=sort, after=After(value, "s1")))


def test_a_position_past_the_end_gives_an_empty_page(transactions: Transactions) -> None:
    load_sort_data(transactions)
    last = search(transactions, USER, Query()).items[-1]
    page = search(transactions, USER, Query(after=After(last.created.isoformat(), last.id)))
    assert page.items == [] and page.keys == [] and page.total == len(SORT_USERS)


# -- the keyset predicates can use the indexes ---------------------------------------------------

@pytest.fixture(params=SQL_BACKENDS)
def sql_tx(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlTransactions]:
    with sql_store(request, tmp_path) as sql:
        yield sql


def plan(tx: SqlTransactions, query: Query) -> str:
    """The query plan of the page statement that `query` runs."""
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        statements.append((statement, params))

    event.listen(tx.engine, "before_cursor_execute", capture)
    try:
        search(tx, USER, query)
    finally:
        event.remove(tx.engine, "before_cursor_execute", capture)
    statement, params = next(s for s in statements if "ORDER BY" in s[0])
    with tx.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
            return " / ".join(str(r[-1]) for r in rows)
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # the table is tiny: no scans then
        return " / ".join(str(r[0]) for r in conn.exec_driver_sql("EXPLAIN " + statement, params))


def uses_index_range(found: str, index: str) -> bool:
    """SQLite searches the index (a range, not a scan of all of it); PostgreSQL has an Index
    Cond on it."""
    return f"SEARCH users USING INDEX {index} (" in found or (
        f"using {index} on users" in found and "Index Cond" in found and "Seq Scan" not in found)


def test_the_unsorted_keyset_is_a_range_of_the_created_id_index(sql_tx: SqlTransactions) -> None:
    load_many(sql_tx)
    found = plan(sql_tx, Query(count=3, with_total=False, after=After(at(2).isoformat(), "s5")))
    assert uses_index_range(found, "ix_users_created_id"), found
    descending = Query(count=3, with_total=False, sort=Sort(resolve(REGISTRY.user, "meta.created"), True),
                       after=After("2024-01-01T00:00:02Z", "s5"))
    found = plan(sql_tx, descending)
    assert uses_index_range(found, "ix_users_created_id"), found


def test_a_keyset_on_an_indexed_column_is_a_range_of_its_index(sql_tx: SqlTransactions) -> None:
    load_many(sql_tx)
    indexes = [("userName", ("ix_users_user_name_key_id", "ix_users_user_name_key")),
               ("displayName", ("ix_users_display_name_key_id",))]
    for path, index in indexes:
        for descending in (False, True):
            query = Query(count=3, with_total=False, sort=Sort(resolve(REGISTRY.user, path), descending),
                          after=After("bob", "s1"))
            found = plan(sql_tx, query)
            assert any(uses_index_range(found, i) for i in index), (path, descending, found)
