"""The credential stores (adapters/memory/credentials.py, adapters/sqlalchemy/credentials.py)
keep one contract on every backend: a token reads back by its digest exactly as it was added
(timezone-aware, to the microsecond), digests are unique, revoke/revoke_all/touch change only
what they name; and the failure counter counts per address in a fixed window, atomically, so
concurrent failures are never lost. On SQLite the request path's lookup is one probe of the
unique digest index."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from adapters.memory.credentials import InMemoryFailureCounter, InMemoryTokenStore
from adapters.sqlalchemy import credentials as sql_credentials
from adapters.sqlalchemy.credentials import SqlFailureCounter, SqlTokenStore
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.tables import auth_failures
from domain.credentials.throttle import FailureCounter
from domain.credentials.tokens import Token, Tokens, TokenStore, digest
from tests.contract.conftest import SQL_BACKENDS, at

WINDOW = timedelta(minutes=5)
A, B = "198.51.100.7", "203.0.113.9"
PLUS_TWO = timezone(timedelta(hours=2))
THREADS, PER_THREAD = 4, 25


@pytest.fixture
def store(engine: Engine | None) -> TokenStore:
    return InMemoryTokenStore() if engine is None else SqlTokenStore(engine)


@pytest.fixture
def counter(engine: Engine | None) -> FailureCounter:
    return InMemoryFailureCounter() if engine is None else SqlFailureCounter(engine)


def token(n: int, credential: str = "okta", created: float = 0, **fields: Any) -> Token:
    return Token(f"tok-{n}", credential, digest(f"secret-{n}"), at(created), **fields)


def by_id(store: TokenStore) -> dict[str, Token]:
    return {t.id: t for t in store.all()}


# -- tokens -------------------------------------------------------------------------------------


def test_a_token_reads_back_by_its_digest_exactly_as_added(store: TokenStore) -> None:
    full = Token("tok-1", "okta", digest("secret-1"), at(0.123456),
                 expires=at(86400.5).astimezone(PLUS_TWO),  # another offset: the same instant back
                 last_used=at(60.000001), note="okta prod — rotated", revoked=at(120.999999),
                 user_id="2819c223-7f76-453a-919d-413861904646")
    bare = token(2, "entra", 1.5)
    store.add(full)
    store.add(bare)
    assert store.by_digest(full.digest) == full
    assert store.by_digest(bare.digest) == bare
    found = store.by_digest(full.digest)
    assert found is not None
    for stamp in (found.created, found.expires, found.last_used, found.revoked):
        assert stamp is not None and stamp.tzinfo is not None and stamp.utcoffset() is not None
    assert found.created.microsecond == 123456  # the stores keep microseconds: compared exactly


def test_an_unknown_digest_is_none(store: TokenStore) -> None:
    assert store.by_digest(digest("secret-1")) is None
    store.add(token(1))
    assert store.by_digest(digest("secret-2")) is None
    assert store.by_digest("") is None
    assert store.by_digest(digest("secret-1").upper()) is None  # hex digests compare exactly


def test_a_duplicate_digest_or_id_is_refused(store: TokenStore) -> None:
    first = token(1)
    store.add(first)
    with pytest.raises((ValueError, IntegrityError)):
        store.add(replace(first, id="tok-other", credential="entra"))
    with pytest.raises((ValueError, IntegrityError)):
        store.add(replace(first, digest=digest("secret-other")))
    assert store.all() == [first]
    assert store.by_digest(first.digest) == first


def test_all_lists_every_token_oldest_first(store: TokenStore) -> None:
    added = [token(3, created=30), token(1, created=10), token(4, "entra", 20), token(2, created=10),
             token(5, created=0, revoked=at(40))]
    for t in added:
        store.add(t)
    assert [t.id for t in store.all()] == ["tok-5", "tok-1", "tok-2", "tok-4", "tok-3"]  # ties by id
    assert sorted(store.all(), key=lambda t: t.id) == sorted(added, key=lambda t: t.id)


def test_revoke_marks_one_live_token_once(store: TokenStore) -> None:
    for n in (1, 2):
        store.add(token(n))
    assert store.revoke("tok-1", at(100)) is True
    assert store.revoke("tok-1", at(200)) is False  # revoked already: its time is kept
    assert store.revoke("no-such-id", at(200)) is False
    revoked = store.by_id("tok-1")
    assert revoked is not None and revoked.revoked == at(100) and store.by_id("no-such-id") is None
    tokens = by_id(store)
    assert tokens["tok-1"] == replace(token(1), revoked=at(100))
    assert tokens["tok-2"] == token(2)
    assert store.by_digest(digest("secret-1")) == tokens["tok-1"]  # revoked ones are still found


def test_revoke_all_revokes_the_live_tokens_of_one_credential_only(store: TokenStore) -> None:
    for t in (token(1), token(2), token(3, revoked=at(5)), token(4, "entra"), token(5, "okta-2")):
        store.add(t)
    assert store.revoke_all("okta", at(100)) == 2
    tokens = by_id(store)
    assert tokens["tok-1"].revoked == tokens["tok-2"].revoked == at(100)
    assert tokens["tok-3"].revoked == at(5)  # already revoked: not counted, time kept
    assert tokens["tok-4"] == token(4, "entra") and tokens["tok-5"] == token(5, "okta-2")
    assert store.revoke_all("okta", at(200)) == 0
    assert store.revoke_all("nobody", at(200)) == 0
    assert by_id(store)["tok-1"].revoked == at(100)


def test_touch_records_the_last_use_and_nothing_else(store: TokenStore) -> None:
    first = token(1, expires=at(1000), note="n")
    store.add(first)
    store.add(token(2))
    store.touch("tok-1", at(50.25))
    assert store.by_digest(first.digest) == replace(first, last_used=at(50.25))
    store.touch("tok-1", at(120))
    assert store.by_digest(first.digest) == replace(first, last_used=at(120))
    store.touch("no-such-id", at(130))  # nothing to touch: no error, nothing written
    assert store.all() == [replace(first, last_used=at(120)), token(2)]


def test_the_token_use_cases_run_on_the_store(store: TokenStore) -> None:
    clock = _StillClock(at(0))
    tokens = Tokens(store, clock, _Ids())
    keep, drop = tokens.issue("okta", lifetime=timedelta(days=1)), tokens.issue("okta")
    assert tokens.authenticate(keep.secret) == replace(keep.token, last_used=at(0))
    assert tokens.revoke(drop.token.id).revoked == at(0)
    assert tokens.authenticate(drop.secret) is None
    clock.current = at(86400)
    assert tokens.authenticate(keep.secret) is None  # expired
    assert tokens.list() == [replace(keep.token, last_used=at(0)), replace(drop.token, revoked=at(0))]


def test_a_token_bound_to_a_user_keeps_the_binding_through_every_change(store: TokenStore) -> None:
    """/Me: the user id a token was issued for comes back with it, unbound tokens have none,
    and touch, revoke and revoke_all leave it alone."""
    clock = _StillClock(at(0))
    tokens = Tokens(store, clock, _Ids())
    bound, unbound = tokens.issue("okta", user_id="user-1"), tokens.issue("okta")
    assert bound.token.user_id == "user-1" and unbound.token.user_id is None
    found = tokens.authenticate(bound.secret)
    assert found is not None and found.user_id == "user-1"
    assert store.by_id(bound.token.id) == replace(bound.token, last_used=at(0))
    clock.current = at(10)
    assert tokens.revoke(bound.token.id).user_id == "user-1"
    assert store.revoke_all("okta", at(20)) == 1
    assert [t.user_id for t in store.all()] == ["user-1", None]


class _StillClock:
    def __init__(self, current: datetime) -> None:
        self.current = current

    def now(self) -> datetime:
        return self.current


class _Ids:
    def __init__(self) -> None:
        self.n = 0

    def new(self) -> str:
        self.n += 1
        return f"tok-{self.n}"


# -- the failure counter ------------------------------------------------------------------------


def test_failures_count_up_in_the_window_of_the_first(counter: FailureCounter) -> None:
    start = at(0.5)
    assert counter.count_failure(A, start, WINDOW) == (1, start)
    assert counter.count_failure(A, at(10), WINDOW) == (2, start)
    assert counter.count_failure(A, start + WINDOW - timedelta(microseconds=1), WINDOW) == (3, start)


def test_the_count_restarts_when_the_window_ends(counter: FailureCounter) -> None:
    for s in (0, 1, 2):
        counter.count_failure(A, at(s), WINDOW)
    end = at(0) + WINDOW
    assert counter.count_failure(A, end, WINDOW) == (1, end)  # exactly at its end: a new window
    assert counter.count_failure(A, end + timedelta(seconds=1), WINDOW) == (2, end)
    later = end + 3 * WINDOW
    assert counter.count_failure(A, later, WINDOW) == (1, later)


def test_each_address_has_its_own_count_and_window(counter: FailureCounter) -> None:
    assert counter.count_failure(A, at(0), WINDOW) == (1, at(0))
    assert counter.count_failure(A, at(1), WINDOW) == (2, at(0))
    assert counter.count_failure(B, at(2), WINDOW) == (1, at(2))
    assert counter.count_failure(A, at(3), WINDOW) == (3, at(0))
    assert counter.count_failure("2001:db8::1", at(4), WINDOW) == (1, at(4))
    assert counter.count_failure(B, at(301), WINDOW) == (2, at(2))  # B's window is still open
    assert counter.count_failure(A, at(301), WINDOW) == (1, at(301))  # A's is over


@pytest.mark.parametrize("sql_url", SQL_BACKENDS, indirect=True)
def test_concurrent_failures_of_one_address_are_never_lost(sql_url: str) -> None:
    engine = make_engine(sql_url)
    counter = SqlFailureCounter(engine)
    seen: list[int] = []
    errors: list[BaseException] = []
    lock, start = threading.Lock(), threading.Barrier(THREADS)

    def work() -> None:
        start.wait()
        try:
            counts = [counter.count_failure(A, at(1), WINDOW)[0] for _ in range(PER_THREAD)]
        except BaseException as exc:  # "database is locked" and the like
            with lock:
                errors.append(exc)
            return
        with lock:
            seen.extend(counts)

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert sorted(seen) == list(range(1, THREADS * PER_THREAD + 1))  # each count seen once
        with engine.connect() as conn:
            assert conn.execute(select(auth_failures.c.failures)).scalars().all() == [THREADS * PER_THREAD]
    finally:
        engine.dispose()


def test_sqlite_looks_a_digest_up_in_its_unique_index(sqlite_template: Path) -> None:
    engine = make_engine(f"sqlite:///{sqlite_template}")
    try:
        with engine.connect() as conn:
            sql = sql_credentials._BY_DIGEST._compiled(conn).sql
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (digest("secret-1"),)).all()
    finally:
        engine.dispose()
    plan = " | ".join(str(row[-1]) for row in rows)
    assert "SEARCH tokens USING INDEX ux_tokens_digest (digest=?)" in plan
    assert "SCAN" not in plan


@pytest.mark.parametrize("sql_url", SQL_BACKENDS, indirect=True)
def test_rows_of_ended_windows_are_deleted_once_a_window_has_passed(sql_url: str) -> None:
    engine = make_engine(sql_url)
    counter = SqlFailureCounter(engine)
    counter.count_failure(A, at(0), WINDOW)
    counter.count_failure(B, at(250), WINDOW)
    counter.count_failure(A, at(299), WINDOW)  # within the window of the first prune: none now
    counter.count_failure("192.0.2.77", at(300), WINDOW)  # a window later: A's (from 0) ended
    with engine.connect() as conn:
        kept = conn.execute(select(auth_failures.c.address).order_by(auth_failures.c.address)).scalars().all()
    restarted = counter.count_failure(A, at(301), WINDOW)
    engine.dispose()
    assert kept == ["192.0.2.77", B]
    assert restarted == (1, at(301))


def test_failures_reads_the_open_window_and_counts_nothing(counter: FailureCounter) -> None:
    assert counter.failures(A, at(0), WINDOW) is None
    counter.count_failure(A, at(1), WINDOW)
    counter.count_failure(A, at(2), WINDOW)
    assert counter.failures(A, at(100), WINDOW) == (2, at(1))
    assert counter.failures(A, at(100), WINDOW) == (2, at(1))  # reading did not count
    assert counter.failures(B, at(100), WINDOW) is None
    assert counter.failures(A, at(1) + WINDOW, WINDOW) is None  # the window ended
