"""RFC 8935 push of SETs through the events worker: a pushed receiver is a subscription of kind
`set` named `set:<receiver>`, whose vocabulary is one event per change record (index 0) carrying
what rebuilds the record, so the SET is built (and signed) when it is sent, as a poll builds it:
a redelivery or a dead letter's retry sends the same SET, `jti` included."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.audit import Change
from domain.events.subscriptions import SET, Position, Subscription
from domain.events.vocabulary import ALL, Event
from domain.feed import Recorded
from domain.sets.poll import BEGINNING

PREFIX = "set:"  # a pushed receiver's subscription is named PREFIX + the receiver's name


def subscription_name(receiver: str) -> str:
    return PREFIX + receiver


def receiver_name(subscription: str) -> str:
    return subscription.removeprefix(PREFIX)


def set_events_of(record: Recorded) -> list[Event]:
    """The one event of a change record for a SET receiver: its `type` is the change's operation."""
    c = record.change
    return [Event(record.seq, 0, c.operation, c.resource_type, c.resource_id, c.at, c.principal,
                  c.request_id, c.attributes)]


def record_of(event: Event) -> Recorded:
    """The change record an event of `set_events_of` came from (what SetBuilder reads of it)."""
    return Recorded(event.seq, Change(event.principal, event.type, event.resource_type, event.resource_id,
                                      event.attributes, event.at, event.request_id))


@dataclass(frozen=True, slots=True)
class Pushed:
    """A configured push receiver: its name and URL."""

    name: str
    url: str


def reconcile(pushed: tuple[Pushed, ...], existing: list[Subscription], secret: Callable[[], str],
              now: datetime) -> tuple[list[Subscription], list[str]]:
    """The subscriptions to add (one per pushed receiver without one) and the names of those to
    remove (kind `set`, their receiver no longer pushed to). A changed push_url keeps the
    subscription (its position, its dead letters): the sender posts to the configured URL."""
    have = {s.name for s in existing if s.kind == SET}
    wanted = {subscription_name(p.name): p for p in pushed}
    add = [Subscription(n, p.url, (ALL,), secret(), now, None, SET) for n, p in wanted.items() if n not in have]
    return add, sorted(have - set(wanted))


def start_of(start: str, last: int) -> Position:
    """Where a new push subscription starts: the feed's end, or its beginning."""
    return Position(0 if start == BEGINNING else last)
