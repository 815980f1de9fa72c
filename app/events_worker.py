"""`scim-service events run`: the delivery worker, a process of its own beside gunicorn (a slow
or dead receiver never holds a provisioning request: requests only write their change record).
It takes turns over the subscriptions, several at once (events.concurrency), sleeps when none
has anything pending, and stops between two sends on SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import random
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from adapters.sqlalchemy.events import SecretBox, SqlEventStore
from adapters.webhooks.sender import WebhookSender
from app import set_app
from app.settings import Settings
from app.token_cli import CommandError
from domain.errors import Uniqueness
from domain.events.delivery import DeliverEvents, Failure, Rules, Sender, Tally
from domain.events.manage import Subscriptions, webhook_secret
from domain.events.subscriptions import SET, WEBHOOK, Subscription
from domain.sets.push import Pushed, reconcile, set_events_of, start_of

log = logging.getLogger("scim.events")


def secret_key(container: Any, settings: Settings) -> str:
    """The service's secret key, as the app finds it."""
    from adapters.sqlalchemy.migrate import get_or_create_secret

    return settings.server.secret_key or get_or_create_secret(container.engine(), "secret_key")


def event_store(container: Any, settings: Settings) -> SqlEventStore:
    """The SQL store, its secrets sealed under the service's secret key."""
    return SqlEventStore(container.engine(), SecretBox(secret_key(container, settings)))


def subscriptions(container: Any, settings: Settings) -> Subscriptions:
    import secrets

    store = event_store(container, settings)
    return Subscriptions(store, store, container.audit_log(), container.clock(), secrets.token_bytes)


def senders(settings: Settings, container: Any) -> dict[str, Sender]:
    """The sender of each receiver kind: webhooks, and SET push when a receiver has a push_url."""
    found: dict[str, Sender] = {WEBHOOK: WebhookSender(settings.events.timeout_seconds)}
    if set_app.push_targets(settings):
        found[SET] = set_app.push_sender(settings, container, secret_key(container, settings))
    return found


class PushSubscriptions:
    """Keeps a `set` subscription for each pushed receiver (events.sets.receivers with a
    push_url) and none for any other: checked each turn against the subscriptions just read."""

    def __init__(self, store: SqlEventStore, feed: Any, clock: Any, settings: Settings) -> None:
        self._store, self._feed, self._clock = store, feed, clock
        self._pushed = tuple(Pushed(n, t.url) for n, t in set_app.push_targets(settings).items())
        self._start = settings.events.sets.start

    def sync(self, existing: list[Subscription]) -> bool:
        """Add the missing, remove the unconfigured; whether anything changed."""
        import secrets

        add, remove = reconcile(self._pushed, existing, lambda: webhook_secret(secrets.token_bytes),
                                self._clock.now())
        for name in remove:
            self._store.remove(name)
            log.info("events: %s removed: its receiver is no longer pushed to (events.sets.receivers)", name)
        for subscription in add:
            try:
                self._store.add(subscription, start_of(self._start, self._feed.last()))
            except Uniqueness:  # another worker added it meanwhile
                continue
            log.info("events: %s added: SETs pushed to %s", subscription.name, subscription.url)
        return bool(add or remove)


def rules_of(settings: Settings) -> Rules:
    e = settings.events
    return Rules(e.max_attempts, timedelta(seconds=e.backoff_seconds),
                 timedelta(seconds=e.max_backoff_seconds), e.batch_size)


@contextmanager
def one_worker_on_sqlite(url: str) -> Iterator[None]:
    """SQLite is one host and has no advisory locks: a lock file beside the database keeps a
    second worker from starting on it."""
    from sqlalchemy.engine import make_url

    database = make_url(url).database if url.startswith("sqlite") else None
    if not database or database == ":memory:":
        yield
        return
    import fcntl

    with open(f"{database}-events.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CommandError(f"error: another `events run` is delivering from {database}") from None
        yield


def _log(failure: Failure) -> None:
    if not failure.attempts:  # nothing was sent: records pruned before their delivery
        log.error("events: %s: %s", failure.subscription, failure.reason)
    elif failure.dead:
        log.warning("events: %s: %s dead-lettered after %d attempt(s): %s", failure.subscription,
                    failure.event_id, failure.attempts, failure.reason)
    else:
        log.warning("events: %s: %s failed (attempt %d): %s; next attempt %s", failure.subscription,
                    failure.event_id, failure.attempts, failure.reason,
                    failure.retry_at.isoformat(timespec="seconds") if failure.retry_at else "-")


class Worker:
    def __init__(self, container: Any, settings: Settings) -> None:
        self._store = event_store(container, settings)
        self._senders = senders(settings, container)
        self._deliver = DeliverEvents(self._store, self._store, container.audit_log(), self._senders,
                                      container.clock(), rules_of(settings), random.random,
                                      {SET: set_events_of})
        self._pushed = PushSubscriptions(self._store, container.audit_log(), container.clock(), settings)
        self._settings, self.stopping = settings, threading.Event()
        self._unreadable: set[str] = set()

    def subscriptions(self) -> list[Any]:
        subs = self._store.all()
        return self._store.all() if self._pushed.sync(subs) else subs

    def turn(self, pool: ThreadPoolExecutor) -> Tally:
        """One turn of every subscription, `events.concurrency` of them at a time."""
        subs = self.subscriptions()
        for sub in subs:
            if not sub.secret and sub.name not in self._unreadable:
                self._unreadable.add(sub.name)
                log.error("events: %s: its signing secret cannot be opened (server.secret_key changed "
                          "since `webhook add`?); nothing is sent to it: remove and add it again", sub.name)
        total = Tally()
        for tally in pool.map(self._turn, subs):
            for failure in tally.failures:
                _log(failure)
            total += tally
        return total

    def _turn(self, subscription: Any) -> Tally:
        """One subscription's turn; a store error (the database gone away) is logged and the
        turn tried again after the poll interval, the position as last stored."""
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return self._deliver.turn(subscription, self.stopping.is_set)
        except SQLAlchemyError as exc:
            log.error("events: %s: the turn stopped on a database error: %s", subscription.name,
                      str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return Tally()

    def run(self, once: bool) -> Tally:
        """Turns until stopped (or, `once`, until nothing more is ready to send)."""
        total, idle = Tally(), self._settings.events.poll_interval_ms / 1000
        with ThreadPoolExecutor(self._settings.events.concurrency, thread_name_prefix="events") as pool:
            while not self.stopping.is_set():
                tally = self.turn(pool)
                total += tally
                if once and not (tally.more or tally.delivered):
                    break
                if not (tally.more or once):
                    self.stopping.wait(idle)
        for sender in self._senders.values():
            if isinstance(sender, WebhookSender):  # SetPushSender too
                sender.close()
        return total


class _Stderr(logging.StreamHandler):
    """Whatever sys.stderr is when a line is written (tests replace it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _log_to_stderr() -> None:
    if not any(isinstance(h, _Stderr) for h in log.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT ask for a stop (the send under way finishes; the position is kept)."""
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run(args: Any) -> int:
    from app.settings import load_settings
    from app.token_cli import database_container

    settings = load_settings()
    _log_to_stderr()
    with database_container(settings, "events") as container, one_worker_on_sqlite(settings.database.url):
        worker = Worker(container, settings)
        with _stopped_by_signals(worker.stopping):
            log.info("events: worker started (%d subscription(s))", len(worker.subscriptions()))
            total = worker.run(args.once)
        log.info("events: worker stopped: %d delivered, %d failed attempt(s), %d dead-lettered",
                 total.delivered, total.failed, total.dead)
    return 0
