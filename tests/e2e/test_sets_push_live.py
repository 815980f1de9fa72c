"""RFC 8935 push of SETs end to end: the real gunicorn, the real `scim-service events run` worker,
three push receivers on loopback. The one that accepts (202) gets exactly one SET per committed
change record (GET /changes is the authority), none for a failed PATCH, each verified with PyJWT
against the live JWKS, its claims those of the record, with the receiver's bearer secret; one
that refuses with 400 {"err": "invalid_key"} has each SET dead-lettered at once, the err in
`events list --failed`; one that answers 503 first gets the same SET again after the backoff,
then everything; a full one the resource as GET shows it. A pushed receiver has no poll
endpoint, and a re-queued dead letter is pushed again, the same SET."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.events_support import GROUP, EventsDeployment, deployment, patch, user
from tests.sets_support import ec_pem, verify
from tests.unit.receivers import Receiver

pytestmark = pytest.mark.e2e

ISSUER = "https://idm.example.com/scim/v2"
AUDIENCE = "https://app.example.com/events"
PUSH_SECRET = "push-bearer-" + "s" * 24
PROV = "urn:ietf:params:scim:event:prov:"


@pytest.fixture(scope="module")
def receivers(backend: str) -> Iterator[dict[str, Receiver]]:
    """Fresh for each backend."""
    found = {"ok": Receiver(default=202), "refuser": Receiver(default=400),
             "flaky": Receiver(statuses=[503], default=202), "replica": Receiver(default=202)}
    found["refuser"].body = b'{"err":"invalid_key","description":"no key for this kid"}'
    yield found
    for r in found.values():
        r.close()


@pytest.fixture(scope="module")
def deployed(backend: str, tmp_path_factory: pytest.TempPathFactory,
             receivers: dict[str, Receiver]) -> Iterator[EventsDeployment]:
    workdir = tmp_path_factory.mktemp(f"push-{backend}")
    key = workdir / "sets.pem"
    key.write_text(ec_pem())
    pushed = [{"name": name, "audience": AUDIENCE, "push_url": r.url} for name, r in receivers.items()]
    pushed[0]["push_authorization"] = PUSH_SECRET
    pushed[3]["full"] = True
    sets = {"enabled": True, "issuer": ISSUER, "signing_key_file": str(key), "receivers": pushed}
    yield from deployment(backend, workdir, sets, public_url=ISSUER)


def _records(deployed: EventsDeployment, cursor: int) -> list[dict[str, Any]]:
    with httpx.Client(auth=deployed.server.auth, timeout=30) as client:
        page = client.get(deployed.server.origin + "/changes", params={"cursor": cursor, "limit": 1000}).json()
    assert not page["more"]
    return list(page["changes"])


def _claims(body: bytes, keys: dict[str, Any]) -> dict[str, Any]:
    return verify(body.decode(), keys, AUDIENCE, ISSUER)


def _seq(body: bytes, keys: dict[str, Any]) -> int:
    return int(_claims(body, keys)["jti"].split("-")[0])


def jwks(deployed: EventsDeployment) -> dict[str, Any]:
    return dict(httpx.get(deployed.server.origin + "/events/jwks.json").json())


def _provision(deployed: EventsDeployment) -> None:
    with deployed.server.client() as client:
        alice, bob = user(client, "push-alice"), user(client, "push-bob")
        patch(client, f"Users/{alice}", {"op": "replace", "path": "displayName", "value": "Alice"})
        patch(client, f"Users/{alice}", {"op": "replace", "path": "bogus[", "value": 1}, expect=400)
        r = client.post("Groups", json={"schemas": [GROUP], "displayName": "eng", "members": [{"value": alice}]})
        assert r.status_code == 201, r.text
        patch(client, f"Groups/{r.json()['id']}", {"op": "add", "path": "members", "value": [{"value": bob}]})
        patch(client, f"Users/{bob}", {"op": "replace", "path": "active", "value": False})
        assert client.delete(f"Users/{alice}").status_code == 204


EXPECTED_EVENTS = {"create": [PROV + "create:notice"], "patch": [PROV + "patch:notice"],
                   "deactivate": [PROV + "patch:notice", PROV + "deactivate"], "delete": [PROV + "delete"]}


def _wait_failed(deployed: EventsDeployment, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while True:
        letters = [json.loads(line) for line in deployed.cli("events", "list", "--failed", "--json").splitlines()]
        if len(letters) >= count or time.monotonic() > deadline:
            return letters
        time.sleep(0.1)


def test_each_committed_change_is_pushed_as_one_verified_set(
        deployed: EventsDeployment, receivers: dict[str, Receiver]) -> None:
    start = deployed.end()
    worker = deployed.start_worker()
    _provision(deployed)
    records = _records(deployed, start)
    # no record for the 400; deleting alice takes her out of the group too (a patch of it)
    assert [(r["operation"], r["resourceType"]) for r in records] == [
        ("create", "User"), ("create", "User"), ("patch", "User"), ("create", "Group"), ("patch", "Group"),
        ("deactivate", "User"), ("patch", "Group"), ("delete", "User")], records
    got = receivers["ok"].wait_for(len(records))
    time.sleep(0.5)  # anything extra would arrive now
    assert len(receivers["ok"].received) == len(records)
    keys = jwks(deployed)
    for record, push in zip(records, got, strict=True):
        assert push.headers["content-type"] == "application/secevent+jwt"
        assert push.headers["accept"] == "application/json"
        assert push.headers["authorization"] == f"Bearer {PUSH_SECRET}"
        claims = verify(push.body.decode(), keys, AUDIENCE, ISSUER)
        assert claims["jti"].startswith(f"{record['seq']}-0-")
        assert claims["txn"] == record["requestId"]
        endpoint = "/Users" if record["resourceType"] == "User" else "/Groups"
        assert claims["sub_id"] == {"format": "scim", "uri": f"{endpoint}/{record['id']}"}
        assert sorted(claims["events"]) == sorted(EXPECTED_EVENTS[record["operation"]])
    assert claims["events"] == {PROV + "delete": {}}
    first = verify(got[0].body.decode(), keys, AUDIENCE, ISSUER)
    assert first["events"][PROV + "create:notice"]["attributes"]  # names only
    sent = b"".join(g.body for g in got)
    assert b"push-alice" not in sent and b"pw-" not in sent  # notices: no values
    assert "authorization" not in receivers["refuser"].received[0].headers  # only ok's has a secret

    # the full receiver: the resource as GET shows it when the SET is sent (bob is never
    # deleted: always there), its location under server.public_url; a delete stays bare
    full = [_claims(r.body, keys) for r in receivers["replica"].wait_for(len(records))]
    assert full[-1]["events"] == {PROV + "delete": {}}
    bob = full[1]["events"][PROV + "create:full"]
    assert bob["data"]["userName"] == "push-bob" and "password" not in bob["data"]
    assert bob["data"]["meta"]["location"] == f"{ISSUER}/Users/{records[1]['id']}" and bob["version"]

    # the refuser: every SET dead-lettered after one attempt, with its err and description
    letters = [d for d in _wait_failed(deployed, len(records)) if d["subscription"] == "set:refuser"]
    assert len(letters) == len(records) and {d["attempts"] for d in letters} == {1}
    assert letters[0]["error"] == "HTTP 400: invalid_key (no key for this kid)"
    assert len(receivers["refuser"].received) == len(records)

    # the flaky one: the first SET twice (503, then 202 after the backoff), the same SET
    flaky = receivers["flaky"].wait_for(len(records) + 1)
    # the retry sends the same SET, jti included (signed again: an ES256 signature is randomized)
    assert _claims(flaky[0].body, keys) == _claims(flaky[1].body, keys)
    assert [_seq(f.body, keys) for f in flaky[1:]] == [r["seq"] for r in records]
    assert "set:flaky" in worker.stderr() and "HTTP 503" in worker.stderr()
    assert PUSH_SECRET not in worker.stderr()


def test_a_pushed_receiver_cannot_poll_and_a_retried_dead_letter_is_pushed_again(
        deployed: EventsDeployment, receivers: dict[str, Receiver]) -> None:
    polled = httpx.post(deployed.server.origin + "/events/poll/ok", json={},
                        headers={"Authorization": f"Bearer {PUSH_SECRET}"})
    assert polled.status_code == 401 and polled.json()["err"] == "authentication_failed"
    listed = deployed.cli("webhook", "list")
    assert "set:ok" in listed and "set:refuser" in listed and PUSH_SECRET not in listed
    if not deployed.workers:
        deployed.start_worker()
    letter = next(d for d in _wait_failed(deployed, 1) if d["subscription"] == "set:refuser")
    before = len(receivers["refuser"].received)
    receivers["refuser"].default = 202
    assert "re-queued 1" in deployed.cli("events", "retry", letter["id"], "--subscription", "set:refuser")
    receivers["refuser"].wait_for(before + 1)
    deadline = time.monotonic() + 20
    while any(d["id"] == letter["id"] and d["subscription"] == "set:refuser" for d in _wait_failed(deployed, 0)):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    seq = int(letter["id"].split("_")[1])
    again = receivers["refuser"].received[-1].body
    assert _seq(again, jwks(deployed)) == seq
    refused = [_claims(r.body, jwks(deployed)) for r in receivers["refuser"].received[:before]]
    assert _claims(again, jwks(deployed)) in refused  # the same SET as refused
