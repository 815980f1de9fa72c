"""Storage contract backends: memory, SQLite, and PostgreSQL when SCIM_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from adapters.memory.store import InMemoryTransactions
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.migrate import upgrade
from adapters.sqlalchemy.tables import changes, metadata
from adapters.sqlalchemy.uow import SqlTransactions
from domain.audit import Change
from domain.model import GROUP, USER, Resource
from domain.ports import Transactions
from domain.schema.attributes import BOOLEAN, DATETIME, DECIMAL, INTEGER, Attribute, Schema
from domain.schema.registry import default_registry
from tests import pg

# SQLite: a fresh migrated file per test. PostgreSQL: tests marked `pg`, in a schema of their own
# (emptied per test), so nothing else in that database is touched.
PG_URL = pg.configured()
# One per process, so one per test session and per xdist worker: concurrent runs never collide.
PG_SCHEMA = f"scim_contract_{os.getpid()}"
TEST_EXT = "urn:example:params:scim:schemas:extension:contract:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
# A configured extension with the attribute types the core schemas lack.
EXTENSION = Schema(TEST_EXT, "Contract", "typed attributes for the contract tests", (
    Attribute("hired", DATETIME),
    Attribute("level", INTEGER),
    Attribute("score", DECIMAL),
    Attribute("tags", multi_valued=True),
    Attribute("badge", case_exact=True),
    Attribute("flag", BOOLEAN),
))
REGISTRY = default_registry(user_extensions=(EXTENSION,))
T0 = datetime(2024, 1, 1, tzinfo=UTC)

_pg = [pytest.param("postgresql", marks=pytest.mark.pg)] if PG_URL else []
SQL_BACKENDS = ["sqlite", *_pg]
BACKENDS = ["memory", *SQL_BACKENDS]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def user(rid: str, user_name: str | None, created: float = 0, **data: Any) -> Resource:
    if user_name is not None:
        data["userName"] = user_name
    return Resource(rid, USER, data, at(created), at(created))


def group(rid: str, display_name: str, created: float = 0, **data: Any) -> Resource:
    return Resource(rid, GROUP, {"displayName": display_name, **data}, at(created), at(created))


def change(resource_id: str, operation: str = "create") -> Change:
    return Change("idp", operation, USER, resource_id, ("userName",), T0)


def recorded(tx: Transactions) -> list[tuple[str, str]]:
    """(operation, resource id) of every committed change record."""
    if isinstance(tx, InMemoryTransactions):
        return [(c.operation, c.resource_id) for c in tx.store.changes]
    assert isinstance(tx, SqlTransactions)
    with tx.engine.connect() as conn:
        rows = conn.execute(select(changes.c.operation, changes.c.resource_id).order_by(changes.c.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def reset_pg_schema(schema: str) -> str:
    """Drop and recreate `schema` (suffixed by the xdist worker, if any: parallel workers never
    share one); returns a URL whose connections use it."""
    schema = pg.per_worker(schema)
    pg.admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE', f'CREATE SCHEMA "{schema}"')
    return pg.pg_url(schema=schema)


def drop_pg_schema(schema: str) -> None:
    pg.admin(f'DROP SCHEMA IF EXISTS "{pg.per_worker(schema)}" CASCADE')


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A migrated schema of its own, so other data in the database is never touched."""
    url = reset_pg_schema(PG_SCHEMA)
    upgrade(url)
    yield url
    drop_pg_schema(PG_SCHEMA)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file the migrations built, once; each test gets a copy (much faster than
    migrating every time, and still exactly what upgrade() makes)."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    upgrade(f"sqlite:///{path}")  # disposes its engine: the WAL is checkpointed into the file
    return path


def fresh_url(backend: str, request: pytest.FixtureRequest, directory: Path) -> str:
    """An empty, migrated database: a new SQLite file, or the PostgreSQL test schema emptied."""
    if backend == "sqlite":
        path = directory / "scim.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    with engine.begin() as conn:
        # every table of the schema (a new one is emptied without a change here)
        conn.execute(text(f"TRUNCATE {', '.join(metadata.tables)} RESTART IDENTITY"))
    engine.dispose()
    return url


@pytest.fixture
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_url(request.param, request, tmp_path)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine | None]:
    """None for the memory backend; else an engine on an empty, migrated database (for the
    stores that take an engine, not a unit of work: credentials, OAuth)."""
    if backend == "memory":
        yield None
        return
    sql = make_engine(fresh_url(backend, request, tmp_path))
    yield sql
    sql.dispose()


@pytest.fixture
def transactions(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Transactions]:
    if backend == "memory":
        yield InMemoryTransactions()
        return
    engine = make_engine(fresh_url(backend, request, tmp_path))
    yield SqlTransactions(engine, REGISTRY)
    engine.dispose()
