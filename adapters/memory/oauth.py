"""OAuth clients and authorization codes in memory (memory:// and the unit tests)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from domain.credentials.oauth import AuthorizationCode, OAuthClient


class InMemoryClientStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, OAuthClient] = {}

    def add(self, client: OAuthClient) -> None:
        with self._lock:
            self._clients[client.id] = client

    def get(self, client_id: str) -> OAuthClient | None:
        return self._clients.get(client_id)

    def all(self) -> Sequence[OAuthClient]:
        with self._lock:
            return sorted(self._clients.values(), key=lambda c: (c.created, c.id))

    def remove(self, client_id: str) -> bool:
        with self._lock:
            return self._clients.pop(client_id, None) is not None


class InMemoryCodeStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, AuthorizationCode] = {}

    def add(self, code: AuthorizationCode) -> None:
        with self._lock:
            self._codes[code.digest] = code

    def get(self, code_digest: str) -> AuthorizationCode | None:
        return self._codes.get(code_digest)

    def use(self, code_digest: str, when: datetime) -> bool:
        with self._lock:
            code = self._codes.get(code_digest)
            if code is None or code.used is not None:
                return False
            self._codes[code_digest] = replace(code, used=when)
            return True
