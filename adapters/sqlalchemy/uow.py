"""The SQL unit of work: one connection, one transaction, the repositories bound to it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine, insert

from adapters.sqlalchemy.engine import WRITE_OPTION
from adapters.sqlalchemy.memberships import SqlMemberships
from adapters.sqlalchemy.resources import SqlResources
from adapters.sqlalchemy.tables import changes
from domain.audit import Change
from domain.ports import MembershipRepository, ResourceRepository
from domain.schema.registry import Registry

_INSERT_CHANGES = insert(changes)
# pg_advisory_xact_lock key of the commit order: the change records of concurrent writers are
# numbered and committed one writer at a time (adapters/sqlalchemy/migrate.py has its own key)
COMMIT_ORDER_LOCK = 0x5C1A_0002


class SqlUnitOfWork:
    """A transaction on a pooled connection. Leaving without commit() rolls back.

    After commit() the use cases may still read (to build their response); those reads run in a
    new, read-only transaction, so they never hold SQLite's write lock."""

    # typed as the ports declare them (protocol attributes are invariant); set by __enter__
    users: ResourceRepository
    groups: ResourceRepository
    memberships: MembershipRepository

    def __init__(self, engine: Engine, registry: Registry, write: bool, timeout_ms: int = 0,
                 snapshot: bool = False) -> None:
        self._engine, self._registry, self._write = engine, registry, write
        self._snapshot = snapshot and not write
        self._timeout_ms = timeout_ms
        self._pending: list[Change] = []
        self._conn: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        conn = self._engine.connect()  # a write engine's connections carry WRITE_OPTION
        try:
            conn.begin()  # SQLite: BEGIN IMMEDIATE for writes, so writers queue up front
            if self._snapshot and conn.dialect.name == "postgresql":
                # READ COMMITTED would give each statement its own snapshot; SQLite's read
                # transactions see one state from their first read on
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._pending.clear()
        users = SqlResources(conn, self._registry.user, self._timeout_ms, self._write)
        groups = SqlResources(conn, self._registry.group, self._timeout_ms, self._write)
        self.users, self.groups = users, groups
        self._by_type: dict[str, ResourceRepository] = {users.kind: users, groups.kind: groups}
        self.memberships = SqlMemberships(conn)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        conn, self._conn = self._conn, None
        self._pending.clear()
        if conn is not None:
            try:
                conn.rollback()  # a no-op after commit() unless something was read since
            finally:
                conn.close()

    def repository(self, resource_type: str) -> ResourceRepository:
        return self._by_type[resource_type]

    def record(self, change: Change) -> None:
        self._pending.append(change)

    def commit(self) -> None:
        conn = self._conn
        if conn is None:
            raise RuntimeError("commit() outside the unit of work")
        if self._pending:
            _in_commit_order(conn)
            conn.execute(_INSERT_CHANGES, [_change_row(c) for c in self._pending])
            self._pending.clear()
        conn.commit()
        conn.execution_options(**{WRITE_OPTION: False})


def _in_commit_order(conn: Connection) -> None:
    """Make the change records' numbers the commit order (the change feed's promise). On
    PostgreSQL a sequence hands out numbers as inserts ask, and a writer that took 7 may commit
    after one that took 8: a follower that read 8 would skip 7 for ever. So the records are
    numbered under a transaction lock held until the commit has become visible: the numbers are
    taken one writer at a time, in the order of the commits. It is the last lock a write takes
    and the insert under it waits on nothing else, so it cannot deadlock; it is held for the
    insert and the commit alone. SQLite's writers are serialised whole (BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({COMMIT_ORDER_LOCK})")


def _change_row(c: Change) -> dict[str, object]:
    return {
        "at": c.at, "principal": c.principal, "operation": c.operation,
        "resource_type": c.resource_type, "resource_id": c.resource_id,
        "attributes": list(c.attributes), "request_id": c.request_id,
        "members_added": list(c.members_added) or None,
        "members_removed": list(c.members_removed) or None,
    }


class SqlTransactions:
    """Opens units of work on an engine; `registry` tells the stores which attributes are
    caseExact (configured extensions included)."""

    def __init__(self, engine: Engine, registry: Registry, search_timeout_ms: int = 0) -> None:
        self.engine, self.registry, self.search_timeout_ms = engine, registry, search_timeout_ms
        # the same pool, with the write option set once rather than on each connection
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})

    def __call__(self, *, write: bool, snapshot: bool = False) -> SqlUnitOfWork:
        engine = self._write_engine if write else self.engine
        return SqlUnitOfWork(engine, self.registry, write, self.search_timeout_ms, snapshot)
