"""The audit trail and the change feed on the `changes` table (domain.audit.AuditLog,
domain.feed.ChangeFeed): read by keyset pages of the record id, which is the commit order (the
unit of work numbers records under a lock held to its commit, adapters/sqlalchemy/uow.py), and
pruned by age as a prefix of that order, the highest number pruned kept as the feed's horizon."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, delete, func, insert, select, update

from adapters.sqlalchemy.tables import changes, service_settings
from domain.audit import AuditQuery, Change
from domain.feed import Recorded

BATCH = 1000
HORIZON = "changes_pruned_through"  # service_settings key: the highest record number pruned


def _change(row: Any) -> Change:
    return Change(row.principal, row.operation, row.resource_type, row.resource_id,
                  tuple(row.attributes), row.at, row.request_id,
                  tuple(row.members_added or ()), tuple(row.members_removed or ()))


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
            yield from (_change(row) for row in rows)
            if len(rows) < self._batch:
                return
            after = rows[-1].id

    def prune(self, before: datetime) -> int:
        """Delete the records up to the newest one older than `before`: a prefix of the commit
        order (a record of a later number with an earlier time, from a host whose clock lags,
        goes with it), so the feed's horizon says exactly what is gone."""
        with self._engine.begin() as conn:
            through = conn.scalar(select(func.max(changes.c.id)).where(changes.c.at < before))
            if through is None:
                return 0
            pruned = conn.execute(delete(changes).where(changes.c.id <= through)).rowcount
            _raise_horizon(conn, int(through))
            return int(pruned)

    # the change feed (domain.feed.ChangeFeed)

    def after(self, seq: int, limit: int) -> list[Recorded]:
        statement = select(changes).where(changes.c.id > seq).order_by(changes.c.id).limit(limit)
        with self._engine.connect() as conn:
            return [Recorded(row.id, _change(row)) for row in conn.execute(statement)]

    def horizon(self) -> int:
        with self._engine.connect() as conn:
            value = conn.scalar(select(service_settings.c.value)
                                .where(service_settings.c.key == HORIZON))
        return int(value or 0)

    def last(self) -> int:
        with self._engine.connect() as conn:
            newest = conn.scalar(select(func.max(changes.c.id)))
        return int(newest) if newest is not None else self.horizon()  # all pruned: the horizon


def _raise_horizon(conn: Connection, through: int) -> None:
    """Set the horizon to `through` (it only grows: a prune of nothing older keeps it)."""
    row = service_settings.c
    current = conn.scalar(select(row.value).where(row.key == HORIZON).with_for_update())
    if current is None:
        conn.execute(insert(service_settings).values(key=HORIZON, value=str(through)))
    elif int(current) < through:
        conn.execute(update(service_settings).where(row.key == HORIZON).values(value=str(through)))
