"""Generated data for tests/contract/test_generated_differential.py: small sets of users and
groups whose values come from awkward pools (case, NFC/NFD, ß/SS, fullwidth, emoji, LIKE
metacharacters, dateTimes in many offsets, numbers near the edges), each valid for the schema
(checked by the create path's `conform` and `check_required`), and the literals a filter on
them can compare with so that comparisons actually match."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import Engine, delete

from adapters.sqlalchemy.tables import changes, groups, memberships, user_emails, users
from domain.errors import InvalidValue
from domain.idp.policy import Policy
from domain.model import GROUP, USER, Resource
from domain.query.values import as_time
from domain.schema.rules import check_required
from domain.schema.validation import conform
from domain.schema.values import MAX_EXACT_INTEGER
from domain.text import fold
from tests.contract.conftest import ENTERPRISE, REGISTRY, TEST_EXT, at

# -- value pools -------------------------------------------------------------------------------

PIECES = ["a", "A", "b", "B", "\u00df", "SS", "ss", "\u00e9", "e\u0301", "\u00c9", "E\u0301", "\uff41",
          "\uff21", "%", "_", "\\", "\U0001f600", "\u0130", "i", "\ufb01", "fi", " ", "-", "0", "1",
          "@x.org", "\u01c5", "\u03a3", "\u03c2"]
ID_POOL = ["u1", "U1", "u2", "u10", "u_2", "a", "B", "b", "\u00e91", "z"]
GROUP_ID_POOL = ["g1", "G1", "g2", "g_", "g%"]
TYPES = ["work", "Work", "WORK", "home", "other", "mobile", "\u00df", ""]
OFFSETS = ["Z", "+00:00", "-00:00", "+01:00", "-05:00", "+05:30", "+14:00", "-12:00"]
BASE = datetime(2020, 1, 1, tzinfo=UTC)
SHIFTS = [timedelta(0), timedelta(microseconds=1), timedelta(seconds=1), timedelta(minutes=30),
          timedelta(hours=-5), timedelta(days=1), timedelta(days=-400)]
EXTREMES = [datetime(1, 1, 1, 12, tzinfo=UTC), datetime(9999, 12, 31, 12, tzinfo=UTC)]
# the first and last instants every store compares; one beyond years 1-9999 in UTC (e.g.
# 0001-01-01T00:30:00+01:00) is refused by the schema, as by filters
EDGE_TIMES = ["0001-01-01T00:00:00Z", "0001-01-01T00:30:00+00:30", "9999-12-31T23:59:59.999999Z",
              "9999-12-31T23:30:00-00:29"]
INTEGERS = [0, 1, -1, 2, 3, 10, 2**31, 2**53 - 2, MAX_EXACT_INTEGER, -MAX_EXACT_INTEGER]
DECIMALS = [0, 1, -1, 2.5, 0.1, 0.2, 0.3, 0.30000000000000004, -0.0, 1e-7, 1e20, 2.0, 5e-324,
            1.7976931348623157e308, MAX_EXACT_INTEGER, -MAX_EXACT_INTEGER, 9007199254740993.0, 1e20, -1e30]
# (an integer beyond ±MAX_EXACT_INTEGER in a decimal, 10**20 say, is refused by the schema: a
# double would round it)

texts = st.lists(st.sampled_from(PIECES), max_size=3).map("".join)
flags = st.booleans()


def render_time(instant: datetime, offset: str, digits: int) -> str | None:
    """`instant` as xsd:dateTime text in `offset` with `digits` fraction digits (0, 3, 6, 9);
    None when the local time falls outside years 1-9999."""
    delta = timedelta(0) if offset in ("Z", "+00:00", "-00:00") else timedelta(
        hours=int(offset[1:3]), minutes=int(offset[4:6])) * (1 if offset[0] == "+" else -1)
    try:
        local = instant.astimezone(timezone(delta))
    except OverflowError:
        return None
    fraction = f"{local.microsecond:06d}{'789':.{max(digits - 6, 0)}}"[:digits]
    clock = f"{local.year:04d}-{local.month:02d}-{local.day:02d}T{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    return clock + (f".{fraction}" if digits else "") + offset


@st.composite
def _times(draw: st.DrawFn) -> str:
    instant = draw(st.sampled_from([*(BASE + s for s in SHIFTS), *EXTREMES]))
    text = render_time(instant, draw(st.sampled_from(OFFSETS)), draw(st.sampled_from([0, 3, 6, 9])))
    return text if text is not None else render_time(instant, "Z", 0) or "2020-01-01T00:00:00Z"


def times() -> st.SearchStrategy[str]:
    return st.one_of(_times(), st.sampled_from(EDGE_TIMES))


def _element(**subs: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=subs)


emails = _element(value=texts, type=st.sampled_from(TYPES), primary=flags, display=texts)
phones = _element(value=texts, type=st.sampled_from(TYPES), primary=flags)
addresses = _element(locality=texts, type=st.sampled_from(TYPES), primary=flags)
roles = _element(value=texts, primary=flags)


def _core(manager_ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"userName": texts}, optional={
        "displayName": texts, "nickName": texts, "title": texts, "externalId": texts, "active": flags,
        "name": _element(familyName=texts, givenName=texts),
        "emails": st.lists(emails, max_size=3), "phoneNumbers": st.lists(phones, max_size=2),
        "addresses": st.lists(addresses, max_size=2), "roles": st.lists(roles, max_size=2),
        ENTERPRISE: _element(department=texts, employeeNumber=texts,
                             manager=_element(value=st.one_of(st.sampled_from(manager_ids), texts))),
        TEST_EXT: _element(hired=times(), level=st.sampled_from(INTEGERS), score=st.sampled_from(DECIMALS),
                           tags=st.lists(texts, max_size=3), badge=texts, flag=flags),
    })


@dataclass
class Data:
    """One example's resources: users, groups, and each group's member ids."""

    users: list[Resource]
    groups: list[Resource]
    members: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        def one(r: Resource) -> str:
            return f"{r.id} {r.created.isoformat()} {json.dumps(r.data, ensure_ascii=False)}"
        return "\n".join([*map(one, self.users), *map(one, self.groups), f"members: {self.members}"])


def valid(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` as the create path stores it: conformed to the schema (canonical, pruned, one
    primary). The required name is trimmed, and replaced by "x" if still refused (empty, or
    a userName RFC 8265 forbids): the rest of the resource is kept."""
    rtype, required = REGISTRY.by_name(kind), "userName" if kind == USER else "displayName"
    data = {**data, required: data[required].strip() or "x"}
    try:
        out = conform(rtype, data, Policy())
    except InvalidValue:
        out = conform(rtype, {**data, required: "x"}, Policy())
    check_required(rtype, out)
    return out


