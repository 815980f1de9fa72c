"""Test doubles for the small ports (a controllable clock, predictable ids, cheap hashers) and
the settings of a test or benchmark app. Imports no pytest: scripts/bench_common.py uses it too."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.memory.store import InMemoryTransactions, InMemoryUnitOfWork
from adapters.system import Argon2Hasher
from app.settings import (
    CredentialSettings,
    DatabaseSettings,
    PolicySettings,
    ScimSettings,
    ServerSettings,
    Settings,
)

USERNAME, PASSWORD = "idp", "correct horse battery staple"


def make_settings(url: str = "memory://", *, username: str = USERNAME, password: str = PASSWORD,
                  **scim: Any) -> Settings:
    """Basic auth as `username`/`password` on the database `url`; the other keyword arguments are
    ScimSettings fields, plus `server` (ServerSettings) and `unknown` (the policy switch alone)."""
    server = scim.pop("server", ServerSettings())
    policy = scim.pop("policy", None) or PolicySettings(unknown=scim.pop("unknown", "ignore"))
    auth = (CredentialSettings(username=username, password=password),)
    base = ScimSettings(auth=auth, policy=policy)
    return Settings(scim=replace(base, **scim), database=DatabaseSettings(url), server=server)


class FixedClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        self.current += timedelta(seconds=1)
        return self.current


class ManualClock:
    """A clock that stands still until the test moves it (FixedClock ticks on every read)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class SequentialIds:
    def __init__(self) -> None:
        self.n = 0

    def new(self) -> str:
        self.n += 1
        return f"id-{self.n:04d}"


class ReversibleHasher:
    """Marks hashes so tests can see a password was hashed, never stored raw."""

    def hash(self, password: str) -> str:
        return "hashed:" + password[::-1]

    def verify(self, hashed: str, password: str) -> bool:
        return hashed == self.hash(password)


def cheap_argon2() -> Argon2Hasher:
    """The production hasher class with the smallest costs argon2 allows (8 KiB, t=1): real
    argon2id hashes in well under a millisecond, instead of ~50 ms at the production 19 MiB, t=2.
    tests/conftest.py puts it in every test app; tests/unit/test_hasher.py checks the default."""
    return Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1)


class Recording(InMemoryTransactions):
    """Transactions that remember the kind of each unit of work opened."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[bool] = []

    def __call__(self, *, write: bool, snapshot: bool = False) -> InMemoryUnitOfWork:
        self.opened.append(write)
        return super().__call__(write=write, snapshot=snapshot)
