"""The webhook sender against a real receiver on loopback: Standard Webhooks headers that the
`standardwebhooks` library verifies, the payload's shape, statuses as they came (a redirect is
not followed), timeouts and refused connections as outcomes, kept-alive connections."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from adapters.webhooks.sender import WebhookSender
from domain.events.subscriptions import Subscription
from domain.events.vocabulary import Event
from tests.unit.receivers import Receiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
AT = datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def sender() -> Iterator[WebhookSender]:
    s = WebhookSender(5)
    yield s
    s.close()


def sub(url: str, secret: str = SECRET) -> Subscription:
    return Subscription("app", url, ("*",), secret, AT)


def event(seq: int = 7) -> Event:
    return Event(seq, 1, "group.members_added", "Group", "g1", AT, "okta", "req-1", (), ("u1", "u2"))


def test_a_delivery_is_signed_as_standard_webhooks_says(receiver: Receiver, sender: WebhookSender) -> None:
    outcome = sender.send(sub(receiver.url), event())
    assert outcome.delivered
    (got,) = receiver.received
    assert got.headers["webhook-id"] == "evt_7_1" and got.headers["content-type"] == "application/json"
    payload = Webhook(SECRET).verify(got.body, got.headers)
    assert payload == {"type": "group.members_added", "timestamp": "2026-03-01T12:00:00.250Z",
                       "data": {"resourceType": "Group", "id": "g1", "members": ["u1", "u2"],
                                "principal": "okta", "requestId": "req-1"}}
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "B" * 32).verify(got.body, got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(got.body.replace(b"u1", b"u9"), got.headers)


def test_each_attempt_is_signed_at_its_own_time_with_the_same_id(receiver: Receiver) -> None:
    clock = iter([1_900_000_000.0, 1_900_000_030.0])
    sender = WebhookSender(5, now=lambda: next(clock))
    sender.send(sub(receiver.url), event())
    sender.send(sub(receiver.url), event())
    sender.close()
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert (first.headers["webhook-timestamp"], second.headers["webhook-timestamp"]) == ("1900000000", "1900000030")
    assert first.headers["webhook-signature"] != second.headers["webhook-signature"]


def test_statuses_come_back_as_they_were_and_redirects_are_not_followed(receiver: Receiver,
                                                                        sender: WebhookSender) -> None:
    receiver.statuses = [500, 404, 302, 429, 204]
    assert [sender.send(sub(receiver.url), event()).status for _ in range(5)] == [500, 404, 302, 429, 204]
    assert {r.path for r in receiver.received} == {"/hook"}


def test_connections_are_kept_alive_between_deliveries(receiver: Receiver, sender: WebhookSender) -> None:
    for seq in range(5):
        assert sender.send(sub(receiver.url), event(seq)).delivered
    assert len(receiver.connections) == 1


def test_a_slow_receiver_is_a_timeout_and_a_closed_port_a_refusal(receiver: Receiver) -> None:
    receiver.delay = 2
    slow = WebhookSender(1)
    outcome = slow.send(sub(receiver.url), event())
    slow.close()
    assert outcome.status is None and outcome.describe() == "timeout after 1 s"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    refused = WebhookSender(1).send(sub(f"http://127.0.0.1:{port}/hook"), event())
    assert (refused.status, refused.error) == (None, "connection refused")


def test_the_body_names_no_secret_and_no_value() -> None:
    from adapters.webhooks.sender import body_of

    body = json.loads(body_of(Event(1, 0, "user.updated", "User", "u1", AT, "okta", None, ("password", "emails"))))
    assert body["data"]["attributes"] == ["password", "emails"] and SECRET not in json.dumps(body)
