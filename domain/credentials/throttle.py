"""The throttle on failed authentication: past `max_failures` refused requests from one client
address within a fixed window, that address is answered 429 until the window ends. Only
failures count, and a request that authenticates is never throttled (IdPs share address
ranges: one tenant's misconfiguration must not lock out another's good credential)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from domain.ports import Clock


class FailureCounter(Protocol):
    """Failures per address, shared by every worker and host (so it lives in the database)."""

    def count_failure(self, address: str, now: datetime, window: timedelta) -> tuple[int, datetime]:
        """Count one failure of `address` and return (failures in its window, the window's
        start). A window older than `window` restarts at `now` with this failure. Atomic."""
        ...

    def failures(self, address: str, now: datetime, window: timedelta) -> tuple[int, datetime] | None:
        """The failures of `address` in its window still open at `now`, counting nothing."""
        ...


@dataclass(frozen=True)
class ThrottleRules:
    max_failures: int = 20  # 0: no throttle
    window: timedelta = timedelta(minutes=5)


class Throttle:
    def __init__(self, counter: FailureCounter, clock: Clock, rules: ThrottleRules) -> None:
        self._counter, self._clock, self._rules = counter, clock, rules

    def waiting(self, address: str) -> int | None:
        """The seconds `address` must still wait when it is past the limit now, else None; a
        check that counts nothing (for the administrator's login: a guess past the limit is
        refused even when it is right, unlike an IdP's request)."""
        if self._rules.max_failures <= 0:
            return None
        now = self._clock.now()
        found = self._counter.failures(address, now, self._rules.window)
        return None if found is None else self._wait(*found, now)

    def failed(self, address: str) -> int | None:
        """Record a refused request from `address`. Returns the seconds to wait (for Retry-After)
        once the address is past the limit, else None."""
        if self._rules.max_failures <= 0:
            return None
        now = self._clock.now()
        return self._wait(*self._counter.count_failure(address, now, self._rules.window), now)

    def _wait(self, count: int, started: datetime, now: datetime) -> int | None:
        """Past the limit, the whole seconds left of the window (at least 1), else None."""
        if count <= self._rules.max_failures:
            return None
        return max(1, math.ceil((started + self._rules.window - now).total_seconds()))
