"""One set of users and groups, awkward on purpose, that the filter tests load into every backend."""

from __future__ import annotations

from domain.model import Resource
from domain.ports import Transactions
from tests.contract.conftest import ENTERPRISE, TEST_EXT, group, user

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


def load(tx: Transactions) -> None:
    with tx(write=True) as uow:
        for u in USERS:
            uow.users.add(_copy(u))
        for g in GROUPS:
            uow.groups.add(_copy(g))
        for g, members in MEMBERS.items():
            uow.memberships.add(g, members)
        uow.commit()


def _copy(r: Resource) -> Resource:
    return r.copy()
