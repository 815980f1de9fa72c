"""The audit trail and change feed of the in-memory store (domain.audit.AuditLog,
domain.feed.ChangeFeed): its change list, in commit order (every unit of work holds the store's
lock), numbered from 1 whatever was pruned from its front."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from adapters.memory.store import InMemoryTransactions
from domain.audit import AuditQuery, Change
from domain.feed import Recorded


def _matches(change: Change, query: AuditQuery) -> bool:
    return ((query.since is None or change.at >= query.since)
            and (query.until is None or change.at < query.until)
            and (query.resource_id is None or change.resource_id == query.resource_id)
            and (query.principal is None or change.principal == query.principal))


class InMemoryAuditLog:
    def __init__(self, tx: InMemoryTransactions) -> None:
        self._store = tx.store

    def records(self, query: AuditQuery) -> Iterator[Change]:
        yield from (c for c in list(self._store.changes) if _matches(c, query))

    def prune(self, before: datetime) -> int:
        """Delete the records up to the newest one older than `before` (a prefix, as in SQL)."""
        with self._store.lock:
            changes = self._store.changes
            through = max((i for i, c in enumerate(changes) if c.at < before), default=-1) + 1
            del changes[:through]
            self._store.changes_pruned += through
            return through

    def after(self, seq: int, limit: int) -> list[Recorded]:
        with self._store.lock:
            first = max(seq - self._store.changes_pruned, 0)
            return [Recorded(self._store.changes_pruned + i + 1, c) for i, c in
                    enumerate(self._store.changes[first:first + limit], start=first)]

    def horizon(self) -> int:
        return self._store.changes_pruned

    def last(self) -> int:
        with self._store.lock:
            return self._store.changes_pruned + len(self._store.changes)
