"""The upgrade path with data in it, on SQLite and PostgreSQL: a database made at the first
revision, filled there (users with side rows, a group and its members, change records) and at
0004 (a bearer token of the time; a change record from before 0006's request ids), upgraded to head, is exactly the tables module's schema with
every row readable; and two upgrades started at once both succeed, applying each migration once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, select

from adapters.sqlalchemy.audit import SqlAuditLog
from adapters.sqlalchemy.credentials import SqlTokenStore
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.migrate import current_revision, head_revision, upgrade
from adapters.sqlalchemy.tables import changes, metadata, tokens
from adapters.sqlalchemy.uow import SqlTransactions
from domain.audit import AuditQuery, Change
from domain.query.ast import Query
from tests.contract.conftest import REGISTRY, group, user
from tests.contract.test_migrations import empty_url  # noqa: F401  (the fixture: SQLite and PostgreSQL)

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def schema_diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata))
    finally:
        engine.dispose()


def fill_at_first_revision(url: str) -> None:
    """Resources as the first revision stores them (their tables have not changed since)."""
    engine = make_engine(url)
    tx = SqlTransactions(engine, REGISTRY)
    with tx(write=True) as uow:
        uow.users.add(user("u1", "alice", emails=[{"value": "a@example.com", "primary": True}]))
        uow.users.add(user("u2", "bob", 1))
        uow.groups.add(group("g1", "Team"))
        uow.memberships.add("g1", ["u1", "u2"])
        uow.commit()
    with engine.begin() as conn:  # a change record as 0001 stored it (no request id until 0006)
        conn.execute(insert(changes).values(at=WHEN, principal="okta", operation="create", resource_type="User",
                                            resource_id="u1", attributes=["userName"]))
    engine.dispose()


def test_an_upgrade_from_the_first_revision_keeps_every_row(empty_url: str) -> None:  # noqa: F811
    upgrade(empty_url, "0001")
    fill_at_first_revision(empty_url)
    upgrade(empty_url, "0004")
    engine = make_engine(empty_url)
    with engine.begin() as conn:  # a bearer token as 0004 stored it (no kind, client or scope yet)
        conn.execute(insert(tokens).values(id="t1", credential="okta", digest="d" * 64, created=WHEN,
                                                      note="before 0005"))
    engine.dispose()

    upgrade(empty_url)
    assert revision(empty_url) == head_revision()
    assert schema_diff(empty_url) == []
    engine = make_engine(empty_url)
    with SqlTransactions(engine, REGISTRY)(write=False) as uow:
        assert [u.user_name for u in uow.users.search(Query()).items] == ["alice", "bob"]
        assert uow.users.get("u1").data["emails"] == [{"value": "a@example.com", "primary": True}]
        assert [m.value for m in uow.memberships.members("g1")] == ["u1", "u2"]
        assert [g.value for g in uow.memberships.groups_of("u2")] == ["g1"]
    assert list(SqlAuditLog(engine).records(AuditQuery())) == [
        Change("okta", "create", "User", "u1", ("userName",), WHEN, None)]
    token = SqlTokenStore(engine).by_digest("d" * 64)
    assert token is not None and (token.credential, token.kind, token.note) == ("okta", "bearer", "before 0005")
    assert token.user_id is None  # 0008: a token of before is bound to no user
    with engine.connect() as conn:
        assert conn.scalar(select(tokens.c.scope)) == ""
    engine.dispose()


def test_two_upgrades_at_once_both_succeed_and_apply_each_migration_once(empty_url: str) -> None:  # noqa: F811
    errors: list[BaseException] = []

    def run() -> None:
        try:
            upgrade(empty_url)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and not any(t.is_alive() for t in threads)
    assert revision(empty_url) == head_revision()
    assert schema_diff(empty_url) == []
