"""The webhook sender (domain.events.delivery.Sender): an event as a small JSON document
({"type", "timestamp", "data"}, the Standard Webhooks shape), POSTed with its signature headers
over HTTP/1.1 (the standard library's client), one kept-alive connection per receiver host and
thread, never following a redirect; a bounded wait for each answer (events.timeout_seconds)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

from adapters.webhooks import signing
from domain.events.delivery import Outcome
from domain.events.subscriptions import Subscription
from domain.events.vocabulary import Event

USER_AGENT = "scim-service-webhooks/1"
MAX_ANSWER = 64 * 1024  # read (then drop) at most this much of a receiver's answer


def body_of(event: Event) -> bytes:
    at = event.at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    document = {"type": event.type, "timestamp": at, "data": event.data()}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookSender:
    def __init__(self, timeout: float, now: Callable[[], float] = time.time) -> None:
        self._timeout, self._now = timeout, now
        self._local = threading.local()
        self._pools: list[dict[tuple[str, str], http.client.HTTPConnection]] = []
        self._guard = threading.Lock()

    def close(self) -> None:
        """Close every kept-alive connection (of every thread: call once they are done)."""
        with self._guard:
            for pool in self._pools:
                for conn in pool.values():
                    conn.close()
                pool.clear()

    def send(self, subscription: Subscription, event: Event) -> Outcome:
        body = body_of(event)
        head = {"content-type": "application/json", "user-agent": USER_AGENT,
                **signing.headers(signing.key_of(subscription.secret), event.id, int(self._now()), body)}
        return self.post(subscription.url, body, head)

    def post(self, url: str, body: bytes, head: dict[str, str]) -> Outcome:
        """POST `body` to `url`: the receiver's answer, or what kept it from answering."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            return self._post(parts.scheme, parts.netloc, target, body, head)
        except TimeoutError:
            return Outcome(None, f"timeout after {self._timeout:g} s")
        except (OSError, http.client.HTTPException) as exc:
            return Outcome(None, _reason(exc))

    def _post(self, scheme: str, netloc: str, target: str, body: bytes, head: dict[str, str]) -> Outcome:
        """One POST; a kept-alive connection the receiver closed meanwhile is opened again once."""
        for fresh in (False, True):
            conn, reused = self._connection(scheme, netloc, fresh)
            try:
                conn.request("POST", target, body, head)
                answer = conn.getresponse()
                data = answer.read(MAX_ANSWER)
                if answer.will_close or not answer.isclosed():
                    self._drop(scheme, netloc)
                return self._outcome(answer.status, data)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self._drop(scheme, netloc)
                if not reused:
                    raise
            except BaseException:
                self._drop(scheme, netloc)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _outcome(self, status: int, answer: bytes) -> Outcome:
        """What the answer means (a webhook receiver's body says nothing to the sender)."""
        return Outcome(status)

    def _pool(self) -> dict[tuple[str, str], http.client.HTTPConnection]:
        pool: dict[tuple[str, str], http.client.HTTPConnection] | None = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
            with self._guard:
                self._pools.append(pool)
        return pool

    def _connection(self, scheme: str, netloc: str, fresh: bool) -> tuple[http.client.HTTPConnection, bool]:
        pool = self._pool()
        if not fresh and (scheme, netloc) in pool:
            return pool[(scheme, netloc)], True
        kind: Any = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        conn: http.client.HTTPConnection = kind(netloc, timeout=self._timeout)
        pool[(scheme, netloc)] = conn
        return conn, False

    def _drop(self, scheme: str, netloc: str) -> None:
        conn = self._pool().pop((scheme, netloc), None)
        if conn is not None:
            conn.close()


def _reason(exc: BaseException) -> str:
    """A short reason for the dead letter and the log (never a header or the body)."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "host not found"
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
