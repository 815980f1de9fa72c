"""The throttle on failed authentication (domain/credentials/throttle.py) on the in-memory
counter: past `max_failures` failures of one address in a fixed window, every further failure
is answered with the seconds left of that window (at least 1, rounded up); each address has its
own count, the count restarts when the window ends, and max_failures 0 turns it all off."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory.credentials import InMemoryFailureCounter
from domain.credentials.throttle import Throttle, ThrottleRules
from tests.fakes import ManualClock

T0 = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW = timedelta(minutes=5)
A, B = "198.51.100.7", "203.0.113.9"


class SpyCounter(InMemoryFailureCounter):
    """The in-memory counter, remembering every address it counted."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def count_failure(self, address: str, now: datetime, window: timedelta) -> tuple[int, datetime]:
        self.calls.append(address)
        return super().count_failure(address, now, window)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def throttle(clock: ManualClock, max_failures: int = 3, counter: SpyCounter | None = None) -> Throttle:
    return Throttle(counter or SpyCounter(), clock, ThrottleRules(max_failures, WINDOW))


def fail(t: Throttle, address: str, times: int) -> list[int | None]:
    return [t.failed(address) for _ in range(times)]


def test_the_default_rules_are_20_failures_in_5_minutes() -> None:
    assert ThrottleRules() == ThrottleRules(max_failures=20, window=timedelta(minutes=5))


@pytest.mark.parametrize("max_failures", [1, 3, 20])
def test_the_first_max_failures_pass_and_the_next_one_is_throttled(clock: ManualClock, max_failures: int) -> None:
    t = throttle(clock, max_failures)
    assert fail(t, A, max_failures) == [None] * max_failures
    assert t.failed(A) == WINDOW.total_seconds()  # the clock stood still: the whole window left
    assert t.failed(A) == WINDOW.total_seconds()  # and every failure after it too


@pytest.mark.parametrize(("elapsed", "wait"), [
    (timedelta(seconds=10), 290),
    (timedelta(seconds=10, milliseconds=500), 290),  # 289.5 s left: rounded up
    (timedelta(seconds=10, microseconds=1), 290),
    (timedelta(seconds=299), 1),
    (timedelta(seconds=299, microseconds=999_999), 1),  # 1 µs left: still at least one second
])
def test_the_wait_is_the_rest_of_the_window_rounded_up(
    clock: ManualClock, elapsed: timedelta, wait: int
) -> None:
    t = throttle(clock)
    for _ in range(3):
        t.failed(A)  # the window starts at the first failure, T0
    clock.advance(elapsed)
    seconds = t.failed(A)
    assert seconds == wait == max(1, math.ceil((WINDOW - elapsed).total_seconds()))
    assert isinstance(seconds, int) and seconds >= 1


def test_the_window_starts_at_the_first_failure_not_at_the_throttled_one(clock: ManualClock) -> None:
    t = throttle(clock)
    t.failed(A)
    clock.advance(timedelta(seconds=100))
    assert fail(t, A, 2) == [None, None]
    clock.advance(timedelta(seconds=50))
    assert t.failed(A) == 150


def test_addresses_are_counted_separately(clock: ManualClock) -> None:
    t = throttle(clock, max_failures=2)
    assert fail(t, A, 2) == [None, None]
    assert t.failed(B) is None  # A's failures are not B's
    assert t.failed(A) == 300
    assert t.failed(B) is None
    assert t.failed(B) == 300
    assert t.failed("2001:db8::1") is None


def test_after_the_window_the_count_restarts(clock: ManualClock) -> None:
    t = throttle(clock, max_failures=2)
    for _ in range(4):
        t.failed(A)
    clock.advance(WINDOW - timedelta(microseconds=1))
    assert t.failed(A) == 1  # still in the first window
    clock.advance(timedelta(microseconds=1))  # exactly at its end: a new window
    assert fail(t, A, 2) == [None, None]
    assert t.failed(A) == 300


def test_a_window_restarts_for_its_own_address_only(clock: ManualClock) -> None:
    t = throttle(clock, max_failures=1)
    assert fail(t, A, 2) == [None, 300]
    clock.advance(timedelta(minutes=3))
    t.failed(B)
    clock.advance(timedelta(minutes=2))  # A's window is over, B's has 3 minutes left
    assert t.failed(A) is None
    assert t.failed(B) == 180


@pytest.mark.parametrize("max_failures", [0, -1])
def test_max_failures_zero_never_throttles_and_counts_nothing(clock: ManualClock, max_failures: int) -> None:
    counter = SpyCounter()
    t = throttle(clock, max_failures, counter)
    assert fail(t, A, 100) == [None] * 100
    assert counter.calls == []


def test_every_failure_is_counted_with_the_rules_window(clock: ManualClock) -> None:
    counter = SpyCounter()
    t = throttle(clock, 5, counter)
    for address in (A, B, A):
        t.failed(address)
    assert counter.calls == [A, B, A]
    assert counter.count_failure(A, clock.now(), WINDOW) == (3, T0)


class StaleCounter:
    """A counter answering a window that ends at `now` (say, a host whose clock runs behind)."""

    def count_failure(self, address: str, now: datetime, window: timedelta) -> tuple[int, datetime]:
        return 99, now - window


def test_the_wait_is_never_below_one_second(clock: ManualClock) -> None:
    t = Throttle(StaleCounter(), clock, ThrottleRules(3, WINDOW))
    assert t.failed(A) == 1  # Retry-After 0 would invite an immediate retry


def test_waiting_says_how_long_an_address_past_the_limit_waits_and_counts_nothing(clock: ManualClock) -> None:
    counter = SpyCounter()
    t = throttle(clock, 2, counter)
    assert t.waiting(A) is None  # never failed
    for _ in range(3):
        t.failed(A)
    calls = len(counter.calls)
    clock.advance(timedelta(seconds=100))
    assert t.waiting(A) == 200 and t.waiting(B) is None
    assert len(counter.calls) == calls  # a check, not a failure
    clock.advance(timedelta(seconds=200))
    assert t.waiting(A) is None  # the window ended


def test_waiting_is_none_at_the_limit_and_with_the_throttle_off(clock: ManualClock) -> None:
    t = throttle(clock, 2)
    t.failed(A)
    t.failed(A)
    assert t.waiting(A) is None  # at the limit, not past it
    off = throttle(clock, 0)
    for _ in range(5):
        off.failed(A)
    assert off.waiting(A) is None


def test_waiting_rounds_the_last_fraction_of_a_second_up_to_one(clock: ManualClock) -> None:
    t = throttle(clock, 1)
    t.failed(A)
    t.failed(A)
    clock.advance(WINDOW - timedelta(milliseconds=500))
    assert t.waiting(A) == 1


def test_with_the_throttle_off_waiting_reads_nothing_even_where_failures_were_counted(clock: ManualClock) -> None:
    class Reads(SpyCounter):
        def failures(self, address: str, now: datetime, window: timedelta) -> tuple[int, datetime] | None:
            self.calls.append("read " + address)
            return super().failures(address, now, window)

    shared = Reads()
    on = throttle(clock, 1, shared)
    for _ in range(3):
        on.failed(A)
    assert on.waiting(A) is not None
    before = list(shared.calls)
    assert Throttle(shared, clock, ThrottleRules(0, WINDOW)).waiting(A) is None
    assert shared.calls == before
