"""Delivery from the outbox: each subscription reads the change records after its position in
commit order, turns them into events and sends the ones it wants, one at a time; its position
moves past an event only once the receiver took it (2xx), so a crash anywhere sends again at
worst (at-least-once, the same event id): the position is stored at the end of each turn, at
each failure, and at least once a `checkpoint` (a second) while a turn delivers, so a crash
resends at most about that much. A failure holds the subscription at that event
(head-of-line: a resource's events stay in order) and retries with exponential backoff and
jitter; after `max_attempts`, or at once for a refusal no retry can fix, the event becomes a
dead letter and the subscription moves on. Subscriptions never wait for one another."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from domain.errors import NotFound
from domain.events.subscriptions import (
    DeadLetter,
    DeliveryState,
    Position,
    Progress,
    Subscription,
    SubscriptionStore,
)
from domain.events.vocabulary import Event, events_of
from domain.feed import ChangeFeed, Recorded
from domain.ports import Clock

Vocabulary = Callable[[Recorded], list[Event]]  # a change record as the events of one kind
RETRIED_STATUSES = (408, 429)  # a 4xx that may pass later: timeout, too many requests


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a receiver did with one event: its HTTP status, or None and what went wrong
    (timeout, connection refused)."""

    status: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """5xx, 408, 429 and no answer are worth another attempt; any other status (a 4xx, a
        redirect, which is never followed) is the receiver refusing this event: retrying the
        same signed request cannot change its answer."""
        return self.status is None or self.status >= 500 or self.status in RETRIED_STATUSES

    def describe(self) -> str:
        """Why it failed: the error, or the status (and what the receiver said of it, if anything)."""
        if self.status is None:
            return self.error
        return f"HTTP {self.status}" + (f": {self.error}" if self.error else "")


class Sender(Protocol):
    """Sends one event to one subscription's receiver (encoding and signing are the sender's:
    a webhook, or a security event token pushed: adapters/sets/push.py)."""

    def send(self, subscription: Subscription, event: Event) -> Outcome:
        ...


@dataclass(frozen=True, slots=True)
class Rules:
    """How delivery retries (events.* in the config): attempts before a dead letter, the first
    delay (doubled each attempt, at most `max_backoff`), records read per batch."""

    max_attempts: int = 10
    backoff: timedelta = timedelta(seconds=2)
    max_backoff: timedelta = timedelta(seconds=600)
    batch_size: int = 100
    checkpoint: timedelta = timedelta(seconds=1)  # how often a turn stores its position

    def delay(self, attempts: int, jitter: float) -> timedelta:
        """The wait after the `attempts`-th failure: backoff x 2^(attempts-1), capped, scaled
        into its upper half by `jitter` in [0, 1) ("equal jitter": never less than half, so
        retries neither pile up nor come back all at once)."""
        full = min(self.backoff * (1 << min(attempts - 1, 30)), self.max_backoff)
        return full * (0.5 + jitter / 2)


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed attempt, for the worker's log: whose, which event, why, which attempt, and
    whether it made a dead letter or waits until `retry_at`."""

    subscription: str
    event_id: str
    reason: str
    attempts: int
    dead: bool
    retry_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Tally:
    """What one subscription's turn did."""

    delivered: int = 0
    failures: tuple[Failure, ...] = ()
    more: bool = False  # a full batch was read: more may be waiting now

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def dead(self) -> int:
        return sum(f.dead for f in self.failures)

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.delivered + other.delivered, self.failures + other.failures,
                     self.more or other.more)


class DeliverEvents:
    """One turn of delivery per subscription (the worker calls it in a loop)."""

    def __init__(self, subscriptions: SubscriptionStore, state: DeliveryState, feed: ChangeFeed,
                 senders: Mapping[str, Sender], clock: Clock, rules: Rules,
                 jitter: Callable[[], float], vocabularies: Mapping[str, Vocabulary] | None = None) -> None:
        """`vocabularies`: how a change record becomes events, per subscription kind (a kind
        not named there: the webhook vocabulary, `events_of`)."""
        self._subs, self._state, self._feed = subscriptions, state, feed
        self._senders, self._clock, self._rules, self._jitter = senders, clock, rules, jitter
        self._vocabularies = dict(vocabularies or {})

    def __call__(self, stop: Callable[[], bool] = lambda: False) -> Tally:
        """A turn for every subscription, one after another."""
        total = Tally()
        for subscription in self._subs.all():
            if stop():
                break
            total += self.turn(subscription, stop)
        return total

    def turn(self, subscription: Subscription, stop: Callable[[], bool] = lambda: False) -> Tally:
        """Deliver what is pending for one subscription, unless another worker holds it or it
        is waiting out a backoff: its re-queued dead letters first, then a batch of records."""
        if not subscription.secret:  # its store could not read it: nothing is sent unsigned
            return Tally()
        with self._state.claim(subscription.name) as mine:
            if not mine:
                return Tally()
            try:
                progress = self._state.progress(subscription.name)
            except NotFound:  # removed since the list was read
                return Tally()
            if progress.next_attempt is not None and progress.next_attempt > self._clock.now():
                return Tally()
            return _Turn(self, subscription, progress, stop).run()


