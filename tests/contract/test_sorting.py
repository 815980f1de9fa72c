"""sortBy/sortOrder (RFC 7644 §3.4.2.3) in every store: the same keys and the same order.

Keys: caseExact=false text folded (domain.text.fold), caseExact text raw, numbers, booleans
(false < true), dateTimes as times; a multi-valued attribute by its primary element, else its
first. Resources without a value come last ascending and first descending; id ascending breaks
ties in both directions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column
from sqlalchemy.dialects import postgresql

from adapters.memory.store import InMemoryTransactions
from adapters.sqlalchemy.query.ordering import SortCompiler
from domain.errors import InvalidValue
from domain.model import GROUP, USER, Resource
from domain.ports import Transactions
from domain.query.ast import Query, Sort
from domain.query.parser import parse_filter
from domain.query.paths import resolve
from domain.query.values import TEXT, TIME
from tests.contract.conftest import BACKENDS, ENTERPRISE, REGISTRY, SQL_BACKENDS, TEST_EXT, user
from tests.contract.dataset import (
    Stores,
    add_all,
    fuzz_settings,
    ids,
    load,
    load_sort_data,
    loaded_store,
    memory_and_sql,
    search,
    sorted_by,
    sql_store,
    walk,
)

# (path, ascending order, descending order); the users are dataset.SORT_USERS
USER_ORDERS = [
    ("userName", "s2 s1 s4 s5 s3 s6", "s6 s3 s5 s4 s1 s2"),  # folded: é (U+00E9) after z
    ("displayName", "s3 s4 s6 s5 s1 s2", "s1 s2 s5 s6 s3 s4"),  # NFC = NFD, ß = ss: ties by id
    ("externalId", "s2 s3 s6 s1 s4 s5", "s5 s4 s1 s6 s3 s2"),  # caseExact: B < a < ab < b < É
    ("id", "s1 s2 s3 s4 s5 s6", "s6 s5 s4 s3 s2 s1"),
    ("active", "s2 s6 s1 s5 s3 s4", "s3 s4 s1 s5 s2 s6"),  # "yes" is no boolean
    ("name.familyName", "s5 s1 s2 s3 s4 s6", "s3 s4 s6 s2 s1 s5"),
    ("emails", "s1 s2 s4 s3 s5 s6", "s3 s5 s6 s4 s2 s1"),  # primary, else the first (s3's has no value)
    ("emails.value", "s1 s2 s4 s3 s5 s6", "s3 s5 s6 s4 s2 s1"),
    ("emails.type", "s1 s2 s3 s4 s5 s6", "s5 s6 s3 s4 s2 s1"),
    ("meta.created", "s2 s5 s3 s4 s6 s1", "s1 s6 s3 s4 s5 s2"),
    ("meta.lastModified", "s2 s5 s3 s4 s6 s1", "s1 s6 s3 s4 s5 s2"),
    ("meta.resourceType", "s1 s2 s3 s4 s5 s6", "s1 s2 s3 s4 s5 s6"),
    ("groups", "s2 s3 s1 s4 s5 s6", "s4 s5 s6 s1 s2 s3"),  # the lowest group id
    ("groups.display", "s1 s2 s3 s4 s5 s6", "s4 s5 s6 s2 s3 s1"),  # alpha < zeta
    (f"{ENTERPRISE}:manager", "s2 s1 s3 s4 s5 s6", "s3 s4 s5 s6 s1 s2"),  # its value
    (f"{TEST_EXT}:level", "s3 s2 s1 s6 s4 s5", "s4 s5 s1 s6 s2 s3"),  # 9 < 10 as numbers; "7" is none
    (f"{TEST_EXT}:score", "s2 s4 s6 s1 s3 s5", "s5 s3 s1 s6 s4 s2"),
    (f"{TEST_EXT}:flag", "s2 s5 s1 s4 s3 s6", "s3 s6 s1 s4 s2 s5"),
    # as times: 10:00+02:00 is before 09:00Z; 23:00-10:00 the day before is 09:00Z (a tie)
    (f"{TEST_EXT}:hired", "s1 s6 s2 s4 s3 s5", "s3 s5 s2 s4 s6 s1"),
    (f"{TEST_EXT}:badge", "s2 s5 s1 s4 s3 s6", "s6 s3 s4 s1 s5 s2"),  # caseExact, raw code points
    (f"{TEST_EXT}:tags", "s2 s1 s5 s3 s4 s6", "s3 s4 s6 s5 s1 s2"),  # the first value
]
GROUP_ORDERS = [
    ("displayName", "sg2 sg3 sg1", "sg1 sg3 sg2"),
    ("members", "sg2 sg1 sg3", "sg3 sg1 sg2"),  # the lowest member id: s1 < s2
    ("members.value", "sg2 sg1 sg3", "sg3 sg1 sg2"),
    ("members.display", "sg1 sg2 sg3", "sg3 sg1 sg2"),  # both "émile" (NFC and NFD): by id
    ("members.type", "sg1 sg2 sg3", "sg3 sg1 sg2"),
]


@pytest.fixture(scope="module", params=BACKENDS)
def sort_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Transactions]:
    """One backend loaded with the sort data set, shared by the read-only tests."""
    yield from loaded_store(request, tmp_path_factory.mktemp("sorting"), load_sort_data)


@pytest.mark.parametrize(("path", "ascending", "descending"), USER_ORDERS, ids=[c[0].split(":")[-1] for c in USER_ORDERS])
def test_users_sort_by_each_kind_of_attribute(sort_store: Transactions, path: str, ascending: str,
                                              descending: str) -> None:
    assert ids(search(sort_store, USER, sorted_by(USER, path))) == ascending
    assert ids(search(sort_store, USER, sorted_by(USER, path, True))) == descending


@pytest.mark.parametrize(("path", "ascending", "descending"), GROUP_ORDERS, ids=[c[0] for c in GROUP_ORDERS])
def test_groups_sort_by_their_attributes_and_members(sort_store: Transactions, path: str, ascending: str,
                                                     descending: str) -> None:
    assert ids(search(sort_store, GROUP, sorted_by(GROUP, path))) == ascending
    assert ids(search(sort_store, GROUP, sorted_by(GROUP, path, True))) == descending


def test_without_sort_the_order_is_created_then_id(sort_store: Transactions) -> None:
    page = search(sort_store, USER, Query())
    assert ids(page) == "s2 s5 s3 s4 s6 s1"
    assert page.keys == [r.created.isoformat() for r in page.items]
    assert page.total == 6


@pytest.mark.parametrize(("path", "keys"), [
    ("userName", ["alice", "bob", "strasser", "zed", "\u00e9milie", None]),
    ("externalId", ["B", "a", "ab", "b", "\u00c9", None]),
    ("emails", ["a@x", "m@x", "q@x", None, None, None]),
    (f"{TEST_EXT}:level", [-1, 9, 10, 10, None, None]),
    (f"{TEST_EXT}:score", [-0.5, 0.1, 2, 2.5, 10, None]),
    (f"{TEST_EXT}:flag", [False, False, True, True, None, None]),
    (f"{TEST_EXT}:hired", ["2020-01-01T08:00:00.000000Z", "2020-01-01T08:00:00.000001Z",
                           "2020-01-01T09:00:00.000000Z", "2020-01-01T09:00:00.000000Z", None, None]),
    ("meta.created", [f"2024-01-01T00:00:0{s}.000000Z" for s in (1, 2, 3, 3, 4, 5)]),
])
def test_page_keys_are_the_sort_keys_in_comparison_form(sort_store: Transactions, path: str,
                                                        keys: list[Any]) -> None:
    page = search(sort_store, USER, sorted_by(USER, path))
    assert page.keys == keys
    assert [type(k) for k in page.keys or []] == [type(k) for k in keys]


def test_sorted_pages_are_windows_of_the_order(sort_store: Transactions) -> None:
    full = ids(search(sort_store, USER, sorted_by(USER, f"{TEST_EXT}:level", True))).split()
    for start in range(1, 8):
        page = search(sort_store, USER, sorted_by(USER, f"{TEST_EXT}:level", True, start_index=start, count=2))
        assert ids(page).split() == full[start - 1:start + 1]
        assert (page.total, page.start_index) == (6, start)


def test_sort_combines_with_a_filter(sort_store: Transactions) -> None:
    expr = parse_filter(REGISTRY.user, f"{TEST_EXT}:flag pr or active eq true")
    page = search(sort_store, USER, Query(expr, sort=Sort(resolve(REGISTRY.user, "userName"), True)))
    assert ids(page) == "s5 s4 s1 s2"  # s3's flag is null: not present
    assert page.total == 4


@pytest.mark.parametrize("path", ["name", "addresses", "meta", "x509Certificates.display"])
def test_complex_attributes_without_a_value_cannot_be_sorted_by(sort_store: Transactions, path: str) -> None:
    if path == "x509Certificates.display":  # a sub-attribute is fine, even when nobody has one
        assert ids(search(sort_store, USER, sorted_by(USER, path))) == "s1 s2 s3 s4 s5 s6"
        return
    with pytest.raises(InvalidValue, match="cannot sort by"):
        search(sort_store, USER, sorted_by(USER, path))


def test_which_element_of_a_multi_valued_attribute_sorts(transactions: Transactions) -> None:
    """Only `primary: true` (the boolean) makes an element primary, the first such wins; else
    the first element counts even when it has no value or is no object."""
    edge = [
        user("e1", "e1", phoneNumbers=[{"value": "b"}, {"value": "a", "primary": "true"}]),  # b
        user("e2", "e2", phoneNumbers=[{"value": "z"}, {"value": "d", "primary": True},
                                       {"value": "a", "primary": True}]),  # d
        user("e3", "e3", phoneNumbers=["a", {"value": "a"}]),  # the first is no object: none
        user("e4", "e4", phoneNumbers=[{"value": "a"}, {"primary": True}]),  # the primary has none
        user("e5", "e5", phoneNumbers={"value": "a"}),  # no array: none
        user("e6", "e6", phoneNumbers=[{"value": 7}, {"value": "c"}]),  # a number compares as text
        user("e7", "e7", phoneNumbers=[{"value": "C", "primary": False}, {"value": "c", "primary": None}]),
    ]
    add_all(transactions, edge, [], {})
    page = search(transactions, USER, sorted_by(USER, "phoneNumbers"))
    assert (ids(page), page.keys) == ("e6 e1 e7 e2 e3 e4 e5", ["7", "b", "c", "d", None, None, None])
    page = search(transactions, USER, sorted_by(USER, "phoneNumbers.primary", True))
    assert (ids(page), page.keys) == ("e1 e3 e5 e6 e2 e4 e7", [None, None, None, None, True, True, False])


@pytest.mark.parametrize("kind", [USER, GROUP])
def test_postgresql_orders_every_text_key_by_code_point(kind: str) -> None:
    """A database whose default collation is not "C" (ICU, en_US) would sort text keys its own
    way: each is a "C" column or carries COLLATE "C". (The test database may well be "C"
    already, so the order tests alone would not notice.)"""
    pg = postgresql.dialect()
    sorter = SortCompiler(kind, "postgresql")
    for path in SORT_PATHS[kind]:
        key = sorter(Sort(resolve(REGISTRY.by_name(kind), path)))
        if key.kind not in (TEXT, TIME):
            continue
        if isinstance(key.expr, Column):  # meta.created and meta.lastModified: timestamps
            assert key.kind == TIME or key.expr.type.dialect_impl(pg).collation == "C", path
        else:
            assert 'COLLATE "C"' in str(key.expr.compile(dialect=pg)), path


# -- memory and SQL agree on random sorts ----------------------------------------------------------

SORT_PATHS = {
    USER: [
        "userName", "displayName", "externalId", "id", "title", "nickName", "name.familyName", "name.givenName",
        "emails", "emails.value", "emails.type", "emails.display", "emails.primary", "active", "meta.created",
        "meta.lastModified", "meta.resourceType", "meta.version", "meta.location", "groups", "groups.value",
        "groups.type", "groups.display", "phoneNumbers", "phoneNumbers.type", "addresses.locality",
        "addresses.primary", "roles", "ims.value", f"{ENTERPRISE}:department", f"{ENTERPRISE}:manager",
        f"{ENTERPRISE}:manager.displayName", f"{TEST_EXT}:hired", f"{TEST_EXT}:level", f"{TEST_EXT}:score",
        f"{TEST_EXT}:tags", f"{TEST_EXT}:badge", f"{TEST_EXT}:flag",
    ],
    GROUP: ["displayName", "externalId", "id", "members", "members.value", "members.type", "members.display",
            "members.$ref", "meta.created", "meta.version"],
}

SORT_FUZZ = fuzz_settings(12, thorough=40)


@pytest.fixture(scope="module", params=SQL_BACKENDS)
def stores(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    """(memory, SQL), both loaded with both data sets of tests/contract/dataset.py."""
    yield from memory_and_sql(request, tmp_path_factory.mktemp("sortfuzz"), load, load_sort_data)


ALL_SORTS = [(kind, path, d) for kind, paths in SORT_PATHS.items() for path in paths for d in (False, True)]


@pytest.mark.parametrize(("kind", "path", "descending"), ALL_SORTS,
                         ids=[f"{k}-{p.split(':')[-1]}-{'desc' if d else 'asc'}" for k, p, d in ALL_SORTS])
def test_every_sortable_attribute_sorts_the_same_in_memory_and_sql(stores: Stores, kind: str, path: str,
                                                                   descending: bool) -> None:
    memory, sql = stores
    query = sorted_by(kind, path, descending, count=1000)
    expected, got = search(memory, kind, query), search(sql, kind, query)
    assert (ids(got), got.keys, got.total) == (ids(expected), expected.keys, expected.total)


@SORT_FUZZ
@given(kind=st.sampled_from([USER, GROUP]), data=st.data(), descending=st.booleans(),
       size=st.integers(1, 5), start=st.integers(1, 20))
def test_random_windows_and_cursor_walks_agree_with_memory(stores: Stores, kind: str, data: st.DataObject,
                                                           descending: bool, size: int, start: int) -> None:
    memory, sql = stores
    path = data.draw(st.sampled_from(SORT_PATHS[kind]))
    window = sorted_by(kind, path, descending, start_index=start, count=size)
    assert ids(search(sql, kind, window)) == ids(search(memory, kind, window))
    query = sorted_by(kind, path, descending, count=1000)
    full = search(memory, kind, query)
    expected = ([r.id for r in full.items], full.keys)
    assert walk(memory, kind, query, size) == expected
    assert walk(sql, kind, query, size) == expected


# Random resources: values of every shape (wrong types, non-objects in arrays, several primaries)
# land in memory and SQL, which must still order them the same way.
TEXTS = ["", "a", "B", "b", "\u00e9", "E\u0301", "\u00c9", "\u00df", "SS", "ss", "z", "\U0001f600", "10", "9"]
TIMES = ["2020-01-01T10:00:00+02:00", "2020-01-01T08:00:00Z", "2020-01-01T08:00:00.5+00:00", "2020-01-01",
         "2020-01-01T08:00:00", "garbage", "0001-01-01T00:30:00+01:00"]
SCALARS = st.one_of(st.sampled_from(TEXTS), st.sampled_from(TIMES), st.none(), st.booleans(),
                    st.integers(-3, 12), st.sampled_from([-0.5, 0.1, 2.5, 10.0]))
VALUES = st.one_of(SCALARS, SCALARS, st.lists(SCALARS, max_size=2), st.just({"value": "x"}))
SUBS = {"type": SCALARS, "display": SCALARS, "primary": st.sampled_from([True, False, None, "true"])}
ELEMENTS = st.one_of(
    st.fixed_dictionaries({"value": SCALARS}, optional=SUBS),
    st.fixed_dictionaries({"value": st.sampled_from(TEXTS)}, optional=SUBS),
    st.fixed_dictionaries({}, optional={"value": SCALARS, **SUBS}),
    SCALARS,
)
MULTI = st.one_of(st.lists(ELEMENTS, max_size=3), st.lists(ELEMENTS, max_size=3), SCALARS)
USER_DATA = st.fixed_dictionaries({}, optional={
    "displayName": VALUES, "externalId": VALUES, "title": VALUES, "active": VALUES,
    "name": st.one_of(st.fixed_dictionaries({}, optional={"familyName": VALUES}), SCALARS),
    "emails": MULTI, "phoneNumbers": MULTI, "roles": MULTI,
    TEST_EXT: st.fixed_dictionaries({}, optional={
        "hired": VALUES, "level": VALUES, "score": VALUES, "flag": VALUES, "badge": VALUES,
        "tags": st.one_of(st.lists(SCALARS, max_size=3), SCALARS)}),
})
RANDOM_PATHS = ["displayName", "externalId", "title", "active", "name.familyName", "emails", "emails.type",
                "emails.display", "emails.primary", "phoneNumbers", "roles.value", "meta.created",
                f"{TEST_EXT}:hired", f"{TEST_EXT}:level", f"{TEST_EXT}:score", f"{TEST_EXT}:flag",
                f"{TEST_EXT}:badge", f"{TEST_EXT}:tags"]


@pytest.fixture(scope="module", params=SQL_BACKENDS)
def empty_sql(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Transactions]:
    with sql_store(request, tmp_path_factory.mktemp("sortrandom")) as sql:
        yield sql


def replace_users(tx: Transactions, users: list[Resource]) -> None:
    with tx(write=True) as uow:
        for r in uow.users.search(Query(count=1000)).items:
            uow.users.delete(r.id)
        for u in users:
            uow.users.add(u.copy())
        uow.commit()


@SORT_FUZZ
@given(datas=st.lists(USER_DATA, min_size=1, max_size=6), created=st.lists(st.integers(0, 2), min_size=6,
       max_size=6), path=st.sampled_from(RANDOM_PATHS), descending=st.booleans(), size=st.integers(1, 4))
def test_random_resources_sort_the_same_in_memory_and_sql(empty_sql: Transactions, datas: list[dict[str, Any]],
                                                          created: list[int], path: str, descending: bool,
                                                          size: int) -> None:
    users = [user(f"r{i}", f"user{i}", created[i], **d) for i, d in enumerate(datas)]
    memory = InMemoryTransactions()
    replace_users(memory, users)
    replace_users(empty_sql, users)
    for other in RANDOM_PATHS:  # every path, both ways: the queries are cheap, the loading is not
        for d in (False, True):
            query = sorted_by(USER, other, d, count=1000)
            expected, got = search(memory, USER, query), search(empty_sql, USER, query)
            assert (ids(got), got.keys) == (ids(expected), expected.keys), (other, d)
    query = sorted_by(USER, path, descending, count=1000)
    expected = search(memory, USER, query)
    assert walk(empty_sql, USER, query, size) == ([r.id for r in expected.items], expected.keys)
