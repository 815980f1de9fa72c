"""A search that runs past the configured time limit is stopped and becomes TooMany (400
tooMany), on SQLite and PostgreSQL, instead of holding a worker."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.mapping import resource_row
from adapters.sqlalchemy.tables import users
from adapters.sqlalchemy.uow import SqlTransactions
from domain.errors import TooMany
from domain.query.ast import Query
from domain.query.parser import parse_filter
from tests.contract.conftest import REGISTRY, SQL_BACKENDS, fresh_url, user


@pytest.fixture(params=SQL_BACKENDS, scope="module")
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """20,000 users, loaded once for the module: its tests only read."""
    engine = make_engine(fresh_url(request.param, request, tmp_path_factory.mktemp("time-limit")))
    rows = [resource_row(REGISTRY.user, user(f"u{i:05d}", f"person-{i}", i, title=f"title {i}"))
            for i in range(20_000)]
    with engine.begin() as conn:
        conn.execute(insert(users), rows)
    yield engine
    engine.dispose()


def scan() -> Query:
    # `co` on a JSON attribute cannot use an index: a full scan of 20,000 documents
    return Query(parse_filter(REGISTRY.user, 'title co "nomatch" or nickName co "x"'), 1, 10)


def test_a_search_past_the_time_limit_is_too_many(engine) -> None:
    tx = SqlTransactions(engine, REGISTRY, search_timeout_ms=1)
    with tx(write=False) as uow, pytest.raises(TooMany, match="1 ms"):
        uow.users.search(scan())


def test_the_connection_is_usable_after_a_stopped_search(engine) -> None:
    with SqlTransactions(engine, REGISTRY, search_timeout_ms=1)(write=False) as uow, pytest.raises(TooMany):
        uow.users.search(scan())
    with SqlTransactions(engine, REGISTRY, search_timeout_ms=0)(write=False) as uow:
        assert uow.users.search(scan()).total == 0


def test_a_generous_limit_lets_the_same_search_finish(engine) -> None:
    with SqlTransactions(engine, REGISTRY, search_timeout_ms=60_000)(write=False) as uow:
        page = uow.users.search(Query(parse_filter(REGISTRY.user, 'title co "19999"'), 1, 10))
    assert [r.id for r in page.items] == ["u19999"]


def test_without_a_configured_limit_a_long_search_runs_to_its_end(engine) -> None:
    # the default is no limit: the same scan that 1 ms stops finishes
    with SqlTransactions(engine, REGISTRY)(write=False) as uow:
        assert uow.users.search(scan()).total == 0