def _unique_names(datas: list[dict[str, Any]]) -> None:
    """userName is unique case-insensitively (domain.text.fold, as both stores compare it)."""
    seen: set[str] = set()
    for i, d in enumerate(datas):
        while fold(d["userName"]) in seen:
            d["userName"] += str(i)
        seen.add(fold(d["userName"]))


CREATED = [0, 0.5, 1, 1.000001, 2]


@st.composite
def datasets(draw: st.DrawFn) -> Data:
    user_ids = draw(st.lists(st.sampled_from(ID_POOL), min_size=1, max_size=8, unique=True))
    datas = [valid(USER, draw(_core(user_ids))) for _ in user_ids]
    _unique_names(datas)
    made = [Resource(rid, USER, d, at(draw(st.sampled_from(CREATED))), at(draw(st.sampled_from(CREATED))))
            for rid, d in zip(user_ids, datas, strict=True)]
    group_ids = draw(st.lists(st.sampled_from(GROUP_ID_POOL), min_size=1, max_size=4, unique=True))
    group_data = st.fixed_dictionaries({"displayName": texts}, optional={"externalId": texts})
    made_groups = [Resource(gid, GROUP, valid(GROUP, draw(group_data)), at(draw(st.sampled_from(CREATED))),
                            at(draw(st.sampled_from(CREATED)))) for gid in group_ids]
    members = {gid: draw(st.lists(st.sampled_from(user_ids), unique=True, max_size=4)) for gid in group_ids}
    return Data(made, made_groups, {g: m for g, m in members.items() if m})


def clear(engine: Engine) -> None:
    """Empties what a Data loads (the database keeps its schema): between examples."""
    with engine.begin() as conn:
        for table in (memberships, user_emails, changes, users, groups):
            conn.execute(delete(table))


# -- literals drawn from the data ----------------------------------------------------------------

def _leaves(prefix: str, value: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(f"{prefix}.{key}" if prefix else key, item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(prefix, item)
    else:
        yield prefix, value


def values_by_path(data: Data, kind: str) -> dict[str, list[Any]]:
    """Every value each attribute path holds in `data`'s resources of `kind` ("emails.type",
    "urn:...:User:manager.value", "meta.created", the derived groups/members)."""
    found: dict[str, list[Any]] = {}
    resources = data.users if kind == USER else data.groups
    names = {r.id: r.display_name for r in data.users + data.groups}
    for r in resources:
        pairs = list(_leaves("", {k: v for k, v in r.data.items() if not k.startswith("urn:")}))
        for urn in (ENTERPRISE, TEST_EXT):
            pairs += [(f"{urn}:{p}", v) for p, v in _leaves("", r.data.get(urn, {}))]
        pairs += [("id", r.id), ("meta.created", r.created.isoformat()),
                  ("meta.lastModified", r.last_modified.isoformat())]
        for gid, member_ids in data.members.items():
            if kind == USER and r.id in member_ids:
                pairs += [("groups.value", gid), ("groups.display", names[gid])]
            if kind == GROUP and gid == r.id:
                pairs += [p for m in member_ids for p in (("members.value", m), ("members.display", names[m]))]
        for path, value in pairs:
            found.setdefault(path, []).append(value)
    return found


def variants(value: Any) -> list[Any]:
    """Literals near `value`: itself, other cases and normal forms, affixes, the same instant in
    another offset or a microsecond apart, neighbouring numbers."""
    if isinstance(value, bool) or value is None:
        return [value]
    if isinstance(value, int | float):
        out: list[Any] = [value, value + 1, value - 1, float(value), -value]
        return [v for v in out if not isinstance(v, int) or abs(v) <= MAX_EXACT_INTEGER]
    text = str(value)
    out = [text, text.upper(), text.lower(), text.swapcase(), unicodedata.normalize("NFD", text),
           unicodedata.normalize("NFC", text), unicodedata.normalize("NFKC", text), text[:1], text[:-1],
           text[1:], text[-1:], text + "a"]
    instant = as_time(text)
    if instant is not None:
        for offset, shift in (("+05:30", timedelta(0)), ("Z", timedelta(microseconds=1)), ("-12:00", timedelta(0))):
            with suppress(OverflowError):  # a microsecond past 9999-12-31
                out.append(render_time(instant + shift, offset, 6))
    return [v for v in out if v is not None]


def distinct(values: Iterable[Any]) -> list[Any]:
    """`values` without repeats (True and 1 kept apart), in their order: reproducible draws."""
    return list({(type(v).__name__, repr(v)): v for v in values}.values())
