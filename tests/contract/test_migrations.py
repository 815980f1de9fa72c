"""Alembic owns the schema: upgrade() builds what tables.py describes; startup checks find drift."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.migrate import (
    SchemaNotCurrent,
    check_current,
    current_revision,
    get_or_create_secret,
    head_revision,
    upgrade,
)
from adapters.sqlalchemy.tables import metadata
from tests.contract.conftest import SQL_BACKENDS, drop_pg_schema, reset_pg_schema

ROOT = Path(__file__).resolve().parents[2]
EMPTY_SCHEMA = "scim_contract_empty"


@pytest.fixture(params=SQL_BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    yield reset_pg_schema(EMPTY_SCHEMA)
    drop_pg_schema(EMPTY_SCHEMA)


def test_upgrade_builds_exactly_the_tables_module(empty_url: str) -> None:
    upgrade(empty_url)
    engine = make_engine(empty_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert diff == []


def test_the_schema_check_names_the_upgrade_command_until_upgraded(empty_url: str) -> None:
    engine = make_engine(empty_url)
    with pytest.raises(SchemaNotCurrent, match="scim-service db upgrade"):
        check_current(engine)
    assert current_revision(engine) is None
    upgrade(empty_url)
    upgrade(empty_url)  # a second run has nothing to do
    check_current(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_a_database_from_a_newer_version_is_refused(empty_url: str) -> None:
    upgrade(empty_url)
    engine = make_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    with pytest.raises(SchemaNotCurrent, match="does not know"):
        check_current(engine)
    engine.dispose()


def test_the_stored_secret_is_created_once_and_shared(empty_url: str) -> None:
    upgrade(empty_url)
    first = get_or_create_secret(make_engine(empty_url), "secret_key")
    again = get_or_create_secret(make_engine(empty_url), "secret_key")
    other = get_or_create_secret(make_engine(empty_url), "other")
    assert first == again and len(first) >= 64 and other != first


def test_making_an_engine_connects_to_nothing(tmp_path: Path) -> None:
    path = tmp_path / "never.db"
    engine = make_engine(f"sqlite:///{path}")
    pg = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert not path.exists() and engine.pool.checkedin() == 0 and pg.pool.checkedin() == 0
    engine.dispose()
    pg.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        pragmas = [conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                   for p in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")]
    engine.dispose()
    assert pragmas == ["wal", 1, 30000, 1]


def test_sqlite_reads_through_a_memory_map_only_when_configured(tmp_path: Path) -> None:
    sizes = []
    for mb in (0, 64):
        engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}", sqlite_mmap_mb=mb)
        with engine.connect() as conn:
            sizes.append(conn.exec_driver_sql("PRAGMA mmap_size").scalar())
        engine.dispose()
    assert sizes == [0, 64 << 20]


def test_upgrade_works_from_another_directory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    code = "import sys; from adapters.sqlalchemy.migrate import upgrade; upgrade(sys.argv[1])"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code, url], cwd=tmp_path, env=env, check=True)
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
