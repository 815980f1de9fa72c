"""Small driven adapters: the clock, id generation and password hashing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class UuidGenerator:
    def new(self) -> str:
        return str(uuid.uuid4())


class Argon2Hasher:
    """argon2id tuned for a service that hashes on every password write: 19 MiB, t=2, p=1
    (OWASP's minimum argon2id setting) instead of the library's 64 MiB default, which would
    cost 64 MiB per concurrent request thread."""

    def __init__(self, time_cost: int = 2, memory_cost: int = 19 * 1024, parallelism: int = 1) -> None:
        self._h = _Argon2(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)

    def hash(self, password: str) -> str:
        return self._h.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        try:
            return self._h.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False
