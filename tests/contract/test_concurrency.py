"""Concurrent writers: they queue instead of failing, and userName uniqueness holds under races."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.uow import SqlTransactions
from domain.errors import Uniqueness
from domain.query.ast import Query
from tests.contract.conftest import REGISTRY, SQL_BACKENDS, change, user

THREADS, PER_THREAD, NAMES = 8, 25, 60


def name_for(thread: int, i: int) -> str:
    """Overlapping names across threads, in differing cases: every name is wanted by several."""
    n = (thread * 7 + i * 3) % NAMES
    return f"User{n}" if (thread + i) % 2 else f"uSER{n}"


@pytest.mark.parametrize("sql_url", SQL_BACKENDS, indirect=True)
def test_concurrent_writers_queue_and_keep_user_names_unique(sql_url: str) -> None:
    engine = make_engine(sql_url)
    tx = SqlTransactions(engine, REGISTRY)
    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock, start = threading.Lock(), threading.Barrier(THREADS)

    def work(thread: int) -> None:
        start.wait()
        for i in range(PER_THREAD):
            rid = f"t{thread}-{i}"
            try:
                with tx(write=True) as uow:
                    uow.users.search(Query(count=1))  # a read first: the write lock must be held already
                    uow.users.add(user(rid, name_for(thread, i)))
                    uow.record(change(rid))
                    uow.commit()
                outcome = "created"
            except Uniqueness:
                outcome = "taken"
            except BaseException as exc:  # "database is locked" and the like
                with lock:
                    errors.append(exc)
                return
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        wanted = {name_for(t, i).lower() for t in range(THREADS) for i in range(PER_THREAD)}
        with tx(write=False) as uow:
            stored = [u.user_name for u in uow.users.search(Query(count=1000)).items]
        assert outcomes["created"] == len(wanted) == len(stored)
        assert outcomes["taken"] == THREADS * PER_THREAD - len(wanted)
        assert {s.lower() for s in stored if s} == wanted
    finally:
        engine.dispose()
