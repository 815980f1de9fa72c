"""Random filters over the dataset: SQL and the in-memory evaluator must always agree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

from domain.errors import InvalidFilter
from domain.model import GROUP, USER
from domain.ports import Transactions
from domain.query.ast import Query
from domain.query.parser import parse_filter
from tests.contract.conftest import ENTERPRISE, REGISTRY, SQL_BACKENDS, TEST_EXT
from tests.contract.dataset import Stores, fuzz_settings, load, memory_and_sql, search

USER_PATHS = [
    "userName", "displayName", "externalId", "id", "title", "nickName", "name.familyName", "name.givenName",
    "name", "emails", "emails.value", "emails.type", "emails.display", "emails.primary", "active",
    "meta.created", "meta.lastModified", "meta.resourceType", "meta.version", "groups.value", "groups.type",
    "groups.display",
    "phoneNumbers.value", "addresses.locality", "addresses.primary", "roles.value",
    f"{ENTERPRISE}:department", f"{ENTERPRISE}:manager.value", f"{ENTERPRISE}:employeeNumber",
    f"{TEST_EXT}:hired", f"{TEST_EXT}:level", f"{TEST_EXT}:score", f"{TEST_EXT}:tags", f"{TEST_EXT}:badge",
    f"{TEST_EXT}:flag",
]
GROUP_PATHS = ["displayName", "externalId", "id", "members", "members.value", "members.type", "members.display",
               "meta.created", "meta.resourceType"]
# sub-attributes usable inside attr[...] for each multi-valued attribute
VALUE_FILTERS = {
    USER: {"emails": ["value", "type", "primary", "display"], "addresses": ["locality", "primary"],
           "groups": ["value", "type", "display"], "phoneNumbers": ["value", "type"]},
    GROUP: {"members": ["value", "type", "display"]},
}
TEXTS = ["", "a", "b", "e", "\u00e9", "E\u0301", "SALES", "abc", "AbC", "%", "_", "@x", "jensen", "u0", "u02",
         "g1", 'W/"1"', "User", "work", "WORK", "\U0001f600", "\u00df", "SS", "strasse", "Paris", "alpha",
         ".com", "Admin", "\uff42", "m", "z", "\u00fc"]
TIMES = ["2024-01-01T00:00:03Z", "2024-01-01T00:00:04+00:00", "2020-01-01T08:00:00Z",
         "2020-01-01T08:30:00+00:00", "2019-12-31T23:00:00-05:00", "garbage", "2020-01-01T00:00:00"]
OTHER: list[Any] = [None, True, False, -1, 0, 0.1, 2.5, 3, 10, 3.0, 10**20, -(10**30)]
OPS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]

literal = st.one_of(st.sampled_from(TEXTS), st.sampled_from(TIMES), st.sampled_from(OTHER))


def _render(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def comparison(paths: list[str]) -> st.SearchStrategy[str]:
    present = st.builds(lambda p: f"{p} pr", st.sampled_from(paths))
    compare = st.builds(lambda p, o, v: f"{p} {o} {_render(v)}", st.sampled_from(paths),
                        st.sampled_from(OPS), literal)
    return st.one_of(present, compare, compare)


def combined(leaf: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.recursive(leaf, lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
        st.builds(lambda a, b: f"({a}) or ({b})", inner, inner),
        st.builds(lambda a: f"not ({a})", inner),
    ), max_leaves=4)


def value_filter(attr: str, subs: list[str]) -> st.SearchStrategy[str]:
    return combined(comparison(subs)).map(lambda inner: f"{attr}[{inner}]")


def filters(kind: str) -> st.SearchStrategy[str]:
    paths = USER_PATHS if kind == USER else GROUP_PATHS
    value_filters = [value_filter(attr, subs) for attr, subs in VALUE_FILTERS[kind].items()]
    return combined(st.one_of(comparison(paths), *value_filters))


@pytest.fixture(scope="module", params=SQL_BACKENDS)
def stores(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    yield from memory_and_sql(request, tmp_path_factory.mktemp("fuzz"), load)


def _ids(tx: Transactions, kind: str, text: str) -> tuple[list[str], int | None]:
    try:
        expr = parse_filter(REGISTRY.by_name(kind), text)
    except InvalidFilter:
        reject()
    page = search(tx, kind, Query(expr, count=1000))
    return [r.id for r in page.items], page.total


FUZZ = fuzz_settings(60, thorough=250)  # reproducible unless SCIM_FUZZ_EXAMPLES is set


@FUZZ
@given(text=filters(USER))
def test_random_user_filters_agree_with_memory(stores: Stores, text: str) -> None:
    memory, sql = stores
    assert _ids(sql, USER, text) == _ids(memory, USER, text)


@FUZZ
@given(text=filters(GROUP))
def test_random_group_filters_agree_with_memory(stores: Stores, text: str) -> None:
    memory, sql = stores
    assert _ids(sql, GROUP, text) == _ids(memory, GROUP, text)
