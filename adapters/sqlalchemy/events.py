"""Subscriptions and their delivery state on SQL (domain.events.subscriptions: both ports),
each call its own short transaction. Signing secrets must stay usable for HMAC, so they cannot
be hashed: they are sealed (AES-GCM, the row's name bound in) with a key derived from the
service's secret key (SecretBox). A claim is a PostgreSQL advisory lock on a connection of its
own, held for the subscription's turn: one worker among every host delivers it at a time, and
a worker that dies drops it with its connection. SQLite is one host: a lock of this process."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy.engine import WRITE_OPTION
from adapters.sqlalchemy.tables import event_dead_letters, event_subscriptions
from domain.errors import NotFound, Uniqueness
from domain.events.subscriptions import DeadLetter, Position, Progress, Subscription
from domain.events.vocabulary import Event

# pg_try_advisory_lock(class, subscription) class of the delivery claims (the two-key space;
# the commit-order and migration locks use the one-key space)
CLAIM_CLASS = 0x5C1A_0003
_SEALED = "v1:"


class SecretBox:
    """Seals the signing secrets with a key derived from the service's secret key: a copy of
    the table alone (a backup, a dump) does not give them away when server.secret_key is set
    in the config, which then keeps the key off the database; a secret sealed under another
    key cannot be opened (the subscription is reported, never sent with a wrong secret)."""

    def __init__(self, secret_key: str) -> None:
        key = hashlib.sha256(b"scim-service webhook secrets\0" + secret_key.encode()).digest()
        self._aead = AESGCM(key)

    def seal(self, name: str, secret: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), name.encode())
        return _SEALED + base64.b64encode(nonce + sealed).decode()

    def open(self, name: str, sealed: str) -> str | None:
        """The secret, or None if it was sealed under another key (or not by this box)."""
        if not sealed.startswith(_SEALED):
            return None
        raw = base64.b64decode(sealed.removeprefix(_SEALED))
        try:
            return self._aead.decrypt(raw[:12], raw[12:], name.encode()).decode()
        except InvalidTag:
            return None


def _event(row: Any) -> Event:
    e = row.event
    return Event(row.seq, row.idx, e["type"], e["resource_type"], e["resource_id"],
                 datetime.fromisoformat(e["at"]), e["principal"], e.get("request_id"),
                 tuple(e.get("attributes", ())), tuple(e.get("members", ())))


def _event_doc(event: Event) -> dict[str, Any]:
    return {"type": event.type, "resource_type": event.resource_type,
            "resource_id": event.resource_id, "at": event.at.isoformat(),
            "principal": event.principal, "request_id": event.request_id,
            "attributes": list(event.attributes), "members": list(event.members)}


def _progress_values(progress: Progress) -> dict[str, Any]:
    return {"position_after": progress.position.after, "position_done": progress.position.done,
            "attempts": progress.attempts, "next_attempt": progress.next_attempt,
            "last_error": progress.last_error}


def _claim_key(name: str) -> int:
    """The subscription's int4 lock key (a collision only makes two subscriptions take turns)."""
    return zlib.crc32(name.encode()) - 2**31


