"""RFC 8935 push, short of the worker: the `set` vocabulary (one event a change record, which
rebuilds the record), the per-kind vocabulary of DeliverEvents, the push subscriptions kept in
step with the configured receivers, and SetPushSender against a receiver on loopback (the SET
verified by PyJWT, its headers; 202, a 400 refusal with its err, a filtered change sent as
nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from adapters.sets.push import PushTarget, SetPushSender
from adapters.sets.signing import JwsSigner
from domain.audit import Change
from domain.events.delivery import DeliverEvents, Rules
from domain.events.subscriptions import SET, Position, Subscription
from domain.feed import Recorded
from domain.sets.events import Receiver
from domain.sets.push import Pushed, reconcile, record_of, set_events_of, start_of
from domain.sets.tokens import JtiScheme, SetBuilder
from tests.sets_support import ISSUER, ec_pem, verify
from tests.unit.events_support import Harness, change
from tests.unit.receivers import Receiver as LoopbackReceiver

AT = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
AUDIENCE = "https://app.example.com/events"


def test_a_change_record_is_one_set_event_that_rebuilds_it() -> None:
    record = Recorded(9, Change("okta", "deactivate", "User", "u1", ("active",), AT, "req-9", ("g",), ()))
    (event,) = set_events_of(record)
    assert (event.id, event.type, event.attributes) == ("evt_9_0", "deactivate", ("active",))
    rebuilt = record_of(event)
    assert rebuilt.seq == 9 and rebuilt.change == Change("okta", "deactivate", "User", "u1", ("active",), AT, "req-9")


def test_delivery_uses_the_vocabulary_of_the_subscriptions_kind() -> None:
    h = Harness()
    h.deliver = DeliverEvents(h.store, h.store, h.feed, {"webhook": h.sender, SET: h.sender}, h.clock,
                              Rules(max_attempts=3), lambda: 0.0, {SET: set_events_of})
    h.subscribe("hook")
    h.store.add(Subscription("set:app", "https://app.example/push", ("*",), "s", AT, None, SET), Position(0))
    h.feed.write(change("g1", "create", "Group", ("displayName", "members"), added=("u1",)))
    h.deliver()
    assert h.sender.ids("hook") == ["evt_1_0", "evt_1_1"]  # group.created, group.members_added
    assert h.sender.ids("set:app") == ["evt_1_0"]  # one SET for the record
    assert [e.type for name, e in h.sender.sent if name == "set:app"] == ["create"]


def test_push_subscriptions_follow_the_configured_receivers() -> None:
    existing = [Subscription("set:gone", "https://gone.example", ("*",), "s", AT, None, SET),
                Subscription("set:kept", "https://old.example", ("*",), "s", AT, None, SET),
                Subscription("set:new", "https://hook.example", ("*",), "s", AT)]  # a webhook: not ours
    add, remove = reconcile((Pushed("kept", "https://kept.example"), Pushed("new", "https://new.example")),
                            existing, lambda: "secret", AT)
    assert remove == ["set:gone"]
    assert [(s.name, s.url, s.kind, s.event_types) for s in add] == [("set:new", "https://new.example", SET, ("*",))]
    assert start_of("end", 42) == Position(42) and start_of("beginning", 42) == Position(0)


@pytest.fixture
def loopback() -> Iterator[LoopbackReceiver]:
    r = LoopbackReceiver(default=202)
    yield r
    r.close()


def _sender(url: str, receiver: Receiver, signer: JwsSigner) -> SetPushSender:
    builder = SetBuilder(ISSUER, JtiScheme(b"k" * 32), {"User": "/Users", "Group": "/Groups"})
    return SetPushSender(builder, signer, {"app": PushTarget(receiver, url, "bearer-secret")}, 5)


def test_the_sender_posts_a_signed_set_and_reads_a_refusal(loopback: LoopbackReceiver) -> None:
    signer = JwsSigner(ec_pem())
    sender = _sender(loopback.url, Receiver("app", AUDIENCE), signer)
    sub = Subscription("set:app", loopback.url, ("*",), "unused", AT, None, SET)
    (event,) = set_events_of(Recorded(5, Change("okta", "create", "User", "u1", ("userName",), AT, "req-5")))
    assert sender.send(sub, event).delivered
    (got,) = loopback.received
    assert got.headers["content-type"] == "application/secevent+jwt"
    assert got.headers["accept"] == "application/json" and got.headers["authorization"] == "Bearer bearer-secret"
    claims = verify(got.body.decode(), signer.jwks(), AUDIENCE)
    assert claims["txn"] == "req-5" and claims["sub_id"]["uri"] == "/Users/u1" and claims["jti"].startswith("5-0-")
    loopback.default, loopback.body = 400, b'{"err":"invalid_audience","description":"not\\nus"}'
    refused = sender.send(sub, event)
    assert not refused.retryable and refused.describe() == "HTTP 400: invalid_audience (not?us)"
    loopback.body = b"not json"
    assert sender.send(sub, event).describe() == "HTTP 400"
    loopback.default = 503
    assert sender.send(sub, event).retryable
    sender.close()


def test_a_change_the_receiver_filters_out_is_done_with_nothing_sent(loopback: LoopbackReceiver) -> None:
    sender = _sender(loopback.url, Receiver("app", AUDIENCE, resource_types=frozenset({"Group"})), JwsSigner(ec_pem()))
    sub = Subscription("set:app", loopback.url, ("*",), "unused", AT, None, SET)
    (event,) = set_events_of(Recorded(5, Change("okta", "create", "User", "u1", ("userName",), AT)))
    assert sender.send(sub, event).delivered and not loopback.received
    gone = Subscription("set:other", loopback.url, ("*",), "unused", AT, None, SET)
    assert sender.send(gone, event).retryable  # not configured (any more): never sent
    sender.close()
