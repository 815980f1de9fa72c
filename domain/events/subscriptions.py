"""Subscriptions (who receives which events, where, signed with what) and the delivery state of
each: its position in the change records, the attempts at the event at its head, and the events
given up on (dead letters) until an operator re-queues them."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from domain.events.vocabulary import ALL, Event

WEBHOOK = "webhook"  # the receiver kinds a subscription may have: a webhook (`webhook add`),
SET = "set"  # or an RFC 8935 SET push receiver (domain.sets.push)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A receiver of events: `kind` picks the sender (how events are encoded, signed and sent),
    `event_types` the events it wants (`*`: all), `resource_type` optionally one type's.
    The secret signs what it is sent; it is never shown after `webhook add`."""

    name: str
    url: str
    event_types: tuple[str, ...]
    secret: str = field(repr=False)
    created: datetime
    resource_type: str | None = None
    kind: str = WEBHOOK

    def wants(self, event: Event) -> bool:
        return ((ALL in self.event_types or event.type in self.event_types)
                and (self.resource_type is None or event.resource_type == self.resource_type))


@dataclass(frozen=True, slots=True)
class Position:
    """Where a subscription is in the change records: every record numbered up to `after` is
    handled, and so are the first `done` events of the next one (a record gives several
    events, each delivered on its own)."""

    after: int
    done: int = 0


@dataclass(frozen=True, slots=True)
class Progress:
    """A subscription's delivery state: its position; the failed attempts at the event at its
    head (0: none), when to try again, and why the last attempt failed."""

    position: Position
    attempts: int = 0
    next_attempt: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An event a subscription gave up on (its attempts, when, why); `requeued` once an
    operator asked for it again (`events retry`): it then goes before the subscription's next
    events, once."""

    subscription: str
    event: Event
    attempts: int
    failed_at: datetime
    error: str
    requeued: bool = False


class SubscriptionStore(Protocol):
    """The subscriptions, by name."""

    def add(self, subscription: Subscription, start: Position) -> None:
        """Store a new one whose delivery starts at `start`; Uniqueness if the name is taken."""
        ...

    def all(self) -> list[Subscription]:
        """Every subscription, by name."""
        ...

    def remove(self, name: str) -> bool:
        """Delete one, with its delivery state and dead letters; False if there was none."""
        ...


class DeliveryState(Protocol):
    """Each subscription's progress and dead letters."""

    def progress(self, name: str) -> Progress:
        """NotFound if there is no such subscription (any more)."""
        ...

    def advance(self, name: str, progress: Progress) -> None:
        """Store the subscription's progress (nothing if it was removed meanwhile)."""
        ...

    def dead_letter(self, letter: DeadLetter, progress: Progress) -> None:
        """Keep `letter` (replacing one of the same subscription and event) and store the
        progress past it, in one transaction (nothing if the subscription was removed)."""
        ...

    def dead_letters(self, name: str | None = None, requeued: bool | None = None) -> list[DeadLetter]:
        """The dead letters (of one subscription; only the re-queued or only the others), in
        event order."""
        ...

    def requeue(self, event_id: str | None, name: str | None = None) -> int:
        """Mark dead letters for another delivery (one event's, or all; of one subscription or
        of every one); how many."""
        ...

    def delivered(self, name: str, event_id: str) -> None:
        """A re-queued dead letter was delivered: it goes."""
        ...

    def claim(self, name: str) -> AbstractContextManager[bool]:
        """While held and true, this process alone delivers the subscription's events (several
        hosts may run a worker); false: another one is at it, leave it."""
        ...

