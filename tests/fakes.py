"""Test doubles for the small ports: a controllable clock, predictable ids, a cheap hasher."""

from datetime import UTC, datetime, timedelta


class FixedClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        self.current += timedelta(seconds=1)
        return self.current


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
