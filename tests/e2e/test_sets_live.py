"""RFC 9967 SETs by RFC 8936 polling against the real gunicorn (2 workers x 4 threads; SQLite,
and PostgreSQL when configured): three clients provision users and groups while a receiver
long-polls, acknowledging most batches but not all (the unacknowledged are offered again). The
receiver must end with one SET per committed change record (GET /changes is the authority),
each verified with PyJWT against the live JWKS, acknowledged ones never sent again, none for a
change from before its first poll, and none for a failed request."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from tests.e2e.harness import (
    REPORT,
    USERNAME,
    LiveServer,
    db_upgrade,
    pg_e2e_url,
    pg_reset,
    run_cli,
    start_gunicorn,
    wait_until_serving,
    write_config,
)
from tests.racing import race
from tests.sets_support import ec_pem, verify

pytestmark = pytest.mark.e2e

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ISSUER = "https://idm.example.com/scim/v2"
AUDIENCE = "https://app.example.com/events"
CLIENTS, USERS_EACH = 3, 8


@pytest.fixture(scope="module")
def sets_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    workdir = tmp_path_factory.mktemp(f"sets-{backend}")
    url = pg_e2e_url() if backend == "postgres" else f"sqlite:///{workdir / 'scim.db'}"
    if backend == "postgres":
        pg_reset(url)
    password = "e2e-" + "p" * 20
    config = write_config(workdir / "config.yaml", url, password)
    key = workdir / "sets.pem"
    key.write_text(ec_pem())
    data = yaml.safe_load(config.read_text())
    data["events"] = {"sets": {"enabled": True, "issuer": ISSUER, "signing_key_file": str(key),
                               "long_poll_seconds": 2, "receivers": [{"name": "app", "audience": AUDIENCE}]}}
    config.write_text(yaml.safe_dump(data))
    db_upgrade(config)
    made = run_cli(config, "sets", "token", "app")
    assert made.returncode == 0, made.stderr
    process, port = start_gunicorn(workdir, config)
    server = LiveServer(backend, port, password, config, url, process, "")
    try:
        wait_until_serving(process, server.scim_url + "/ServiceProviderConfig", server.auth)
        yield server, made.stdout.strip()
    finally:
        process.stop()


def _provision(server: LiveServer, n: int, gid: str, failed: list[str]) -> None:
    with server.client() as http:
        for i in range(USERS_EACH):
            uid = http.post("Users", json={"schemas": [USER], "userName": f"set-{n}-{i}"}).json()["id"]
            added = http.patch(f"Groups/{gid}", json={"schemas": [PATCH], "Operations": [
                {"op": "add", "path": "members", "value": [{"value": uid}]}]})
            assert added.status_code in (200, 204), added.text
            if i % 3 == 0:
                off = http.patch(f"Users/{uid}", json={"schemas": [PATCH], "Operations": [
                    {"op": "replace", "path": "active", "value": False}]})
                assert off.status_code in (200, 204), off.text
            if i % 4 == 1:
                bad = http.patch(f"Users/{uid}", json={"schemas": [PATCH], "Operations": [
                    {"op": "replace", "path": "active", "value": "maybe"}]})
                assert bad.status_code == 400
                failed.append(bad.headers["X-Request-ID"])
            if i % 4 == 2:
                assert http.delete(f"Users/{uid}").status_code == 204


class Receiver:
    def __init__(self, server: LiveServer, token: str) -> None:
        self.http = httpx.Client(base_url=server.origin, timeout=30, headers={"Authorization": f"Bearer {token}"})
        self.jwks = self.http.get("/events/jwks.json").json()
        self.got: dict[str, dict[str, Any]] = {}
        self.acked: set[str] = set()
        self.polls = self.redelivered = 0

    def poll(self, acks: list[str], wait: bool) -> tuple[list[str], bool]:
        answer = self.http.post("/events/poll/app", json={"ack": acks, "maxEvents": 5, "returnImmediately": not wait})
        assert answer.status_code == 200, answer.text
        self.acked |= set(acks)
        self.polls += 1
        body = answer.json()
        for jti, token in body["sets"].items():
            assert jti not in self.acked, f"{jti} came again after its acknowledgement"
            self.redelivered += jti in self.got
            self.got[jti] = verify(token, self.jwks, AUDIENCE, ISSUER)
        return list(body["sets"]), body["moreAvailable"]

    def follow(self, stop: threading.Event) -> None:
        acks: list[str] = []
        while True:
            done = stop.is_set()
            batch, more = self.poll(acks, wait=not done)
            acks = batch if self.polls % 4 else []  # every fourth batch is not acknowledged
            if done and not batch and not more:
                return


def test_every_committed_change_is_one_set_delivered_once(sets_server: tuple[LiveServer, str]) -> None:
    server, token = sets_server
    receiver = Receiver(server, token)
    try:
        _race(server, receiver)
    finally:
        receiver.http.close()


def _race(server: LiveServer, receiver: Receiver) -> None:
    with server.client() as http:
        before = http.post("Users", json={"schemas": [USER], "userName": "before-first-poll"}).json()["id"]
        receiver.poll([], wait=False)  # first seen: it starts at the end of the feed
        gid = http.post("Groups", json={"schemas": [GROUP], "displayName": "set-race"}).json()["id"]
    failed: list[str] = []
    started = time.monotonic()
    race(receiver.follow, [functools.partial(_provision, server, n, gid, failed) for n in range(CLIENTS)])
    elapsed = time.monotonic() - started

    with httpx.Client(base_url=server.origin, auth=httpx.BasicAuth(USERNAME, server.password), timeout=30) as http:
        records = http.get("/changes", params={"limit": 1000}).json()["changes"]
    committed = [r for r in records if r["id"] != before]
    sets = sorted(receiver.got.values(), key=lambda c: int(c["jti"].split("-")[0]))
    assert [int(c["jti"].split("-")[0]) for c in sets] == [r["seq"] for r in committed]  # one each, in order
    for claims, record in zip(sets, committed, strict=True):
        assert claims["sub_id"]["uri"].endswith("/" + record["id"])
        assert claims["txn"] == record["requestId"]
    assert not {c.get("txn") for c in sets} & set(failed), "a SET for a request that failed"
    assert all(before not in c["sub_id"]["uri"] for c in sets)
    assert receiver.redelivered > 0  # the unacknowledged batches came again
    REPORT.append(("sets", f"SETs by RFC 8936 poll ({server.backend}): {CLIENTS} clients made {len(committed)} "
                   f"changes in {elapsed:.1f} s; the receiver got each once as a verified SET in "
                   f"{receiver.polls} polls ({receiver.redelivered} unacknowledged ones offered again), "
                   f"none of {len(failed)} failed requests"))
