"""The e2e tier: the real gunicorn (gunicorn.conf.py, wsgi:app) as a subprocess on a loopback port.

`live_server` is module-scoped and parametrized by backend: `sqlite` always, `postgres` (marked
`pg`) only when SCIM_TEST_DATABASE_URL is set. The PostgreSQL runs use their own database,
scim_e2e on the same server (the contract tier owns the one SCIM_TEST_DATABASE_URL names; under
pytest-xdist each worker has its own, scim_e2e_gw0, ...), whose public schema is dropped and
recreated before each server starts. Each server listens on a free port of its own.

The conformance and race summaries (harness.REPORT) are printed at the end of the session by
tests/conftest.py, which also collects them from xdist workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.e2e.harness import LiveServer, serving
from tests.e2e.pair import Pair, start_pair
from tests.pg import PG_ENV

BACKENDS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.pg),
]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set")
    return str(request.param)


@pytest.fixture(scope="module")
def live_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """gunicorn -c gunicorn.conf.py wsgi:app (2 workers x 4 threads) on a fresh, upgraded database."""
    with serving(backend, tmp_path_factory.mktemp(f"live-{backend}")) as server:
        yield server


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Two gunicorn instances on one PostgreSQL database (tests/e2e/pair.py), per module."""
    yield from start_pair(tmp_path_factory)
