"""What a filter selects (RFC 7644 §3.4.2.2), on the in-memory store: the evaluator's rules for
case, operators, value filters, extension URNs, meta and derived `groups`, one case per test.

tests/http/test_listing.py sends the same table over HTTP on each backend; tests/contract/
test_filters.py checks that SQL selects what memory selects on a data set of its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.memory.store import InMemoryTransactions
from domain.model import GROUP, USER, Resource
from domain.query.ast import Query
from domain.query.parser import parse_filter
from domain.schema.registry import default_registry

ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
REG = default_registry()
T0 = datetime(2026, 1, 1, tzinfo=UTC)

# The users and groups tests/http/test_listing.py seed_directory() creates, as stored.
USERS: dict[str, dict[str, Any]] = {
    "bjensen": {"externalId": "EXT-B", "displayName": "Babs Jensen", "title": "Tour Guide", "active": True,
                "name": {"givenName": "Barbara", "familyName": "Jensen"},
                "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True},
                           {"value": "babs@home.org", "type": "home"}],
                ENTERPRISE_URN: {"employeeNumber": "701", "department": "Tour"}},
    "jsmith": {"externalId": "ext-j", "displayName": "John Smith", "active": False,
               "name": {"givenName": "John", "familyName": "Smith"},
               "emails": [{"value": "jsmith@example.org", "type": "work"}],
               ENTERPRISE_URN: {"employeeNumber": "702"}},
    "100%real": {},
    "under_score": {},
    "underXscore": {},
    "fiona": {},
}
GROUPS = {"Admins": (["bjensen", "jsmith"], {"externalId": "g-ext"}), "Tour": (["bjensen"], {}), "Empty": ([], {})}

ALL_USERS = sorted(USERS)
USER_FILTERS = [
    ('userName eq "bjensen"', ["bjensen"]),
    ('userName eq "BJENSEN"', ["bjensen"]),
    ('USERNAME EQ "bjensen"', ["bjensen"]),
    ('userName eq "nobody"', []),
    ('userName eq "ﬁona"', ["fiona"]),
    ('externalId eq "EXT-B"', ["bjensen"]),
    ('externalId eq "ext-b"', []),
    ('displayName eq "john smith"', ["jsmith"]),
    ('emails.value eq "JSMITH@example.org"', ["jsmith"]),
    ('emails eq "babs@home.org"', ["bjensen"]),
    ('emails[type eq "home"]', ["bjensen"]),
    ('emails[type eq "work" and value ew "example.com"]', ["bjensen"]),
    ('emails[type eq "work"].value eq "jsmith@example.org"', ["jsmith"]),
    ('emails[type eq "home"].value eq "jsmith@example.org"', []),
    ('name.familyName co "ENS"', ["bjensen"]),
    ('name.givenName sw "j"', ["jsmith"]),
    ('userName ew "SEN"', ["bjensen"]),
    ('userName sw "under"', ["underXscore", "under_score"]),
    ('userName co "%"', ["100%real"]),
    ('userName co "_"', ["under_score"]),
    ('userName sw "under_"', ["under_score"]),
    ('userName ne "bjensen"', [n for n in ALL_USERS if n != "bjensen"]),
    ("active eq true", ["bjensen"]),
    ("active eq false", ["jsmith"]),
    ("title pr", ["bjensen"]),
    ("not (title pr)", [n for n in ALL_USERS if n != "bjensen"]),
    ('userName eq "bjensen" or userName eq "jsmith"', ["bjensen", "jsmith"]),
    ('userName sw "j" and active eq false', ["jsmith"]),
    ('(userName eq "bjensen" or userName eq "jsmith") and active eq true', ["bjensen"]),
    ('not (userName eq "bjensen" or userName sw "u") and not (userName eq "fiona")', ["100%real", "jsmith"]),
    (f'{ENTERPRISE_URN}:employeeNumber eq "702"', ["jsmith"]),
    (f'{ENTERPRISE_URN.upper()}:DEPARTMENT eq "tour"', ["bjensen"]),
    ('meta.created gt "2000-01-01T00:00:00Z"', ALL_USERS),
    ('meta.created lt "2000-01-01T00:00:00Z"', []),
    ('meta.resourceType eq "User"', ALL_USERS),
    ('externalId sw "ext"', ["jsmith"]),
    ('externalId co "XT"', ["bjensen"]),
    ('userName gt "j"', ["jsmith", "underXscore", "under_score"]),
    ('userName le "BJENSEN"', ["100%real", "bjensen"]),
    ('emails.type eq "WORK"', ["bjensen", "jsmith"]),
    ("emails[primary eq true]", ["bjensen"]),
    ("externalId pr", ["bjensen", "jsmith"]),
    ("groups pr", ["bjensen", "jsmith"]),
]
GROUP_FILTERS = [
    ('displayName eq "admins"', ["Admins"]),
    ('externalId eq "g-ext"', ["Admins"]),
    ('externalId eq "G-EXT"', []),
    ("members pr", ["Admins", "Tour"]),
    ("not (members pr)", ["Empty"]),
]


@pytest.fixture(scope="module")
def directory() -> InMemoryTransactions:
    tx = InMemoryTransactions()
    with tx(write=True) as uow:
        for n, (name, data) in enumerate(USERS.items()):
            at = T0 + timedelta(seconds=n)
            uow.users.add(Resource(f"u-{name}", USER, {"userName": name, **data}, at, at))
        for n, (name, (_, data)) in enumerate(GROUPS.items()):
            at = T0 + timedelta(minutes=1, seconds=n)
            uow.groups.add(Resource(f"g-{name}", GROUP, {"displayName": name, **data}, at, at))
        for name, (members, _) in GROUPS.items():
            if members:
                uow.memberships.add(f"g-{name}", [f"u-{m}" for m in members])
        uow.commit()
    return tx


def selected(tx: InMemoryTransactions, kind: str, text: str) -> list[str]:
    expr = parse_filter(REG.by_name(kind), text)
    with tx(write=False) as uow:
        page = (uow.users if kind == USER else uow.groups).search(Query(expr, count=100))
    assert page.total == len(page.items)
    names = [r.data["userName"] if kind == USER else r.data["displayName"] for r in page.items]
    return sorted(names)


@pytest.mark.parametrize(("expr", "expected"), USER_FILTERS, ids=[f for f, _ in USER_FILTERS])
def test_a_filter_selects_exactly_the_matching_users(directory, expr, expected):
    assert selected(directory, USER, expr) == sorted(expected)


@pytest.mark.parametrize(("expr", "expected"), GROUP_FILTERS, ids=[f for f, _ in GROUP_FILTERS])
def test_a_filter_selects_exactly_the_matching_groups(directory, expr, expected):
    assert selected(directory, GROUP, expr) == expected


@pytest.mark.parametrize("form", ['members eq "{}"', 'members.value eq "{}"', 'members[value eq "{}"]'])
def test_members_eq_finds_the_groups_of_a_user(directory, form):
    assert selected(directory, GROUP, form.format("u-bjensen")) == ["Admins", "Tour"]
    assert selected(directory, GROUP, form.format("u-jsmith")) == ["Admins"]
    assert selected(directory, GROUP, form.format("u-fiona")) == []


def test_entras_membership_probe_answers_one_group_or_none(directory):
    assert selected(directory, GROUP, 'id eq "g-Tour" and members eq "u-bjensen"') == ["Tour"]
    assert selected(directory, GROUP, 'id eq "g-Tour" and members eq "u-jsmith"') == []


@pytest.mark.parametrize("joiner", [" or ", " and "])
def test_a_long_flat_chain_of_conditions_is_evaluated(directory, joiner):
    assert selected(directory, USER, joiner.join(["id pr"] * 400)) == ALL_USERS
