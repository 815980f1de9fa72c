"""The credential stores in memory (memory:// and the unit tests): tokens and failure counts."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from domain.credentials.tokens import DuplicateToken, Token


class InMemoryTokenStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, Token] = {}
        self._by_digest: dict[str, str] = {}

    def add(self, *tokens: Token) -> None:
        with self._lock:
            ids, digests = [t.id for t in tokens], [t.digest for t in tokens]
            if (len(set(ids)) < len(ids) or len(set(digests)) < len(digests)
                    or any(i in self._by_id for i in ids) or any(d in self._by_digest for d in digests)):
                raise DuplicateToken(", ".join(ids))
            for token in tokens:
                self._by_id[token.id] = token
                self._by_digest[token.digest] = token.id

    def by_digest(self, token_digest: str) -> Token | None:
        with self._lock:
            token_id = self._by_digest.get(token_digest)
            return None if token_id is None else self._by_id[token_id]

    def by_id(self, token_id: str) -> Token | None:
        with self._lock:
            return self._by_id.get(token_id)

    def all(self) -> Sequence[Token]:
        with self._lock:
            return sorted(self._by_id.values(), key=lambda t: (t.created, t.id))

    def revoke(self, token_id: str, when: datetime) -> bool:
        with self._lock:
            token = self._by_id.get(token_id)
            if token is None or token.revoked is not None:
                return False
            self._by_id[token_id] = replace(token, revoked=when)
            return True

    def revoke_all(self, credential: str, when: datetime) -> int:
        with self._lock:
            live = [t for t in self._by_id.values() if t.credential == credential and t.revoked is None]
            for token in live:
                self._by_id[token.id] = replace(token, revoked=when)
            return len(live)

    def touch(self, token_id: str, when: datetime) -> None:
        with self._lock:
            token = self._by_id.get(token_id)
            if token is not None:
                self._by_id[token_id] = replace(token, last_used=when)

    def revoke_where(self, when: datetime, *, client_id: str | None = None, family: str | None = None) -> int:
        if (client_id is None) == (family is None):
            raise ValueError("revoke by client_id or by family")
        with self._lock:
            live = [t for t in self._by_id.values() if t.revoked is None
                    and (t.client_id == client_id if client_id is not None else t.family == family)]
            for token in live:
                self._by_id[token.id] = replace(token, revoked=when)
            return len(live)

    def mark_replaced(self, token_id: str, when: datetime) -> bool:
        with self._lock:
            token = self._by_id.get(token_id)
            if token is None or token.replaced is not None:
                return False
            self._by_id[token_id] = replace(token, replaced=when)
            return True


class InMemoryFailureCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, tuple[datetime, int]] = {}
        self._pruned: datetime | None = None

    def failures(self, address: str, now: datetime, window: timedelta) -> tuple[int, datetime] | None:
        with self._lock:
            found = self._rows.get(address)
        if found is None or found[0] <= now - window:
            return None
        return found[1], found[0]

    def count_failure(self, address: str, now: datetime, window: timedelta) -> tuple[int, datetime]:
        with self._lock:
            if self._pruned is None or self._pruned <= now - window:  # ended windows, once a window
                self._rows = {a: row for a, row in self._rows.items() if row[0] > now - window}
                self._pruned = now
            started, failures = self._rows.get(address, (now, 0))
            if started <= now - window:
                started, failures = now, 0
            self._rows[address] = (started, failures + 1)
            return failures + 1, started
