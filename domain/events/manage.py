"""Managing subscriptions and dead letters (the `webhook` and `events` commands): a new
subscription gets its own signing secret, shown once, and starts at the newest change record
(it is sent what happens from then on, not the history: `GET /changes` serves that)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

from domain.errors import InvalidValue, NotFound
from domain.events.subscriptions import (
    WEBHOOK,
    DeadLetter,
    DeliveryState,
    Position,
    Progress,
    Subscription,
    SubscriptionStore,
)
from domain.events.vocabulary import check_types
from domain.feed import ChangeFeed
from domain.model import GROUP, USER
from domain.ports import Clock

SECRET_PREFIX = "whsec_"  # Standard Webhooks: the base64 of the key's bytes after it
SECRET_BYTES = 32


def webhook_secret(random_bytes: Callable[[int], bytes]) -> str:
    return SECRET_PREFIX + base64.b64encode(random_bytes(SECRET_BYTES)).decode()


@dataclass(frozen=True, slots=True)
class NewSubscription:
    name: str
    url: str
    event_types: tuple[str, ...]
    resource_type: str | None = None
    kind: str = WEBHOOK


class Subscriptions:
    """Add, list and remove subscriptions; list and re-queue dead letters."""

    def __init__(self, store: SubscriptionStore, state: DeliveryState, feed: ChangeFeed,
                 clock: Clock, random_bytes: Callable[[int], bytes]) -> None:
        self._store, self._state, self._feed = store, state, feed
        self._clock, self._random = clock, random_bytes

    def add(self, new: NewSubscription) -> Subscription:
        """The stored subscription, its secret in it (the only time anyone sees it)."""
        if not new.name or len(new.name) > 200 or not new.name.isprintable():
            raise InvalidValue("a subscription's name: 1 to 200 printable characters")
        if not new.url.startswith(("http://", "https://")):
            raise InvalidValue("a webhook URL starts with https:// (or http://)")
        if new.resource_type not in (None, USER, GROUP):
            raise InvalidValue(f"resource type: {USER} or {GROUP}")
        subscription = Subscription(new.name, new.url, check_types(new.event_types),
                                    webhook_secret(self._random), self._clock.now(),
                                    new.resource_type, new.kind)
        self._store.add(subscription, Position(self._feed.last()))
        return subscription

    def all(self) -> list[Subscription]:
        return self._store.all()

    def progress(self, name: str) -> Progress:
        return self._state.progress(name)

    def remove(self, name: str) -> None:
        if not self._store.remove(name):
            raise NotFound(f"no subscription is named {name!r}")

    def failed(self, name: str | None = None) -> list[DeadLetter]:
        return self._state.dead_letters(name)

    def retry(self, event_id: str | None, name: str | None = None) -> int:
        """Re-queue one event's dead letters (or all of them): NotFound if none matched."""
        count = self._state.requeue(event_id, name)
        if not count and event_id is not None:
            raise NotFound(f"no dead letter has the event id {event_id!r}")
        return count
