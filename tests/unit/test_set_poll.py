"""Poll delivery (RFC 8936) as the domain does it, on the in-memory feed and ack store: the
oldest unsettled SETs in record order, offered again until acknowledged, never after; setErrs
settle too; maxEvents and moreAvailable; maxEvents 0 only acknowledges; a new receiver starts at
the feed's end (or its beginning); filtered records advance the cursor; a pruned gap is skipped
and logged; a long poll waits for a new record, within its bound."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from adapters.memory.audit import InMemoryAuditLog
from adapters.memory.sets import InMemoryAckStore
from adapters.memory.store import InMemoryTransactions
from adapters.sets.signing import JwsSigner
from domain.audit import Change
from domain.errors import InvalidValue
from domain.sets.events import Receiver
from domain.sets.poll import BEGINNING, LongPoll, PollRequest, PollSets
from domain.sets.tokens import JtiScheme, SetBuilder
from tests.fakes import FixedClock
from tests.sets_support import ISSUER, ec_pem, verify

AT = datetime(2026, 3, 1, tzinfo=UTC)
APP = Receiver("app", "https://app.example.com")
SIGNER = JwsSigner(ec_pem())


class World:
    def __init__(self, start: str = BEGINNING, wait: LongPoll | None = None, max_events: int = 1000) -> None:
        self.tx = InMemoryTransactions()
        self.feed = InMemoryAuditLog(self.tx)
        self.store = InMemoryAckStore()
        builder = SetBuilder(ISSUER, JtiScheme(b"s" * 32), {"User": "/Users", "Group": "/Groups"})
        self.poll = PollSets(self.feed, self.store, builder, SIGNER, FixedClock(), max_events, start,
                             wait or LongPoll(seconds=0))

    def write(self, n: int = 1, rtype: str = "User", operation: str = "create") -> None:
        for _ in range(n):
            i = len(self.tx.store.changes) + self.tx.store.changes_pruned + 1
            self.tx.store.changes.append(Change("okta", operation, rtype, f"r{i}", ("userName",), AT))

    def ask(self, receiver: Receiver = APP, **request: object) -> tuple[list[str], list[str], bool]:
        """(jtis, resource ids, moreAvailable) of one poll."""
        result = self.poll(receiver, PollRequest(**{"return_immediately": True, **request}))  # type: ignore[arg-type]
        ids = [verify(t, SIGNER.jwks(), receiver.audience)["sub_id"]["uri"].split("/")[-1]
               for t in result.sets.values()]
        return list(result.sets), ids, result.more_available


def test_unacknowledged_sets_come_again_and_acknowledged_ones_never() -> None:
    w = World()
    w.write(3)
    jtis, ids, more = w.ask()
    assert (ids, more) == (["r1", "r2", "r3"], False)
    assert w.ask()[0] == jtis  # nothing acknowledged: the same SETs, the same jtis
    _, ids, _ = w.ask(ack=(jtis[1],))
    assert ids == ["r1", "r3"]  # acknowledged out of order
    assert w.ask(ack=(jtis[0], jtis[2]))[1] == []
    w.write()
    assert w.ask()[1] == ["r4"]
    assert w.store.cursor("app", 0) == 3  # settled as a prefix: nothing kept for r1..r3


def test_max_events_pages_with_more_available() -> None:
    w = World()
    w.write(5)
    jtis, ids, more = w.ask(max_events=2)
    assert (ids, more) == (["r1", "r2"], True)
    jtis, ids, more = w.ask(ack=tuple(jtis), max_events=2)
    assert (ids, more) == (["r3", "r4"], True)
    assert w.ask(ack=tuple(jtis), max_events=2)[1:] == (["r5"], False)


def test_max_events_zero_only_acknowledges() -> None:
    w = World()
    w.write(2)
    jtis, _, _ = w.ask()
    assert w.ask(ack=(jtis[0],), max_events=0) == ([], [], False)
    assert w.ask()[1] == ["r2"]


def test_the_service_caps_what_one_response_holds() -> None:
    w = World(max_events=2)
    w.write(3)
    assert w.ask(max_events=50)[1:] == (["r1", "r2"], True)
    assert w.ask()[1:] == (["r1", "r2"], True)


def test_a_set_error_settles_it_and_is_kept_for_the_operator() -> None:
    w = World()
    w.write(2)
    jtis, _, _ = w.ask()
    assert w.ask(set_errs={jtis[0]: ("invalid_key", "no key kid")})[1] == ["r2"]
    [(receiver, outcome)] = w.store.errors()
    assert (receiver, outcome.jti, outcome.err, outcome.description) == ("app", jtis[0], "invalid_key", "no key kid")
    w.ask(ack=(jtis[1],))
    assert len(w.store.errors("app")) == 1 and w.store.errors("other") == []


def test_an_unknown_or_foreign_jti_settles_nothing() -> None:
    w = World()
    w.write(1)
    other = Receiver("other", "aud")
    foreign, _, _ = w.ask(other)
    assert w.ask(ack=(foreign[0], "1-0-" + "0" * 24, "garbage"))[1] == ["r1"]


def test_a_new_receiver_starts_at_the_end_of_the_feed() -> None:
    w = World(start="end")
    w.write(2)
    assert w.ask()[1] == []
    w.write(1)
    assert w.ask()[1] == ["r3"]


def test_records_a_receiver_filters_out_advance_its_cursor() -> None:
    w = World()
    users = Receiver("users", "aud", resource_types=frozenset({"User"}))
    w.write(2, rtype="Group")
    w.write(1)
    jtis, ids, _ = w.ask(users)
    assert ids == ["r3"]
    w.ask(users, ack=tuple(jtis))
    assert w.store.cursor("users", 0) == 3


def test_a_receiver_behind_a_prune_skips_the_gap_and_it_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    w = World()
    w.write(3)
    w.ask()
    w.feed.prune(datetime(2027, 1, 1, tzinfo=UTC))
    w.write(1)
    with caplog.at_level(logging.WARNING):
        assert w.ask()[1] == ["r4"]
    assert any("the change records 1 to 3 were pruned" in r.getMessage() for r in caplog.records)
    assert w.store.cursor("app", 0) == 3


def test_a_negative_max_events_is_invalid() -> None:
    with pytest.raises(InvalidValue):
        World().ask(max_events=-1)


def test_a_long_poll_waits_for_a_new_record_and_no_longer_than_its_bound() -> None:
    w = World(start="end")
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds
        if now[0] >= 1.0 and not w.tx.store.changes:
            w.write(1)  # a write lands while the poll waits

    w.poll._wait = LongPoll(seconds=3, interval=0.5, sleep=sleep, monotonic=lambda: now[0])
    w.ask()  # registers the receiver at the (empty) end
    result = w.poll(APP, PollRequest(return_immediately=False))
    assert len(result.sets) == 1 and now[0] == 1.0
    now[0] = 10.0
    result = w.poll(APP, PollRequest(ack=tuple(result.sets), return_immediately=False))
    assert result.sets == {} and now[0] == 13.0  # waited its 3 s, then answered empty


def test_a_filtered_receiver_reads_past_many_records_not_for_it() -> None:
    w = World()
    users = Receiver("users", "aud", resource_types=frozenset({"User"}))
    w.write(50, rtype="Group")
    w.write(2)
    assert w.ask(users, max_events=1)[1:] == (["r51"], True)


def test_a_scan_stops_at_its_bound_and_says_more_may_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    from domain.sets import poll

    monkeypatch.setattr(poll, "SCAN", 10)
    monkeypatch.setattr(poll, "MAX_SCAN", 20)
    w = World()
    users = Receiver("users", "aud", resource_types=frozenset({"User"}))
    w.write(40, rtype="Group")
    w.write(1)
    assert w.ask(users)[1:] == ([], True)  # nothing yet, but the scan stopped short: poll again

    def no_wait(seconds: float) -> None:
        raise AssertionError("a long poll waited although more may be waiting")

    w.poll._wait = LongPoll(seconds=3, sleep=no_wait)
    assert w.poll(users, PollRequest(return_immediately=False)).more_available
    w.poll._wait = LongPoll(seconds=0)
    assert w.store.cursor("users", 0) > 0  # and what it read is settled
    assert w.ask(users)[1:] == (["r41"], False)
