"""The audit trail on the `changes` table (domain.audit.AuditLog): read by keyset pages of the
record id, which is the commit order of a single writer and close to it under several (the
change feed of issue 16 will need an order that cannot skip a late commit), and pruned by age."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import ColumnElement, Engine, delete, select

from adapters.sqlalchemy.tables import changes
from domain.audit import AuditQuery, Change

BATCH = 1000


def _where(query: AuditQuery) -> list[ColumnElement[bool]]:
    c = changes.c
    conditions: list[ColumnElement[bool]] = []
    if query.since is not None:
        conditions.append(c.at >= query.since)
    if query.until is not None:
        conditions.append(c.at < query.until)
    if query.resource_id is not None:
        conditions.append(c.resource_id == query.resource_id)
    if query.principal is not None:
        conditions.append(c.principal == query.principal)
    return conditions


class SqlAuditLog:
    def __init__(self, engine: Engine, batch: int = BATCH) -> None:
        self._engine, self._batch = engine, batch

    def records(self, query: AuditQuery) -> Iterator[Change]:
        after = 0
        while True:
            statement = (select(changes).where(changes.c.id > after, *_where(query))
                         .order_by(changes.c.id).limit(self._batch))
            with self._engine.connect() as conn:
                rows = conn.execute(statement).all()
            for row in rows:
                yield Change(row.principal, row.operation, row.resource_type, row.resource_id,
                             tuple(row.attributes), row.at, row.request_id)
            if len(rows) < self._batch:
                return
            after = rows[-1].id

    def prune(self, before: datetime) -> int:
        with self._engine.begin() as conn:
            return int(conn.execute(delete(changes).where(changes.c.at < before)).rowcount)
