"""The driver-level reads (adapters/sqlalchemy/prepared.py): the SQL SQLite runs for a group's
members and a user's groups is answered from the (id, display_name) indexes alone, and rows come
in batches from one execution."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import sqlite

from adapters.sqlalchemy import memberships
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.prepared import Prepared, _indexed_by
from adapters.sqlalchemy.tables import users
from tests.contract.conftest import SQL_BACKENDS

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _plan(sqlite_template: Path, prepared: Prepared) -> str:
    engine = make_engine(f"sqlite:///{sqlite_template}")
    try:
        with engine.connect() as conn:
            sql = prepared._compiled(conn).sql
    finally:
        engine.dispose()
    with sqlite3.connect(sqlite_template) as db:
        params = tuple("x" for _ in range(sql.count("?")))
        return " | ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))


@pytest.mark.parametrize(("prepared", "index"), [
    (memberships._MEMBERS[False, False], "ix_users_id_display_name"),
    (memberships._MEMBERS[True, True], "ix_users_id_display_name"),
    (memberships._GROUPS_OF, "ix_groups_id_display_name"),
])
def test_sqlite_reads_display_names_from_the_covering_index(sqlite_template: Path, prepared: Prepared,
                                                            index: str) -> None:
    # without statistics SQLite would take the primary key's index and visit every row
    assert f"USING COVERING INDEX {index}" in _plan(sqlite_template, prepared)


def test_indexed_by_names_the_index_after_the_one_join_of_its_table() -> None:
    sql = str(memberships._MEMBERS_ALL.compile(dialect=sqlite.dialect()))
    assert "JOIN users INDEXED BY ix_users_id_display_name ON " in _indexed_by(sql, {"users": "ix_users_id_display_name"})
    with pytest.raises(ValueError, match="groups is not joined once"):
        _indexed_by(sql, {"groups": "ix_groups_id_display_name"})


@pytest.mark.parametrize("sql_url", SQL_BACKENDS, indirect=True)
def test_batches_come_from_one_execution_and_refuse_processed_columns(sql_url: str) -> None:
    engine = make_engine(sql_url)
    try:
        with engine.begin() as conn:
            conn.execute(users.insert(), [
                {"id": f"u{i}", "created": NOW, "last_modified": NOW, "version": 1, "doc": {}, "doc_key": {}}
                for i in range(5)])
        ids = Prepared(select(users.c.id).where(users.c.id > bindparam("b_after")).order_by(users.c.id))
        with engine.connect() as conn:
            assert [[r[0] for r in b] for b in ids.batches(conn, {"b_after": "u0"}, 2)] == [["u1", "u2"], ["u3", "u4"]]
            with pytest.raises(TypeError, match="as the driver returns them"):
                next(Prepared(select(users.c.created)).batches(conn, {}, 2))
    finally:
        engine.dispose()
