"""The subscription store and delivery state (domain.events.subscriptions) on every store:
subscriptions by name with their secret, progress kept, dead letters kept with their event and
re-queued, removal taking them along; on SQL the secret is sealed (never stored as given, not
opened under another key); on PostgreSQL a claim is held across connections (two workers on
two hosts never deliver one subscription at once)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from adapters.memory.events import InMemoryEventStore
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.events import SecretBox, SqlEventStore
from adapters.sqlalchemy.tables import event_subscriptions
from domain.errors import Uniqueness
from domain.events.subscriptions import DeadLetter, Position, Progress, Subscription
from domain.events.vocabulary import Event
from tests.contract.conftest import SQL_BACKENDS, T0, at

Store = InMemoryEventStore | SqlEventStore
KEY = "a service secret key of some length"


@pytest.fixture
def store(engine: Engine | None) -> Iterator[Store]:
    yield InMemoryEventStore() if engine is None else SqlEventStore(engine, SecretBox(KEY))


def sub(name: str = "app", **more: object) -> Subscription:
    fields = {"url": f"https://{name}.example/hook", "event_types": ("user.created", "group.members_added"),
              "secret": "whsec_" + "A" * 44, "created": T0, "resource_type": None, **more}
    return Subscription(name, **fields)  # type: ignore[arg-type]


def event(seq: int, index: int = 0) -> Event:
    return Event(seq, index, "group.members_added", "Group", "g1", at(seq), "okta", "req-9", (), ("u1", "u2"))


def test_subscriptions_are_kept_by_name_with_their_secret(store: Store) -> None:
    store.add(sub("b", resource_type="Group"), Position(5))
    store.add(sub("a"), Position(0))
    assert store.all() == [sub("a"), sub("b", resource_type="Group")]
    assert store.progress("b") == Progress(Position(5))
    with pytest.raises(Uniqueness):
        store.add(sub("a"), Position(0))


def test_progress_is_stored_as_given(store: Store) -> None:
    store.add(sub(), Position(0))
    progress = Progress(Position(12, 2), 3, at(60), "HTTP 503")
    store.advance("app", progress)
    assert store.progress("app") == progress
    store.advance("app", Progress(Position(13)))
    assert store.progress("app") == Progress(Position(13))


def test_dead_letters_keep_their_event_and_are_requeued_and_delivered(store: Store) -> None:
    store.add(sub("a"), Position(0))
    store.add(sub("b"), Position(0))
    store.dead_letter(DeadLetter("a", event(3, 1), 10, at(9), "HTTP 500"), Progress(Position(2, 2)))
    store.dead_letter(DeadLetter("a", event(2), 1, at(8), "HTTP 404"), Progress(Position(3)))
    store.dead_letter(DeadLetter("b", event(2), 4, at(8), "timeout"), Progress(Position(3)))
    assert store.progress("a") == Progress(Position(3))
    assert [(d.subscription, d.event) for d in store.dead_letters()] == [
        ("a", event(2)), ("a", event(3, 1)), ("b", event(2))]
    assert store.dead_letters("a")[1] == DeadLetter("a", event(3, 1), 10, at(9), "HTTP 500")
    assert store.requeue("evt_2_0", "a") == 1 and store.requeue("evt_2_0", "a") == 0
    assert [d.event.id for d in store.dead_letters("a", requeued=True)] == ["evt_2_0"]
    assert store.requeue(None) == 2 and len(store.dead_letters(requeued=False)) == 0
    store.delivered("a", "evt_2_0")
    assert [(d.subscription, d.event.id) for d in store.dead_letters()] == [("a", "evt_3_1"), ("b", "evt_2_0")]
    # dead again after a requeue: replaces the one it was
    store.dead_letter(DeadLetter("b", event(2), 2, at(20), "HTTP 502"), Progress(Position(3)))
    assert store.dead_letters("b") == [DeadLetter("b", event(2), 2, at(20), "HTTP 502")]


def test_removal_takes_the_state_and_dead_letters(store: Store) -> None:
    store.add(sub("a"), Position(0))
    store.add(sub("b"), Position(0))
    store.dead_letter(DeadLetter("a", event(1), 1, at(1), "HTTP 400"), Progress(Position(1)))
    assert store.remove("a") and not store.remove("a")
    assert [s.name for s in store.all()] == ["b"] and store.dead_letters() == []
    store.add(sub("a"), Position(7))  # the name is free again, with a fresh state
    assert store.progress("a") == Progress(Position(7))


def test_a_claim_is_exclusive_until_released(store: Store) -> None:
    store.add(sub(), Position(0))
    with store.claim("app") as first:
        seen: list[bool] = []

        def other() -> None:
            with store.claim("app") as mine:
                seen.append(mine)
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert first and seen == [False]
    with store.claim("app") as again:
        assert again


@pytest.mark.parametrize("sql_url", SQL_BACKENDS, indirect=True)
def test_the_secret_is_sealed_and_bound_to_its_name(sql_url: str) -> None:
    engine = make_engine(sql_url)
    SqlEventStore(engine, SecretBox(KEY)).add(sub(), Position(0))
    with engine.connect() as conn:
        stored = conn.scalar(select(event_subscriptions.c.secret))
    assert stored and "whsec_" not in stored and "A" * 12 not in stored
    box = SecretBox(KEY)
    assert box.open("app", stored) == sub().secret and box.open("other", stored) is None
    (unreadable,) = SqlEventStore(engine, SecretBox("another key entirely")).all()
    assert unreadable.secret == ""  # never sent with a wrong secret (DeliverEvents skips it)
    engine.dispose()


@pytest.mark.parametrize("sql_url", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True)
def test_on_postgresql_a_claim_holds_against_another_engine(sql_url: str) -> None:
    first, second = make_engine(sql_url), make_engine(sql_url)
    try:
        a, b = SqlEventStore(first, SecretBox(KEY)), SqlEventStore(second, SecretBox(KEY))
        a.add(sub(), Position(0))
        with a.claim("app") as mine, b.claim("app") as theirs:
            assert mine and not theirs
        with b.claim("app") as theirs:
            assert theirs
    finally:
        first.dispose()
        second.dispose()


def test_next_attempt_times_round_trip(store: Store) -> None:
    store.add(sub(), Position(0))
    later = T0 + timedelta(milliseconds=1500)
    store.advance("app", Progress(Position(1), 1, later, "timeout"))
    assert store.progress("app").next_attempt == later


def test_a_removed_subscription_has_no_progress_and_takes_no_letter(store: Store) -> None:
    from domain.errors import NotFound

    store.add(sub(), Position(0))
    store.remove("app")
    with pytest.raises(NotFound):
        store.progress("app")
    store.advance("app", Progress(Position(3)))
    store.dead_letter(DeadLetter("app", event(1), 1, at(1), "HTTP 400"), Progress(Position(1)))
    assert store.dead_letters() == [] and store.all() == []
