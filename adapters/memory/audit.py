"""The audit trail of the in-memory store (domain.audit.AuditLog): its change list, in order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from adapters.memory.store import InMemoryTransactions
from domain.audit import AuditQuery, Change


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
        kept = [c for c in self._store.changes if c.at >= before]
        pruned = len(self._store.changes) - len(kept)
        self._store.changes[:] = kept
        return pruned
