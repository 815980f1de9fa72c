"""Filters compiled to SQL select exactly what the in-memory evaluator selects, in the same order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from adapters.memory.store import InMemoryTransactions
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.query.filters import FilterCompiler
from adapters.sqlalchemy.uow import SqlTransactions
from domain.errors import InvalidFilter
from domain.model import USER
from domain.ports import Transactions
from domain.query.ast import Compare, Query, ValueFilter
from domain.query.parser import parse_filter
from domain.query.paths import resolve
from tests.contract.conftest import ENTERPRISE, REGISTRY, SQL_BACKENDS, TEST_EXT, group, user
from tests.contract.dataset import Stores, load, memory_and_sql, search

EVERY_USER = {"u01", "u02", "u03", "u04", "u05", "u06", "u07", "u08"}
DEPT, EXT = f"{ENTERPRISE}:department", TEST_EXT


@pytest.fixture(scope="module", params=SQL_BACKENDS)
def stores(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    """(memory, SQL), both loaded with tests/contract/dataset.py."""
    yield from memory_and_sql(request, tmp_path_factory.mktemp("filters"), load)


def found(tx: Transactions, kind: str, text: str) -> tuple[list[str], int | None]:
    page = search(tx, kind, Query(parse_filter(REGISTRY.by_name(kind), text), count=1000))
    return [r.id for r in page.items], page.total


def same_everywhere(stores: Stores, kind: str, text: str) -> set[str]:
    memory, sql = stores
    expected = found(memory, kind, text)
    assert found(sql, kind, text) == expected, text
    return set(expected[0])


USER_CASES = [
    ('userName eq "BJENSEN"', {"u01"}),
    ('userName eq "\uff22\uff2aensen"', {"u01"}),
    ('userName eq "STRASSE"', {"u03"}),
    ('userName eq "\u00c9LODIE"', {"u02"}),
    ('userName eq "E\u0301lodie"', {"u02"}),  # NFD literal, NFC value
    ('userName eq "\u00e9mile"', {"u05"}),  # NFC literal, NFD value
    ('userName eq "FULLWIDTH"', {"u04"}),
    ('userName sw "b"', {"u01"}),
    ('userName ew "USER"', {"u06"}),
    ('userName co "%_"', {"u06"}),
    ('userName co "_"', {"u06"}),
    ('externalId eq "EXT-1"', {"u01"}),
    ('externalId eq "ext-1"', {"u02"}),
    ('id eq "u03"', {"u03"}),
    ('displayName eq "barbara jensen"', {"u01"}),
    ('displayName eq "strasse"', {"u03"}),
    ('displayName co "%"', {"u06"}),
    ('emails.value eq "BJENSEN@EXAMPLE.COM"', {"u01"}),
    ('emails eq "babs@jensen.org"', {"u01"}),
    ('active eq true', {"u01", "u04", "u08"}),
    ('active ne true', {"u02", "u03", "u05", "u06", "u07"}),
    ('not (active pr)', {"u03", "u05", "u06", "u07"}),
    ('meta.created gt "2024-01-01T00:00:05Z"', {"u06", "u07", "u08"}),
    ('meta.created eq "2024-01-01T01:00:03+01:00"', {"u03"}),
    ('name.familyName eq "JENSEN"', {"u01"}),
    (f'{DEPT} eq "SALES"', {"u01", "u02"}),
    ('groups.value eq "g1"', {"u01", "u02"}),
    ('emails[type eq "work" and value co "@x"]', {"u02"}),
    ('emails[type eq "work" and primary eq true]', {"u01"}),
    ('title pr', {"u01"}),
    ('meta.resourceType eq "User"', EVERY_USER),
    (f'{EXT}:hired gt "2020-01-01T07:00:00Z"', {"u01", "u02"}),
    (f'{EXT}:level ge 3', {"u01", "u02"}),
    (f'{EXT}:badge eq "abc"', {"u02"}),
]

GROUP_CASES = [
    ('members eq "u01"', {"g1", "g3"}),
    ('members.value eq "u03"', {"g2"}),
    ('displayName eq "ADMINS"', {"g1", "g2"}),
    ('members pr', {"g1", "g2", "g3"}),
    ('not (members pr)', {"g4"}),
    ('externalId eq "G-1"', {"g1"}),
    ('displayName sw "\u00fcN"', {"g3"}),
]


@pytest.mark.parametrize(("text", "expected"), USER_CASES, ids=[c[0] for c in USER_CASES])
def test_user_filters_select_the_expected_users(stores: Stores, text: str, expected: set[str]) -> None:
    assert same_everywhere(stores, "User", text) == expected


@pytest.mark.parametrize(("text", "expected"), GROUP_CASES, ids=[c[0] for c in GROUP_CASES])
def test_group_filters_select_the_expected_groups(stores: Stores, text: str, expected: set[str]) -> None:
    assert same_everywhere(stores, "Group", text) == expected


PARITY_USER = [
    'userName gt "m"', 'userName le "bjensen"', 'userName ne "bjensen"', 'userName sw ""', 'userName pr',
    'userName sw "\uff46\uff55\uff4c"', 'userName sw "emoji"', 'userName ew "\U0001f600"',
    'externalId sw "EXT"', 'externalId pr', 'externalId ne "EXT-1"', 'externalId eq null',
    'externalId ne null', 'externalId eq "\U0001f600"', 'id gt "u05"', 'id co "0"', 'id ew "8"',
    'displayName co "_real_"', 'displayName pr', 'displayName eq null', 'displayName sw "\U0001f600"',
    'displayName eq "\u00e9mile"', 'displayName co "\u03c9"', 'displayName lt "b"',
    'emails.value co "@x"', 'emails.value ew ".COM"', 'emails.value pr', 'emails pr', 'emails.type eq "work"',
    'emails.primary eq true', 'emails.primary eq false', 'emails.value ne "bjensen@example.com"',
    'emails.display pr', 'emails.display eq "fifty"', 'emails.value eq null', 'emails.value co "%"',
    'emails[not (value pr)]', 'emails[type eq "work"].value co "example"', 'emails[display pr or value sw "b"]',
    'emails[type ne "work"]', 'emails[primary ne true]', 'emails.type ne "work"',
    'active eq false', 'active pr', 'active eq "true"', 'not (active eq false)', 'active eq null',
    'meta.created ge "2024-01-01T00:00:04Z"', 'meta.lastModified lt "2024-01-01T00:00:03Z"',
    'meta.created gt "2024-01-01T00:00:03+00:00"', 'meta.created ne "2024-01-01T01:00:03+01:00"',
    'meta.created co "2024"', 'meta.resourceType eq "user"', 'meta.version eq "W/\\"1\\""', 'meta.location pr',
    'meta.location eq null', 'meta pr', 'meta.version sw "W/"',
    'name.familyName co "CL"', 'name.familyName pr', 'name pr', 'name.familyName eq null',
    'name.givenName ne "Barbara"', 'name.familyName ge "\u00e9"',
    f'{DEPT} ne "sales"', f'{DEPT} pr', f'{ENTERPRISE}:manager.value eq "U02"', f'{ENTERPRISE}:employeeNumber gt "7"',
    f'{ENTERPRISE}:manager pr', f'{DEPT} eq null',
    f'{EXT}:hired eq "2020-01-01T08:00:00Z"', f'{EXT}:hired pr', f'{EXT}:hired lt "2020-01-01T05:00:00Z"',
    f'{EXT}:hired ne "2020-01-01T08:00:00Z"', f'{EXT}:hired eq null', f'{EXT}:hired sw "2020"',
    f'{EXT}:level gt 5', f'{EXT}:level eq 3', f'{EXT}:level ge "3"', f'{EXT}:level lt 3.5', f'{EXT}:level ne 3',
    f'{EXT}:score le 0.1', f'{EXT}:score eq 2.5', f'{EXT}:score gt -1', f'{EXT}:score pr',
    f'{EXT}:level gt -1e400', f'{EXT}:score lt 1e400', f'{EXT}:level lt 9007199254740991',
    f'{EXT}:tags eq "alpha"', f'{EXT}:tags co "A"', f'{EXT}:tags pr', f'{EXT}:tags ne "beta"',
    f'{EXT}:badge eq "AbC"', f'{EXT}:badge gt "a"', f'{EXT}:flag eq true', f'{EXT}:flag ne false',
    'groups.type eq "direct"', 'groups eq "G1"', 'groups pr', 'not (groups pr)',
    'groups[value eq "g2"]', 'groups.value ne "g3"', 'groups[type eq "DIRECT" and value sw "g"]',
    'phoneNumbers.value co "555"', 'addresses.locality eq "paris"', 'addresses[primary eq true]',
    'addresses[not (primary eq true)]', 'roles.value eq "ADMIN"', 'title eq ""', 'nickName eq null',
    'title eq "Tour Guide" or active eq false', 'userName sw "b" and not (emails.type eq "home")',
    'not (emails[type eq "work"]) and (active pr or displayName pr)',
]

PARITY_GROUP = [
    'members.type eq "user"', 'members[value eq "u02"]', 'members.value ne "u01"',
    'members[value eq "u01" or value eq "u03"]', 'members.value gt "u05"', 'meta.resourceType eq "Group"',
    'displayName co "\u00fc"', 'externalId ne "G-1"', 'externalId eq "g-1"', 'displayName co "%"',
    'meta.created lt "2024-01-01T00:00:03Z"', 'members.$ref pr', 'not (members.value sw "u0")',
]


@pytest.mark.parametrize("text", PARITY_USER)
def test_user_filters_agree_with_memory(stores: Stores, text: str) -> None:
    same_everywhere(stores, "User", text)


@pytest.mark.parametrize("text", PARITY_GROUP)
def test_group_filters_agree_with_memory(stores: Stores, text: str) -> None:
    same_everywhere(stores, "Group", text)


# `display` of members and groups is the name the responses show (the member's or group's
# displayName), so filters on it answer for what the client sees.
DISPLAY_CASES = [
    ("Group", 'members.display eq "BARBARA JENSEN"', {"g1", "g3"}),
    ("Group", 'members[display sw "\u00e9lodie" and value eq "u02"]', {"g1"}),
    ("Group", 'members.display eq null', {"g2"}),  # u04 has no displayName
    ("User", 'groups.display eq "ADMINS"', {"u01", "u02", "u03", "u04"}),
    ("User", 'groups.display pr', {"u01", "u02", "u03", "u04", "u07", "u08"}),
    ("User", 'not (groups.display co "\u00fc")', {"u02", "u03", "u04", "u05", "u06"}),
]


@pytest.mark.parametrize(("kind", "text", "expected"), DISPLAY_CASES, ids=[c[1] for c in DISPLAY_CASES])
def test_display_filters_match_the_names_the_responses_show(stores: Stores, kind: str, text: str,
                                                            expected: set[str]) -> None:
    assert set(found(stores[1], kind, text)[0]) == expected


@pytest.mark.parametrize(("kind", "text", "expected"), DISPLAY_CASES, ids=[c[1] for c in DISPLAY_CASES])
def test_memory_display_filters_match_the_names_the_responses_show(kind: str, text: str,
                                                                   expected: set[str]) -> None:
    memory = InMemoryTransactions()
    load(memory)
    assert set(found(memory, kind, text)[0]) == expected


def test_what_sql_cannot_express_is_an_invalid_filter() -> None:
    compiler = FilterCompiler(USER, "sqlite")
    name = resolve(REGISTRY.user, "name")
    emails = resolve(REGISTRY.user, "emails")
    value = Compare(resolve(REGISTRY.user, "emails.value"), "eq", "x")
    with pytest.raises(InvalidFilter, match="complex"):
        compiler(Compare(name, "eq", "x"))
    with pytest.raises(InvalidFilter, match="nested"):
        compiler(ValueFilter(emails, ValueFilter(emails, value)))
    with pytest.raises(InvalidFilter, match="multi-valued"):
        compiler(ValueFilter(name, value))


@pytest.mark.parametrize("sql_url", SQL_BACKENDS, indirect=True)
def test_an_eq_lookup_on_an_indexed_column_is_one_prepared_read(sql_url: str) -> None:
    """`userName eq` (what every IdP sends before a create) skips the statement builder: no
    statement goes through SQLAlchemy's execution (the prepared read runs on the driver). A
    full first page still takes the general path, which counts the total."""
    engine = make_engine(sql_url)
    tx = SqlTransactions(engine, REGISTRY)
    try:
        with tx(write=True) as uow:
            uow.users.add(user("u1", "Alice", 1, externalId="X-1"))
            uow.users.add(user("u2", "bob", 2, externalId="x-1"))
            for gid, at in (("g2", 2), ("g1", 3)):
                uow.groups.add(group(gid, "Staff", at))
            uow.commit()
        sent: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))

        def ids(kind: str, text: str, **kw: object) -> tuple[list[str], int | None]:
            page = search(tx, kind, Query(parse_filter(REGISTRY.by_name(kind), text), **kw))
            return [r.id for r in page.items], page.total

        assert ids(USER, 'userName eq "ALICE"') == (["u1"], 1)
        assert ids(USER, 'externalId eq "x-1"') == (["u2"], 1)  # caseExact
        assert ids(USER, 'userName eq "nobody"') == ([], 0)
        assert ids(USER, 'userName eq "bob"', with_total=False) == (["u2"], None)
        assert ids("Group", 'displayName eq "staff"') == (["g2", "g1"], 2)  # created order
        assert sent == []
        assert ids("Group", 'displayName eq "staff"', count=1) == (["g2"], 2)
        assert ids(USER, 'userName eq "alice"', start_index=2) == ([], 1)
        assert len(sent) >= 2
    finally:
        engine.dispose()
