"""Subscriptions and their delivery state in memory (domain.events.subscriptions: both ports),
for the use cases' tests and one process; a claim is a lock of this process."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from domain.errors import NotFound, Uniqueness
from domain.events.subscriptions import DeadLetter, Position, Progress, Subscription


class InMemoryEventStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[str, Subscription] = {}
        self._progress: dict[str, Progress] = {}
        self._letters: dict[tuple[str, str], DeadLetter] = {}
        self._claims: dict[str, threading.Lock] = {}

    # SubscriptionStore

    def add(self, subscription: Subscription, start: Position) -> None:
        with self._lock:
            if subscription.name in self._subs:
                raise Uniqueness(f"a subscription is already named {subscription.name!r}")
            self._subs[subscription.name] = subscription
            self._progress[subscription.name] = Progress(start)
            self._claims[subscription.name] = threading.Lock()

    def all(self) -> list[Subscription]:
        with self._lock:
            return [self._subs[name] for name in sorted(self._subs)]

    def remove(self, name: str) -> bool:
        with self._lock:
            if self._subs.pop(name, None) is None:
                return False
            del self._progress[name]
            for key in [k for k in self._letters if k[0] == name]:
                del self._letters[key]
            return True

    # DeliveryState

    def progress(self, name: str) -> Progress:
        with self._lock:
            if name not in self._progress:
                raise NotFound(f"no subscription is named {name!r}")
            return self._progress[name]

    def advance(self, name: str, progress: Progress) -> None:
        with self._lock:
            if name in self._progress:
                self._progress[name] = progress

    def dead_letter(self, letter: DeadLetter, progress: Progress) -> None:
        with self._lock:
            if letter.subscription in self._progress:
                self._letters[(letter.subscription, letter.event.id)] = letter
                self._progress[letter.subscription] = progress

    def dead_letters(self, name: str | None = None, requeued: bool | None = None) -> list[DeadLetter]:
        with self._lock:
            letters = [d for d in self._letters.values()
                       if (name is None or d.subscription == name)
                       and (requeued is None or d.requeued == requeued)]
        return sorted(letters, key=lambda d: (d.subscription, d.event.seq, d.event.index))

    def requeue(self, event_id: str | None, name: str | None = None) -> int:
        with self._lock:
            keys = [k for k, d in self._letters.items() if not d.requeued
                    and (event_id is None or k[1] == event_id) and (name is None or k[0] == name)]
            for key in keys:
                self._letters[key] = replace(self._letters[key], requeued=True)
            return len(keys)

    def delivered(self, name: str, event_id: str) -> None:
        with self._lock:
            self._letters.pop((name, event_id), None)

    @contextmanager
    def claim(self, name: str) -> Iterator[bool]:
        with self._lock:
            lock = self._claims.get(name)
        if lock is None or not lock.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            lock.release()