class SqlEventStore:
    def __init__(self, engine: Engine, box: SecretBox) -> None:
        self._engine, self._box = engine, box
        self._local: dict[str, threading.Lock] = {}
        self._local_guard = threading.Lock()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})  # SQLite: BEGIN IMMEDIATE
            with conn.begin():
                yield conn

    # SubscriptionStore

    def add(self, subscription: Subscription, start: Position) -> None:
        s = subscription
        try:
            with self._write() as conn:
                conn.execute(insert(event_subscriptions).values(
                    name=s.name, kind=s.kind, url=s.url, event_types=list(s.event_types),
                    resource_type=s.resource_type, secret=self._box.seal(s.name, s.secret),
                    created=s.created, **_progress_values(Progress(start))))
        except IntegrityError:
            raise Uniqueness(f"a subscription is already named {s.name!r}") from None

    def all(self) -> list[Subscription]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(event_subscriptions).order_by(event_subscriptions.c.name)).all()
        # an unreadable secret is kept empty: such a subscription is never sent to
        return [Subscription(r.name, r.url, tuple(r.event_types), self._box.open(r.name, r.secret) or "",
                             r.created, r.resource_type, r.kind) for r in rows]

    def remove(self, name: str) -> bool:
        with self._write() as conn:
            conn.execute(delete(event_dead_letters).where(event_dead_letters.c.subscription == name))
            gone = conn.execute(delete(event_subscriptions).where(event_subscriptions.c.name == name))
            return bool(gone.rowcount)

    # DeliveryState

    def progress(self, name: str) -> Progress:
        with self._engine.connect() as conn:
            r = conn.execute(select(event_subscriptions).where(event_subscriptions.c.name == name)).one_or_none()
        if r is None:
            raise NotFound(f"no subscription is named {name!r}")
        return Progress(Position(r.position_after, r.position_done), r.attempts, r.next_attempt, r.last_error)

    def advance(self, name: str, progress: Progress) -> None:
        with self._write() as conn:
            if conn.dialect.name == "postgresql":  # a position lost in a server crash is only a resend
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            conn.execute(update(event_subscriptions).where(event_subscriptions.c.name == name)
                         .values(**_progress_values(progress)))

    def dead_letter(self, letter: DeadLetter, progress: Progress) -> None:
        d, key = letter, self._letter(letter.subscription, letter.event.id)
        with self._write() as conn:
            moved = conn.execute(update(event_subscriptions).where(event_subscriptions.c.name == d.subscription)
                                 .values(**_progress_values(progress)))
            if not moved.rowcount:  # removed meanwhile: its letters went with it
                return
            conn.execute(delete(event_dead_letters).where(key))
            conn.execute(insert(event_dead_letters).values(
                subscription=d.subscription, event_id=d.event.id, seq=d.event.seq, idx=d.event.index,
                event=_event_doc(d.event), attempts=d.attempts, failed_at=d.failed_at, error=d.error,
                requeued=d.requeued))

    def dead_letters(self, name: str | None = None, requeued: bool | None = None) -> list[DeadLetter]:
        t = event_dead_letters.c
        statement = select(event_dead_letters).order_by(t.subscription, t.seq, t.idx)
        if name is not None:
            statement = statement.where(t.subscription == name)
        if requeued is not None:
            statement = statement.where(t.requeued == requeued)
        with self._engine.connect() as conn:
            rows = conn.execute(statement).all()
        return [DeadLetter(r.subscription, _event(r), r.attempts, r.failed_at, r.error, r.requeued)
                for r in rows]

    def requeue(self, event_id: str | None, name: str | None = None) -> int:
        t = event_dead_letters.c
        statement = update(event_dead_letters).where(t.requeued.is_(False)).values(requeued=True)
        if event_id is not None:
            statement = statement.where(t.event_id == event_id)
        if name is not None:
            statement = statement.where(t.subscription == name)
        with self._write() as conn:
            return int(conn.execute(statement).rowcount)

    def delivered(self, name: str, event_id: str) -> None:
        with self._write() as conn:
            conn.execute(delete(event_dead_letters).where(self._letter(name, event_id)))

    @staticmethod
    def _letter(name: str, event_id: str) -> Any:
        return and_(event_dead_letters.c.subscription == name, event_dead_letters.c.event_id == event_id)

    @contextmanager
    def claim(self, name: str) -> Iterator[bool]:
        if self._engine.dialect.name != "postgresql":
            with self._local_claim(name) as mine:
                yield mine
            return
        with self._engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            key = {"c": CLAIM_CLASS, "k": _claim_key(name)}
            if not conn.exec_driver_sql("SELECT pg_try_advisory_lock(%(c)s, %(k)s)", key).scalar():
                yield False
                return
            try:
                yield True
            finally:
                conn.exec_driver_sql("SELECT pg_advisory_unlock(%(c)s, %(k)s)", key)

    @contextmanager
    def _local_claim(self, name: str) -> Iterator[bool]:
        with self._local_guard:
            lock = self._local.setdefault(name, threading.Lock())
        if not lock.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            lock.release()
