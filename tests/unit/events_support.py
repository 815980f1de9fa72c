"""Doubles for the delivery use case: a change feed of given records, a sender whose receiver
answers as scripted, and a store-backed harness."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from adapters.memory.events import InMemoryEventStore
from domain.audit import Change
from domain.events.delivery import DeliverEvents, Outcome, Rules
from domain.events.manage import NewSubscription, Subscriptions
from domain.events.subscriptions import Subscription
from domain.events.vocabulary import Event
from domain.feed import Recorded
from tests.fakes import ManualClock

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def change(rid: str, operation: str = "create", rtype: str = "User", attributes: tuple[str, ...] = ("userName",),
           added: tuple[str, ...] = (), removed: tuple[str, ...] = ()) -> Change:
    return Change("okta", operation, rtype, rid, attributes, T0, "req-1", added, removed)


class ListFeed:
    """domain.feed.ChangeFeed over a list (numbers 1, 2, ...)."""

    def __init__(self) -> None:
        self.records: list[Recorded] = []
        self.pruned = 0

    def write(self, *changes: Change) -> None:
        for c in changes:
            self.records.append(Recorded(len(self.records) + 1, c))

    def after(self, seq: int, limit: int) -> list[Recorded]:
        return [r for r in self.records if r.seq > max(seq, self.pruned)][:limit]

    def horizon(self) -> int:
        return self.pruned

    def last(self) -> int:
        return len(self.records)


@dataclass
class ScriptedSender:
    """Answers each send with the next scripted outcome (200 once the script runs out) and
    keeps what it was sent."""

    script: list[Outcome] = field(default_factory=list)
    sent: list[tuple[str, Event]] = field(default_factory=list)

    def answer(self, *statuses: int | None) -> None:
        self.script += [Outcome(s, "" if s else "connection refused") for s in statuses]

    def send(self, subscription: Subscription, event: Event) -> Outcome:
        self.sent.append((subscription.name, event))
        return self.script.pop(0) if self.script else Outcome(200)

    def ids(self, name: str | None = None) -> list[str]:
        return [e.id for n, e in self.sent if name is None or n == name]


class Harness:
    def __init__(self, rules: Rules | None = None) -> None:
        rules = rules or Rules(max_attempts=3)
        self.feed, self.store, self.sender = ListFeed(), InMemoryEventStore(), ScriptedSender()
        self.clock = ManualClock(T0)
        self.deliver = DeliverEvents(self.store, self.store, self.feed, {"webhook": self.sender},
                                     self.clock, rules, jitter=lambda: 0.0)
        self.manage = Subscriptions(self.store, self.store, self.feed, self.clock, lambda n: b"k" * n)

    def subscribe(self, name: str = "app", types: Iterable[str] = ("*",), rtype: str | None = None) -> Subscription:
        return self.manage.add(NewSubscription(name, f"https://{name}.example/hook", tuple(types), rtype))
