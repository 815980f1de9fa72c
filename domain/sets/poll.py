"""Poll-based SET delivery (RFC 8936): a receiver acknowledges what it got and asks for more;
what it has not acknowledged is offered again, what it acknowledged or reported an error for
never again. The SETs are the change feed's records (domain/feed.py) as built for the receiver,
so nothing is queued per receiver: its state is a cursor (every record at or below it is
settled) and the settled SETs above it (acknowledged out of order, or reported in setErrs)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from domain.errors import InvalidValue
from domain.feed import ChangeFeed, Recorded
from domain.ports import Clock
from domain.sets.events import Receiver
from domain.sets.tokens import DataSource, SetBuilder, Signer

log = logging.getLogger(__name__)
SCAN = 1000  # change records read per batch while looking for a receiver's next SETs
MAX_SCAN = 20000  # records looked at in one poll at most (filters may skip most of them)
BEGINNING, END = "beginning", "end"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A SET settled by its receiver: acknowledged (`err` None) or refused with an RFC 8935
    error code and description (setErrs, RFC 8936)."""

    seq: int
    index: int
    jti: str
    at: datetime
    err: str | None = None
    description: str = ""


class AckStore(Protocol):
    """Each receiver's delivery state; every call atomic on its own."""

    def cursor(self, receiver: str, start: int) -> int:
        """The receiver's cursor, set to `start` when the receiver is first seen."""
        ...

    def settle(self, receiver: str, outcomes: Sequence[Outcome]) -> None:
        """Record acknowledgements and errors; one already recorded stays as it was."""
        ...

    def settled_after(self, receiver: str, cursor: int) -> set[tuple[int, int]]:
        """(seq, index) of the settled SETs above `cursor`."""
        ...

    def advance(self, receiver: str, cursor: int) -> None:
        """Raise the cursor to `cursor` (never lowers it) and forget the acknowledgements at or
        below it (errors are kept, for `errors`)."""
        ...

    def errors(self, receiver: str | None = None) -> list[tuple[str, Outcome]]:
        """The SETs receivers reported errors for, oldest first: (receiver, outcome)."""
        ...


@dataclass(frozen=True, slots=True)
class PollRequest:
    """An RFC 8936 poll request: acknowledgements, errors (jti → (err, description)), the most SETs wanted
    (None: as many as the service gives at once) and whether to answer at once when none wait."""

    ack: tuple[str, ...] = ()
    set_errs: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    max_events: int | None = None
    return_immediately: bool = False


@dataclass(frozen=True, slots=True)
class PollResult:
    """An RFC 8936 poll response: the SETs by jti, in record order, and whether more wait."""

    sets: dict[str, str]
    more_available: bool


@dataclass(frozen=True, slots=True)
class LongPoll:
    """How long a poll without returnImmediately waits for a first SET (0: never), and how
    often it looks at the feed meanwhile."""

    seconds: float = 5.0
    interval: float = 0.25
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic


class PollSets:
    """One receiver's poll: settle what it reports, then its oldest unsettled SETs, signed."""

    def __init__(self, feed: ChangeFeed, store: AckStore, builder: SetBuilder, signer: Signer,
                 clock: Clock, max_events: int = 1000, start: str = END, wait: LongPoll = LongPoll()) -> None:
        self._feed, self._store, self._builder, self._signer = feed, store, builder, signer
        self._clock, self._max, self._start, self._wait = clock, max_events, start, wait

    def __call__(self, receiver: Receiver, request: PollRequest, data: DataSource | None = None) -> PollResult:
        if request.max_events is not None and request.max_events < 0:
            raise InvalidValue("maxEvents: 0 or more")
        start = 0 if self._start == BEGINNING else self._feed.last()
        self._store.cursor(receiver.name, start)  # a new receiver starts here, before its first acks
        self._settle(receiver, request)
        wanted = self._max if request.max_events is None else min(request.max_events, self._max)
        if wanted == 0:  # acknowledgements only (an RFC 8936 acknowledge-only request)
            return PollResult({}, False)
        deadline = None if request.return_immediately else self._wait.monotonic() + self._wait.seconds
        while True:
            last = self._feed.last()
            result = self._pending(receiver, wanted, data)
            if result.sets or result.more_available or deadline is None or self._wait.monotonic() >= deadline:
                return result
            while self._feed.last() == last and self._wait.monotonic() < deadline:
                self._wait.sleep(self._wait.interval)

    def _settle(self, receiver: Receiver, request: PollRequest) -> None:
        now = self._clock.now()
        outcomes: dict[tuple[int, int], Outcome] = {}
        reported: list[tuple[str, str | None, str]] = [(jti, None, "") for jti in request.ack]
        reported += [(jti, err, text) for jti, (err, text) in request.set_errs.items()]
        for jti, err, text in reported:
            key = self._builder.jtis.parse(receiver.name, jti)
            if key is None:  # not a SET of this receiver: nothing to settle (RFC 8936 says no more)
                log.info("SET receiver %s acknowledged an unknown jti", receiver.name)
                continue
            outcomes.setdefault(key, Outcome(key[0], key[1], jti, now, err, text[:1000]))
        if outcomes:
            self._store.settle(receiver.name, list(outcomes.values()))
        for o in outcomes.values():
            if o.err is not None:
                log.warning("SET receiver %s reported %s for %s: %s", receiver.name, o.err, o.jti, o.description)

    def _pending(self, receiver: Receiver, wanted: int, data: DataSource | None) -> PollResult:
        cursor = self._store.cursor(receiver.name, 0)
        settled = self._store.settled_after(receiver.name, cursor)
        # a concurrent poll may have advanced the cursor and forgotten acknowledgements between
        # the two reads above: what it forgot is at or below the cursor it wrote
        cursor = stored = max(cursor, self._store.cursor(receiver.name, 0))
        horizon = self._feed.horizon()
        if cursor < horizon:  # RFC 8936 has no way to say so to the receiver: the log does
            log.warning("SET receiver %s: the change records %d to %d were pruned before it acknowledged "
                        "them; their SETs are lost", receiver.name, cursor + 1, horizon)
            cursor = horizon
        picked, done, more = self._scan(receiver, cursor, settled, wanted)
        if done > stored:
            self._store.advance(receiver.name, done)
        sets = {}
        for item in picked:
            for out in self._builder.build(item, receiver, data):
                if (out.seq, out.index) not in settled:
                    sets[out.jti] = self._signer.sign(out.claims)
        return PollResult(sets, more)

    def _scan(self, receiver: Receiver, cursor: int, settled: set[tuple[int, int]],
              wanted: int) -> tuple[list[Recorded], int, bool]:
        """The first `wanted` records after `cursor` with an unsettled SET for the receiver, the
        highest number up to which every record is settled (the next cursor), and whether more
        wait (also when the scan stopped at MAX_SCAN records: there may be)."""
        picked: list[Recorded] = []
        done = position = cursor
        size = min(SCAN, wanted + len(settled) + 1)  # enough when every record is the receiver's
        scanned = 0
        while scanned < MAX_SCAN:
            batch = self._feed.after(position, size)
            for item in batch:
                if all(k in settled for k in self._builder.keys(item, receiver)):
                    done = item.seq if not picked else done
                elif len(picked) == wanted:
                    return picked, done, True
                else:
                    picked.append(item)
            if len(batch) < size:
                return picked, done, False
            position, scanned, size = batch[-1].seq, scanned + size, SCAN  # filters skip many: read more
        return picked, done, True