class _Turn:
    """One subscription's turn: the progress it carries from event to event."""

    def __init__(self, owner: DeliverEvents, subscription: Subscription, progress: Progress,
                 stop: Callable[[], bool]) -> None:
        self.o, self.sub, self.progress, self.stop = owner, subscription, progress, stop
        self.tally = Tally()
        self.sender = owner._senders[subscription.kind]
        self.events_of = owner._vocabularies.get(subscription.kind, events_of)
        self.saved, self.saved_at = progress, owner._clock.now()

    def run(self) -> Tally:
        try:
            return self._run()
        finally:  # however the turn ends, what was delivered or skipped is stored
            self._save()

    def _run(self) -> Tally:
        for letter in self.o._state.dead_letters(self.sub.name, requeued=True):
            if self.stop() or not self._redeliver(letter):
                return self.tally
        records = self.o._feed.after(self.progress.position.after, self.o._rules.batch_size)
        records = self._past_prune(records)
        for record in records:
            events = self.events_of(record)
            for event in events[self.progress.position.done:]:
                if self.stop() or not self._deliver(event):
                    return self.tally
            self._moved(Position(record.seq))
        self.tally = replace(self.tally, more=len(records) == self.o._rules.batch_size)
        return self.tally

    def _moved(self, position: Position) -> None:
        self.progress = Progress(position)

    def _past_prune(self, records: list[Recorded]) -> list[Recorded]:
        """Records this subscription had not handled were pruned (`audit prune`): they are
        gone, so it goes on after them, and says so (the horizon is read after the page, as
        FollowChanges does, so a prune in between shows)."""
        horizon = self.o._feed.horizon()
        if self.progress.position.after >= horizon:
            return records
        reason = f"change records up to {horizon} were pruned before they were delivered"
        self.tally += Tally(failures=(Failure(self.sub.name, f"up to {horizon}", reason, 0, True),))
        self._moved(Position(horizon))
        return [r for r in records if r.seq > horizon]

    def _save(self) -> None:
        if self.progress != self.saved:
            self.o._state.advance(self.sub.name, self.progress)
            self._stored()

    def _stored(self) -> None:
        self.saved, self.saved_at = self.progress, self.o._clock.now()

    def _checkpoint(self) -> None:
        """Store the position if the last store is `checkpoint` old (a commit per event would
        cost the database more than the sending; a crash resends at most that much)."""
        if self.o._clock.now() - self.saved_at >= self.o._rules.checkpoint:
            self._save()

    def _deliver(self, event: Event) -> bool:
        """Send one event (if wanted); True to go on with the next one."""
        after = Position(self.progress.position.after, event.index + 1)
        if not self.sub.wants(event):
            self._moved(after)
            return True
        outcome = self.sender.send(self.sub, event)
        if outcome.delivered:
            self._moved(after)
            self._checkpoint()
            self.tally += Tally(delivered=1)
            return True
        return self._failed(event, outcome, lambda progress: replace(progress, position=after))

    def _redeliver(self, letter: DeadLetter) -> bool:
        outcome = self.sender.send(self.sub, letter.event)
        if outcome.delivered:
            self.o._state.delivered(self.sub.name, letter.event.id)
            if self.progress.attempts:  # the attempts were this letter's
                self._moved(self.progress.position)
                self._save()
            self.tally += Tally(delivered=1)
            return True
        return self._failed(letter.event, outcome, lambda progress: progress)

    def _failed(self, event: Event, outcome: Outcome,
                past: Callable[[Progress], Progress]) -> bool:
        """A failed attempt: wait and retry (False: the turn ends), or, out of attempts or
        refused for good, a dead letter and on to the next event (True)."""
        rules, now = self.o._rules, self.o._clock.now()
        attempts = self.progress.attempts + 1
        if outcome.retryable and attempts < rules.max_attempts:
            wait = rules.delay(attempts, self.o._jitter())
            self.progress = replace(self.progress, attempts=attempts, next_attempt=now + wait,
                                    last_error=outcome.describe())
            self._save()
            self.tally += Tally(failures=(Failure(self.sub.name, event.id, outcome.describe(), attempts,
                                                  False, now + wait),))
            return False
        self.progress = past(Progress(self.progress.position))
        letter = DeadLetter(self.sub.name, event, attempts, now, outcome.describe())
        self.o._state.dead_letter(letter, self.progress)
        self._stored()
        self.tally += Tally(failures=(Failure(self.sub.name, event.id, outcome.describe(), attempts, True),))
        return True
