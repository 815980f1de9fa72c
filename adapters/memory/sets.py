"""The SET receivers' delivery state in memory (domain.sets.poll.AckStore), for tests and
memory://: one process, lost at exit."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.sets.poll import Outcome


@dataclass
class _Receiver:
    cursor: int
    settled: dict[tuple[int, int], Outcome] = field(default_factory=dict)


class InMemoryAckStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._receivers: dict[str, _Receiver] = {}
        self._errors: list[tuple[str, Outcome]] = []

    def _of(self, receiver: str, start: int) -> _Receiver:
        return self._receivers.setdefault(receiver, _Receiver(start))

    def cursor(self, receiver: str, start: int) -> int:
        with self._lock:
            return self._of(receiver, start).cursor

    def settle(self, receiver: str, outcomes: Sequence[Outcome]) -> None:
        with self._lock:
            state = self._of(receiver, 0)
            for o in outcomes:
                if (o.seq, o.index) in state.settled or o.seq <= state.cursor:
                    continue
                state.settled[(o.seq, o.index)] = o
                if o.err is not None:
                    self._errors.append((receiver, o))

    def settled_after(self, receiver: str, cursor: int) -> set[tuple[int, int]]:
        with self._lock:
            return {k for k in self._of(receiver, 0).settled if k[0] > cursor}

    def advance(self, receiver: str, cursor: int) -> None:
        with self._lock:
            state = self._of(receiver, 0)
            state.cursor = max(state.cursor, cursor)
            state.settled = {k: o for k, o in state.settled.items() if k[0] > state.cursor or o.err is not None}

    def errors(self, receiver: str | None = None) -> list[tuple[str, Outcome]]:
        with self._lock:
            return [(r, o) for r, o in self._errors if receiver is None or r == receiver]
