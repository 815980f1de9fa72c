"""HTTP-test fixtures: `api` runs a test on the in-memory backend and on SQLite.

A test (or its class or module) marked `memory_only` runs on memory alone; `both_backends` on a
test or class overrides a module's `memory_only`."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import Client, make_settings

# The credential tests' deployments (SQLite and PostgreSQL), as fixtures of this directory.
from tests.http.bulk_support import bulk_api, make_bulk_api  # noqa: F401  (the Bulk tests' stores)
from tests.http.credentials import auth_template, database, deploy  # noqa: F401
from tests.http.oauth_support import oauth_fixture  # noqa: F401  (the OAuth deployments: `oauth`)

BACKENDS = ("memory", "sqlite")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "memory_only: run the `api` fixture on the in-memory backend only")
    config.addinivalue_line("markers", "both_backends: run on memory and SQLite despite a memory_only mark")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    node = metafunc.definition
    both = node.get_closest_marker("both_backends") or not node.get_closest_marker("memory_only")
    metafunc.parametrize("backend", BACKENDS if both else ("memory",), indirect=True)


def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file with the current schema (what `scim-service db upgrade` does)."""
    from adapters.sqlalchemy.migrate import upgrade

    url = "sqlite:///" + str(tmp_path / "scim.db")
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database file as a server leaves it once it has started (migrated, its stored secret
    key created); each test gets a copy (migrating, and a first start's write, per test is the
    slow part). tests/contract/test_migrations.py covers a first start on an empty schema."""
    from adapters.sqlalchemy.engine import make_engine
    from adapters.sqlalchemy.migrate import get_or_create_secret

    folder = tmp_path_factory.mktemp("template")
    get_or_create_secret(make_engine(sqlite_url(folder)), "secret_key")  # disposes the engine
    with closing(sqlite3.connect(folder / "scim.db")) as db:  # fold any write-ahead log into the file
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return folder / "scim.db"


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_api(backend: str, make_client: Callable[..., Client],
             request: pytest.FixtureRequest) -> Callable[..., Client]:
    """Clients on the parametrized backend, with SCIM settings overridden as make_settings takes them.
    Each SQLite client gets its own copy of the migrated database (in the test's tmp_path, which
    memory-backend tests do without)."""
    count = 0

    def build(**scim: object) -> Client:
        nonlocal count
        if backend == "memory":
            return make_client(make_settings("memory://", **scim))
        count += 1
        path = request.getfixturevalue("tmp_path") / f"scim-{count}.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        return make_client(make_settings(f"sqlite:///{path}", **scim))

    return build


@pytest.fixture
def api(make_api: Callable[..., Client]) -> Client:
    return make_api()
