"""Webhooks end to end: the real gunicorn, the real `scim-service events run` worker, receivers
on loopback. Every committed change delivered exactly once and in commit order in the normal
case, nothing for a request that failed; a receiver that fails then recovers (retried, then
delivered), one that keeps failing (dead-lettered, listed, re-queued, delivered); the worker
SIGKILLed mid-batch then restarted (every event at least once, duplicates identical); per-resource
order under concurrent writers; two workers on one PostgreSQL sending nothing twice; SIGTERM;
signatures checked with the `standardwebhooks` library (the worker's systemd unit is verified
in tests/e2e/test_deploy_files.py)."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from standardwebhooks.webhooks import Webhook

from tests.e2e.events_support import GROUP, EventsDeployment, deployment, patch, user
from tests.e2e.harness import run_cli
from tests.unit.receivers import Receiver

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def deployed(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EventsDeployment]:
    yield from deployment(backend, tmp_path_factory.mktemp(f"events-{backend}"))


@pytest.fixture
def receiver(deployed: EventsDeployment) -> Iterator[Receiver]:
    r = Receiver()
    yield r
    deployed.stop_workers()
    for sub in deployed.cli("webhook", "list").splitlines()[1:]:
        deployed.cli("webhook", "remove", sub.split()[0])
    r.close()


def test_every_committed_change_is_delivered_once_in_order_and_nothing_for_a_failed_request(
        deployed: EventsDeployment, receiver: Receiver) -> None:
    secret = deployed.subscribe("all", receiver.url)
    start = deployed.end()
    deployed.start_worker()
    with deployed.server.client() as client:
        alice, bob = user(client, "alice-e2e"), user(client, "bob-e2e")
        patch(client, f"Users/{alice}", {"op": "replace", "path": "displayName", "value": "Alice"})
        patch(client, f"Users/{alice}", {"op": "replace", "path": "bogus[", "value": 1}, expect=400)
        patch(client, f"Users/{bob}", {"op": "replace", "path": "active", "value": False},
              {"op": "replace", "path": "nickName", "value": "b"}, {"op": "bad-op"}, expect=400)
        r = client.post("Groups", json={"schemas": [GROUP], "displayName": "eng", "members": [{"value": alice}]})
        gid = r.json()["id"]
        patch(client, f"Groups/{gid}", {"op": "replace", "path": "displayName", "value": "Engineering"},
              {"op": "add", "path": "members", "value": [{"value": bob}]})
        patch(client, f"Users/{bob}", {"op": "replace", "path": "active", "value": False})
        patch(client, f"Users/{bob}", {"op": "replace", "path": "active", "value": True})
        assert client.delete(f"Groups/{gid}").status_code == 204
        assert client.delete(f"Users/{alice}").status_code == 204
    expected = deployed.expected(start)
    assert [e.type for e in expected] == [
        "user.created", "user.created", "user.updated", "group.created", "group.members_added",
        "group.updated", "group.members_added", "user.deactivated", "user.reactivated", "group.deleted",
        "user.deleted"]  # the two failed PATCHes wrote no record
    got = receiver.wait_for(len(expected))
    time.sleep(0.5)  # anything extra would arrive now
    assert receiver.ids() == [e.id for e in expected]  # once each, in commit order
    verify = Webhook(secret)
    bodies = [verify.verify(g.body, g.headers) for g in got]
    assert [b["type"] for b in bodies] == [e.type for e in expected]
    assert bodies[6]["data"]["members"] == [bob] and bodies[5]["data"]["attributes"] == ["displayName"]
    sent = b"".join(g.body for g in got)
    for value in (b"pw-alice", b"Secret1", b"alice-e2e", b"example.com", b"Engineering"):
        assert value not in sent
    assert secret not in "".join(w.stderr() for w in deployed.workers)


def test_a_receiver_that_fails_then_recovers_gets_everything_in_order(
        deployed: EventsDeployment, receiver: Receiver) -> None:
    deployed.subscribe("flaky", receiver.url, "user.created")
    receiver.statuses = [500, 503]  # then 200: the third attempt (max_attempts 3) goes through
    start = deployed.end()
    with deployed.server.client() as client:
        for i in range(3):
            user(client, f"flaky-{i}")
    deployed.start_worker()
    expected = [e.id for e in deployed.expected(start)]
    receiver.wait_for(5)
    assert receiver.ids() == [expected[0]] * 3 + expected[1:]
    assert "failed (attempt 1): HTTP 500" in deployed.workers[0].stderr()
    assert "no failed events" in deployed.cli("events", "list", "--failed")


def test_a_receiver_that_keeps_failing_is_dead_lettered_and_retried_after_it_recovers(
        deployed: EventsDeployment, receiver: Receiver) -> None:
    deployed.subscribe("down", receiver.url, "user.created")
    receiver.default = 502
    start = deployed.end()
    with deployed.server.client() as client:
        user(client, "down-1")
    deployed.start_worker()
    (event,) = deployed.expected(start)
    receiver.wait_for(3)
    deadline = time.monotonic() + 20
    while event.id not in (failed := deployed.cli("events", "list", "--failed")):
        assert time.monotonic() < deadline, failed
        time.sleep(0.1)
    assert "HTTP 502" in failed and "dead" in failed
    assert receiver.ids() == [event.id] * 3
    receiver.default = 200
    assert "re-queued 1" in deployed.cli("events", "retry", event.id)
    receiver.wait_for(4)
    assert receiver.ids() == [event.id] * 4 and receiver.received[-1].headers["webhook-id"] == event.id
    deadline = time.monotonic() + 20
    while "no failed events" not in deployed.cli("events", "list", "--failed"):
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_worker_killed_mid_batch_loses_nothing_on_restart(deployed: EventsDeployment, receiver: Receiver) -> None:
    deployed.subscribe("crash", receiver.url)
    receiver.delay = 0.05  # 60 events take 3 s: the kill comes after the first stored position (1 s)
    start = deployed.end()
    with deployed.server.client() as client:
        for i in range(60):
            user(client, f"crash-{i}")
    expected = [e.id for e in deployed.expected(start)]
    worker = deployed.start_worker()
    receiver.wait_for(40)
    assert worker.proc is not None
    worker.proc.send_signal(signal.SIGKILL)
    worker.proc.wait(timeout=10)
    before = len(receiver.ids())
    assert before < len(expected)  # killed mid-way
    deployed.start_worker()
    deadline = time.monotonic() + 60
    while not set(expected) <= set(receiver.ids()):
        assert time.monotonic() < deadline, f"{len(set(receiver.ids()))} of {len(expected)}"
        time.sleep(0.05)
    time.sleep(0.3)
    ids = receiver.ids()
    assert sorted(set(ids), key=ids.index) == expected  # first arrivals in commit order
    repeated = [i for i, n in Counter(ids).items() if n > 1]
    # resent: only what arrived before the kill after the position last stored (once a second)
    assert set(repeated) <= set(ids[:before]) and len(repeated) < before
    bodies: dict[str, set[bytes]] = {}
    for r in receiver.received:
        bodies.setdefault(r.headers["webhook-id"], set()).add(r.body)
    assert all(len(b) == 1 for b in bodies.values())  # a resend is the same event


def test_per_resource_order_under_concurrent_writers(deployed: EventsDeployment, receiver: Receiver) -> None:
    deployed.subscribe("order", receiver.url, "user.updated,group.members_added,group.members_removed")
    with deployed.server.client() as client:
        users = [user(client, f"order-{i}") for i in range(4)]
        gid = client.post("Groups", json={"schemas": [GROUP], "displayName": "order"}).json()["id"]
    start = deployed.end()
    deployed.start_worker()

    def write(uid: str) -> None:
        with deployed.server.client() as client:
            for n in range(8):
                patch(client, f"Users/{uid}", {"op": "replace", "path": "nickName", "value": f"n{n}"})
                op = "add" if n % 2 == 0 else "remove"
                value = [{"value": uid}] if op == "add" else None
                patch(client, f"Groups/{gid}", {"op": op, "path": "members" if value else f'members[value eq "{uid}"]',
                                                **({"value": value} if value else {})})
    threads = [threading.Thread(target=write, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = deployed.expected(start)
    receiver.wait_for(len(expected))
    got = receiver.ids()
    assert got == [e.id for e in expected]
    for rid in [*users, gid]:
        seqs = [int(i.split("_")[1]) for i, e in zip(got, expected, strict=True) if e.resource_id == rid]
        assert seqs == sorted(seqs) and seqs


def test_sigterm_stops_the_worker_cleanly(deployed: EventsDeployment, receiver: Receiver) -> None:
    deployed.subscribe("term", receiver.url)
    worker = deployed.start_worker()
    assert worker.proc is not None
    worker.proc.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0
    assert "worker stopped" in worker.stderr() and "Traceback" not in worker.stderr()


def test_a_second_worker_never_sends_twice(deployed: EventsDeployment, receiver: Receiver) -> None:
    """PostgreSQL: two workers (two hosts) share the subscriptions, each delivered by one at a
    time; SQLite (one host): a second worker refuses to start."""
    if deployed.server.backend != "postgres":
        deployed.start_worker()
        refused = run_cli(deployed.server.config, "events", "run", "--once")
        assert refused.returncode == 1 and "another `events run`" in refused.stderr
        return
    for name in ("one", "two", "three"):
        deployed.subscribe(name, receiver.url + f"/{name}")
    start = deployed.end()
    deployed.start_worker("a")
    deployed.start_worker("b")
    with deployed.server.client() as client:
        for i in range(30):
            user(client, f"two-{i}")
    expected = deployed.expected(start)
    got = receiver.wait_for(3 * len(expected))
    time.sleep(0.5)
    for name in ("one", "two", "three"):
        ids = [g.headers["webhook-id"] for g in receiver.received if g.path.endswith(f"/{name}")]
        assert ids == [e.id for e in expected], name
    assert len(got) == len(receiver.received) == 3 * len(expected)

