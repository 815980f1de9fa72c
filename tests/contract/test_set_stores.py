"""The SET receivers' ack store (domain.sets.poll.AckStore) on memory, SQLite and PostgreSQL:
a receiver's cursor set once at its start and only ever raised; outcomes recorded once, the
first kept; acknowledgements forgotten when the cursor passes them, errors kept and listed;
receivers independent; and the poll use case delivering each record exactly once on each store,
also when two polls of one receiver race."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import Engine

from adapters.memory.audit import InMemoryAuditLog
from adapters.memory.sets import InMemoryAckStore
from adapters.memory.store import InMemoryTransactions
from adapters.sets.signing import JwsSigner
from adapters.sqlalchemy.audit import SqlAuditLog
from adapters.sqlalchemy.sets import SqlAckStore
from adapters.sqlalchemy.uow import SqlTransactions
from domain.audit import Change
from domain.feed import ChangeFeed
from domain.ports import Transactions
from domain.sets.events import Receiver
from domain.sets.poll import BEGINNING, AckStore, LongPoll, Outcome, PollRequest, PollSets
from domain.sets.tokens import JtiScheme, SetBuilder
from tests.contract.conftest import REGISTRY, T0, at
from tests.fakes import FixedClock
from tests.sets_support import ISSUER, ec_pem


@pytest.fixture
def store(engine: Engine | None) -> AckStore:
    return InMemoryAckStore() if engine is None else SqlAckStore(engine)


def ok(seq: int, index: int = 0, err: str | None = None) -> Outcome:
    return Outcome(seq, index, f"{seq}-{index}", at(seq), err, "why" if err else "")


def test_a_receiver_starts_where_it_is_first_seen_and_keeps_its_cursor(store: AckStore) -> None:
    assert store.cursor("app", 5) == 5
    assert store.cursor("app", 9) == 5
    assert store.cursor("other", 0) == 0


def test_the_cursor_only_rises(store: AckStore) -> None:
    store.cursor("app", 3)
    store.advance("app", 7)
    store.advance("app", 4)
    assert store.cursor("app", 0) == 7


def test_outcomes_are_recorded_once_above_the_cursor(store: AckStore) -> None:
    store.cursor("app", 2)
    store.settle("app", [ok(1), ok(3), ok(4, 1)])
    store.settle("app", [ok(3, err="invalid_key")])  # the first outcome stays
    assert store.settled_after("app", 2) == {(3, 0), (4, 1)}
    assert store.settled_after("app", 3) == {(4, 1)}
    assert store.errors() == []


def test_advancing_forgets_acknowledgements_and_keeps_errors(store: AckStore) -> None:
    store.cursor("app", 0)
    store.cursor("other", 0)
    store.settle("app", [ok(1), ok(2, err="invalid_request"), ok(3), ok(5)])
    store.settle("other", [ok(1, err="access_denied")])
    store.advance("app", 3)
    assert store.settled_after("app", 3) == {(5, 0)}
    assert store.settled_after("app", 0) == {(2, 0), (5, 0)}  # errors stay, acknowledgements go
    assert [(r, o.seq, o.err, o.description) for r, o in store.errors("app")] == [(
        "app", 2, "invalid_request", "why")]
    assert {r for r, _ in store.errors()} == {"app", "other"}
    assert store.settled_after("other", 0) == {(1, 0)}
    [(_, kept)] = store.errors("other")
    assert kept.at == at(1) and kept.jti == "1-0"


def _poll(engine: Engine | None, store: AckStore) -> tuple[PollSets, ChangeFeed, Transactions]:
    tx: Transactions
    if engine is None:
        tx = InMemoryTransactions()
        feed: ChangeFeed = InMemoryAuditLog(tx)
    else:
        tx, feed = SqlTransactions(engine, REGISTRY), SqlAuditLog(engine)
    builder = SetBuilder(ISSUER, JtiScheme(b"k" * 32), {"User": "/Users"})
    return PollSets(feed, store, builder, JwsSigner(ec_pem()), FixedClock(), 7, BEGINNING, LongPoll(0)), feed, tx


def _write(tx: Transactions, n: int) -> None:
    for i in range(n):
        with tx(write=True) as uow:
            uow.record(replace(Change("okta", "create", "User", f"u{i}", ("userName",), T0)))
            uow.commit()


def test_polling_and_acknowledging_delivers_each_record_once(engine: Engine | None, store: AckStore) -> None:
    poll, _, tx = _poll(engine, store)
    _write(tx, 30)
    app, seen, acks = Receiver("app", "aud"), [], ()
    for _ in range(10):
        result = poll(app, PollRequest(ack=acks, return_immediately=True))
        seen += list(result.sets)
        acks = tuple(result.sets)
        if not result.sets:
            break
    assert len(seen) == len(set(seen)) == 30


def test_two_polls_of_one_receiver_racing_lose_nothing(engine: Engine | None, store: AckStore) -> None:
    poll, _, tx = _poll(engine, store)
    _write(tx, 40)
    app = Receiver("app", "aud")
    got: list[str] = []
    lock = threading.Lock()

    def follower() -> None:
        acks: tuple[str, ...] = ()
        for _ in range(40):
            result = poll(app, PollRequest(ack=acks, return_immediately=True, max_events=3))
            with lock:
                got.extend(result.sets)
            acks = tuple(result.sets)
            if not result.sets and not acks:
                return

    threads = [threading.Thread(target=follower) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 40  # each at least once (an unacknowledged one may come twice)
    assert poll(app, PollRequest(return_immediately=True)).sets == {}
