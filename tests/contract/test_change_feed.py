"""The change feed (domain.feed.ChangeFeed) on every store: records numbered in commit order,
paged after a number, the members a group gained and lost kept, pruned as a prefix with the
horizon saying exactly what went; and, with writers racing on SQLite and PostgreSQL, a follower
that sees every committed record exactly once and in order (a record that commits late is never
skipped: adapters/sqlalchemy/uow.py numbers them under a lock held to the commit)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import Engine

from adapters.memory.audit import InMemoryAuditLog
from adapters.memory.store import InMemoryTransactions
from adapters.sqlalchemy.audit import SqlAuditLog
from adapters.sqlalchemy.uow import SqlTransactions
from domain.audit import AuditQuery, Change
from domain.errors import Gone, InvalidValue
from domain.feed import ChangeFeed, FollowChanges
from domain.ports import Transactions
from tests.contract.conftest import REGISTRY, SQL_BACKENDS, at
from tests.racing import race

Feed = tuple[SqlAuditLog | InMemoryAuditLog, Transactions]


def _change(rid: str, seconds: float, **more: object) -> Change:
    return replace(Change("okta", "create", "User", rid, ("userName",), at(seconds)), **more)  # type: ignore[arg-type]


@pytest.fixture
def feed(engine: Engine | None) -> Iterator[Feed]:
    if engine is None:
        tx = InMemoryTransactions()
        yield InMemoryAuditLog(tx), tx
        return
    yield SqlAuditLog(engine), SqlTransactions(engine, REGISTRY)


def commit(tx: Transactions, *records: Change) -> None:
    with tx(write=True) as uow:
        for record in records:
            uow.record(record)
        uow.commit()


def test_records_are_numbered_in_commit_order_and_paged(feed: Feed) -> None:
    log, tx = feed
    commit(tx, _change("u1", 0))
    commit(tx, _change("u2", 1), _change("u3", 1))
    commit(tx, _change("u4", 2))
    everything = log.after(0, 10)
    assert [r.change.resource_id for r in everything] == ["u1", "u2", "u3", "u4"]
    seqs = [r.seq for r in everything]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4 and seqs[0] >= 1
    assert log.after(seqs[1], 2) == everything[2:4]
    assert log.after(seqs[3], 5) == []
    assert log.last() == seqs[3] and log.horizon() == 0


def test_an_empty_feed(feed: Feed) -> None:
    log, _ = feed
    assert (log.after(0, 10), log.last(), log.horizon()) == ([], 0, 0)


def test_the_members_a_group_gained_and_lost_are_kept(feed: Feed) -> None:
    log, tx = feed
    record = replace(_change("g1", 0), resource_type="Group", attributes=("members",),
                     members_added=("u1", "u2"), members_removed=("u9",))
    commit(tx, record, _change("u1", 0))
    [group, user] = log.after(0, 10)
    assert group.change == record
    assert (user.change.members_added, user.change.members_removed) == ((), ())
    assert list(log.records(AuditQuery(resource_id="g1"))) == [record]


def test_prune_takes_a_prefix_of_the_order_and_moves_the_horizon(feed: Feed) -> None:
    log, tx = feed
    for rid, seconds in (("u1", 0), ("u2", 20), ("u3", 10), ("u4", 30)):  # u2's host clock ran ahead
        commit(tx, _change(rid, seconds))
    seqs = [r.seq for r in log.after(0, 10)]
    assert log.prune(at(15)) == 3  # up to u3, the newest record older than 15 s: u2 goes with it
    assert log.horizon() == seqs[2]
    assert [r.change.resource_id for r in log.after(0, 10)] == ["u4"]
    assert log.prune(at(15)) == 0 and log.horizon() == seqs[2]  # nothing older: it stays
    assert log.prune(at(31)) == 1 and log.horizon() == seqs[3] == log.last()
    assert log.after(0, 10) == []
    commit(tx, _change("u5", 40))  # numbered after everything pruned, never from 1 again
    [(seq, record)] = [(r.seq, r.change) for r in log.after(0, 10)]
    assert seq > seqs[3] and record.resource_id == "u5" and log.last() == seq


def test_following_resumes_after_the_cursor_and_is_told_of_a_prune(feed: Feed) -> None:
    log, tx = feed
    follow = FollowChanges(log, max_limit=50)
    for i in range(5):
        commit(tx, _change(f"u{i}", i))
    first = follow(0, 2)
    assert ([r.change.resource_id for r in first.records], first.more) == (["u0", "u1"], True)
    rest = follow(first.cursor, 50)
    assert ([r.change.resource_id for r in rest.records], rest.more) == (["u2", "u3", "u4"], False)
    assert follow(rest.cursor, 50).records == [] and follow(rest.cursor, 50).cursor == rest.cursor
    assert follow.end() == rest.cursor
    with pytest.raises(InvalidValue, match="cursor=end"):
        follow(rest.cursor + 1, 10)  # no page gave it (and 2^31 and above never reach the SQL)
    with pytest.raises(InvalidValue):
        follow(2**40, 10)
    log.prune(at(2.5))
    with pytest.raises(Gone, match="pruned"):
        follow(first.cursor, 10)
    assert [r.change.resource_id for r in follow(log.horizon(), 10).records] == ["u3", "u4"]


WRITERS, COMMITS = 8, 60


def _race(log: ChangeFeed, tx: Transactions) -> tuple[list[int], list[str], list[str]]:
    """WRITERS threads commit COMMITS records each (some of two records) while a follower pages
    through the feed from 0: what it saw (numbers, resource ids) and what was committed."""
    committed: list[str] = []

    def write(w: int) -> None:
        for i in range(COMMITS):
            records = [_change(f"w{w}-{i}-{k}", i) for k in range(1 + i % 2)]
            commit(tx, *records)
            committed.extend(r.resource_id for r in records)

    seen: list[int] = []
    ids: list[str] = []

    def follow(done: threading.Event) -> None:
        cursor, idle = 0, False
        while not idle:
            idle = done.is_set()  # one more full read after the writers finished
            while page := log.after(cursor, 7):
                seen.extend(r.seq for r in page)
                ids.extend(r.change.resource_id for r in page)
                cursor = page[-1].seq

    race(follow, [functools.partial(write, w) for w in range(WRITERS)])
    return seen, ids, committed


@pytest.mark.parametrize("round_", range(3))  # without the lock, about half the rounds skip one
@pytest.mark.parametrize("backend", SQL_BACKENDS, indirect=True)
def test_a_follower_racing_the_writers_sees_every_record_once_in_order(engine: Engine, round_: int) -> None:
    log, tx = SqlAuditLog(engine), SqlTransactions(engine, REGISTRY)
    seen, ids, committed = _race(log, tx)
    assert len(committed) == WRITERS * COMMITS * 3 // 2
    assert seen == sorted(set(seen)), "a record seen twice or out of order"
    assert sorted(ids) == sorted(committed), "a committed record was skipped (or invented)"
    assert seen == [r.seq for r in log.after(0, len(committed) + 1)]
