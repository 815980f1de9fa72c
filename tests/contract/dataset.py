"""The data sets the filter, sort and keyset tests load, and the stores, searches and fuzz settings
they share."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from adapters.memory.store import InMemoryTransactions
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.uow import SqlTransactions
from domain.model import Page, Resource
from domain.ports import Transactions
from domain.query.ast import After, Query, Sort
from domain.query.paths import resolve
from tests.contract.conftest import ENTERPRISE, REGISTRY, TEST_EXT, fresh_url, group, user

Loader = Callable[[Transactions], None]
Stores = tuple[Transactions, Transactions]  # (memory, SQL), loaded alike

# -- the filter data set: users and groups, awkward on purpose -------------------------------------

USERS = [
    user("u01", "bjensen", 1, displayName="Barbara Jensen", externalId="EXT-1", active=True,
         title="Tour Guide", name={"familyName": "Jensen", "givenName": "Barbara"},
         emails=[{"value": "bjensen@example.com", "type": "work", "primary": True},
                 {"value": "babs@jensen.org", "type": "home"}],
         **{ENTERPRISE: {"department": "Sales", "employeeNumber": "701984", "manager": {"value": "u02"}},
            TEST_EXT: {"hired": "2020-01-01T10:00:00+02:00", "level": 3, "score": 2.5,
                       "tags": ["Alpha", "beta"], "badge": "AbC", "flag": True}}),
    user("u02", "\u00c9lodie", 2, displayName="\u00c9lodie \u00c9clair", externalId="ext-1", active=False,
         name={"familyName": "\u00c9clair"},
         emails=[{"value": "Elodie@X.example", "type": "Work"}],
         **{ENTERPRISE: {"department": "sales"},
            TEST_EXT: {"hired": "2020-01-01T08:30:00Z", "level": 10, "score": -1, "tags": [],
                       "badge": "abc", "flag": False}}),
    user("u03", "Stra\u00dfe", 3, displayName="STRASSE", name={},
         **{ENTERPRISE: {}, TEST_EXT: {"hired": "not a time", "level": -1, "tags": ["GAMMA"]}}),
    # NFD spelling, and two users created at the same instant (ordered by id)
    user("u05", "e\u0301mile", 4, displayName="E\u0301mile", emails=[{"type": "work"}],
         **{TEST_EXT: {"hired": "", "score": 0.1}}),
    user("u04", "\uff46\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48", 4, active=True,
         emails=[{"value": "", "type": "other"}], **{TEST_EXT: {"hired": "2020-01-01T00:00:00"}}),
    user("u06", "percent%_user", 6, displayName="100% _real_", nickName="Z",
         emails=[{"value": "50%@x.org", "display": "Fifty"}],
         phoneNumbers=[{"value": "+1 555 0100", "type": "mobile"}],
         addresses=[{"locality": "Paris", "primary": True}, {"locality": "Oslo"}],
         roles=[{"value": "Admin"}], title=""),
    user("u07", "emoji\U0001f600", 7, displayName="\U0001f600 smile", externalId="\U0001f600",
         emails=[{"value": "X@Y.COM", "type": "WORK", "primary": False}],
         **{TEST_EXT: {"hired": "2019-12-31T23:59:59.999999-05:00", "tags": ["alpha"]}}),
    user("u08", "zeta", 8, displayName="Zeta \u03a9", active=True, name={"givenName": "Zeta"}),
]

GROUPS = [
    group("g1", "Admins", 1, externalId="G-1"),
    group("g2", "admins", 2),
    group("g3", "\u00dcn\u00efc\u00f6d\u00e9", 3),
    group("g4", "Empty %", 4, externalId="g-1"),
]
MEMBERS = {"g1": ["u01", "u02"], "g2": ["u03", "u04"], "g3": ["u01", "u07", "u08"]}


# -- the sort data set: each user exercises several attributes; test_sorting.py works out the
# expected orders by hand -------------------------------------------------------------------------

NFD_EMILE, NFC_EMILE = "E\u0301mile", "\u00c9mile"

SORT_USERS = [
    user("s1", "Bob", 5, displayName=NFD_EMILE, externalId="b", active=True,
         name={"familyName": "Zed"},
         emails=[{"value": "z@x", "type": "work", "primary": False},
                 {"value": "A@x", "type": "Home", "primary": True}],
         **{ENTERPRISE: {"manager": {"value": "s9"}},
            TEST_EXT: {"level": 10, "score": 2.5, "flag": True, "hired": "2020-01-01T10:00:00+02:00",
                       "badge": "b", "tags": ["beta", "Alpha"]}}),
    user("s2", "alice", 1, displayName=NFC_EMILE, externalId="B", active=False,
         name={"familyName": "\u00e5lund"},
         emails=[{"value": "m@x", "type": "other"}, {"value": "b@x"}],
         **{ENTERPRISE: {"manager": {"value": "S1"}},
            TEST_EXT: {"level": 9, "score": -0.5, "flag": False, "hired": "2020-01-01T09:00:00Z",
                       "badge": "B", "tags": ["Alpha"]}}),
    user("s3", "\u00c9milie", 3, displayName="STRASSE", externalId="a",
         emails=[{"type": "work"}, {"value": "c@x"}],
         **{TEST_EXT: {"level": -1, "score": 10, "flag": None, "hired": "not a time", "badge": "\u00c9",
                       "tags": []}}),
    user("s4", "stra\u00dfer", 3, displayName="Stra\u00dfe", externalId="\u00c9", active="yes",
         name={"givenName": "x"},
         emails=[{"value": "k@x", "type": "home"}, {"value": "Q@x", "primary": True, "type": "WORK"},
                 {"value": "a@x", "primary": True}],
         **{TEST_EXT: {"score": 0.1, "flag": True, "hired": "2019-12-31T23:00:00-10:00", "badge": "e\u0301"}}),
    user("s5", "zed", 2, displayName="zo\u00eb", active=True, name={"familyName": "adams"}, emails=[],
         **{TEST_EXT: {"level": "7", "flag": False, "hired": "", "badge": "a", "tags": ["\u00df"]}}),
    user("s6", None, 4, displayName="Zoe", externalId="ab", active=False, name="not a dict",
         **{TEST_EXT: {"level": 10, "score": 2, "hired": "2020-01-01T08:00:00.000001Z", "tags": "solo"}}),
]
SORT_GROUPS = [group("sg1", "Zeta", 1), group("sg2", "alpha", 2), group("sg3", "m", 3)]
SORT_MEMBERS = {"sg1": ["s3", "s2"], "sg2": ["s1"]}


def add_all(tx: Transactions, users: list[Resource], groups: list[Resource], members: dict[str, list[str]]) -> None:
    """Add copies of `users` and `groups`, then `members`, in one committed unit of work."""
    with tx(write=True) as uow:
        for u in users:
            uow.users.add(u.copy())
        for g in groups:
            uow.groups.add(g.copy())
        for group_id, member_ids in members.items():
            uow.memberships.add(group_id, member_ids)
        uow.commit()


def load(tx: Transactions) -> None:
    add_all(tx, USERS, GROUPS, MEMBERS)


def load_sort_data(tx: Transactions) -> None:
    add_all(tx, SORT_USERS, SORT_GROUPS, SORT_MEMBERS)


# -- stores -----------------------------------------------------------------------------------------

@contextmanager
def sql_store(request: pytest.FixtureRequest, directory: Path, *loaders: Loader) -> Iterator[SqlTransactions]:
    """A fresh database of the backend `request.param` (in `directory` for SQLite), loaded by `loaders`."""
    engine = make_engine(fresh_url(request.param, request, directory))
    try:
        tx = SqlTransactions(engine, REGISTRY)
        for loader in loaders:
            loader(tx)
        yield tx
    finally:
        engine.dispose()


def loaded_store(request: pytest.FixtureRequest, directory: Path, *loaders: Loader) -> Iterator[Transactions]:
    """For a fixture over the backends: the backend `request.param` ("memory" or SQL), loaded."""
    if request.param == "memory":
        memory = InMemoryTransactions()
        for loader in loaders:
            loader(memory)
        yield memory
        return
    with sql_store(request, directory, *loaders) as sql:
        yield sql


def memory_and_sql(request: pytest.FixtureRequest, directory: Path, *loaders: Loader) -> Iterator[Stores]:
    """For a fixture over the SQL backends: (memory, SQL), both loaded the same way."""
    memory = InMemoryTransactions()
    for loader in loaders:
        loader(memory)
    with sql_store(request, directory, *loaders) as sql:
        yield memory, sql


def fuzz_settings(examples: int, thorough: int) -> settings:
    """`examples` reproducible cases in the default tier, `thorough` of them when
    SCIM_TEST_THOROUGH is set (.ci/run sets it: every tier runs there); SCIM_FUZZ_EXAMPLES=5000
    explores further, with fresh random ones."""
    more = os.environ.get("SCIM_FUZZ_EXAMPLES")
    count = int(more) if more else thorough if os.environ.get("SCIM_TEST_THOROUGH") else examples
    return settings(max_examples=count, deadline=None, derandomize=more is None, database=None)


# -- searches ---------------------------------------------------------------------------------------

def search(tx: Transactions, kind: str, query: Query) -> Page:
    with tx(write=False) as uow:
        return uow.repository(kind).search(query)


def sorted_by(kind: str, path: str | None, descending: bool = False, **kw: Any) -> Query:
    sort = Sort(resolve(REGISTRY.by_name(kind), path), descending) if path else None
    return Query(sort=sort, **kw)


def ids(page: Page) -> str:
    return " ".join(r.id for r in page.items)


def walk(tx: Transactions, kind: str, query: Query, size: int) -> tuple[list[str], list[Any]]:
    """Every page of `query` by cursor: (ids, keys) in the order visited."""
    seen: list[str] = []
    keys: list[Any] = []
    after = None
    while True:
        page = search(tx, kind, Query(query.filter, count=size, sort=query.sort, after=after, with_total=False))
        assert page.total is None and page.keys is not None
        if not page.items:
            return seen, keys
        assert len(page.items) <= size
        seen += [r.id for r in page.items]
        keys += page.keys
        after = After(page.keys[-1], page.items[-1].id)
