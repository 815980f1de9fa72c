"""The audit trail (domain.audit.AuditLog) on every store: the change records the writes
committed, oldest first, filtered by time, resource and principal, read a batch at a time, and
pruned by age."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from adapters.memory.audit import InMemoryAuditLog
from adapters.memory.store import InMemoryTransactions
from adapters.sqlalchemy.audit import SqlAuditLog
from adapters.sqlalchemy.uow import SqlTransactions
from domain.audit import AuditLog, AuditQuery, Change
from domain.ports import Transactions
from tests.contract.conftest import REGISTRY, at

RECORDS = [Change("okta", "create", "User", "u1", ("userName",), at(0)),
           Change("entra", "create", "User", "u2", ("userName", "emails"), at(10), "req-2"),
           Change("okta", "deactivate", "User", "u1", ("active",), at(20)),
           Change("okta", "delete", "Group", "g1", (), at(30))]


@pytest.fixture
def log_and_tx(engine: Engine | None) -> Iterator[tuple[AuditLog, Transactions]]:
    if engine is None:
        tx = InMemoryTransactions()
        yield InMemoryAuditLog(tx), tx
        return
    yield SqlAuditLog(engine, batch=2), SqlTransactions(engine, REGISTRY)  # batches of 2: paging is exercised


@pytest.fixture
def log(log_and_tx: tuple[AuditLog, Transactions]) -> AuditLog:
    audit, tx = log_and_tx
    for change in RECORDS:  # one commit each, as the writes make them
        with tx(write=True) as uow:
            uow.record(change)
            uow.commit()
    return audit


def test_every_record_oldest_first(log: AuditLog) -> None:
    assert list(log.records(AuditQuery())) == RECORDS


@pytest.mark.parametrize(("query", "expected"), [
    (AuditQuery(since=at(10)), [1, 2, 3]),
    (AuditQuery(until=at(20)), [0, 1]),
    (AuditQuery(since=at(10), until=at(30)), [1, 2]),
    (AuditQuery(resource_id="u1"), [0, 2]),
    (AuditQuery(principal="okta"), [0, 2, 3]),
    (AuditQuery(principal="okta", resource_id="g1"), [3]),
    (AuditQuery(principal="nobody"), []),
])
def test_filters(log: AuditLog, query: AuditQuery, expected: list[int]) -> None:
    assert list(log.records(query)) == [RECORDS[i] for i in expected]


def test_prune_deletes_what_is_older_and_says_how_many(log: AuditLog) -> None:
    assert log.prune(at(20)) == 2
    assert list(log.records(AuditQuery())) == RECORDS[2:]
    assert log.prune(at(20)) == 0
    assert log.prune(at(30) + timedelta(seconds=1)) == 2
    assert list(log.records(AuditQuery())) == []
