"""Crash safety, for real: parallel clients create users (with emails) and PATCH them into groups
while every gunicorn process is SIGKILLed mid-burst; after a restart on the same database every
answered 201/200 is there as answered, and nothing half-written is visible: each stored user has
exactly the emails it was sent, each group only members that exist, and every member a 200 PATCH
added is still a member."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import REPORT, LiveServer, start_gunicorn, wait_until_serving

pytestmark = pytest.mark.e2e
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CLIENTS = 6


@dataclass
class Answers:
    """What the server said it did, as the clients saw it."""

    users: dict[str, str] = field(default_factory=dict)  # id -> userName, for each 201
    added: list[tuple[str, str]] = field(default_factory=list)  # (group, user) for each 200 add
    lost: int = 0  # requests that got no answer (the crash)
    lock: threading.Lock = field(default_factory=threading.Lock)


def emails_of(name: str) -> list[dict[str, object]]:
    return [{"value": f"{name}@example.com", "type": "work", "primary": True}, {"value": f"{name}@home.example"}]


def client_loop(server: LiveServer, groups: list[str], answers: Answers, worker: int, stop: threading.Event) -> None:
    with server.client(timeout=10) as http:
        n = 0
        while not stop.is_set():
            n += 1
            name = f"crash-{worker}-{n}"
            try:
                made = http.post("Users", json={"schemas": [USER_URN], "userName": name, "emails": emails_of(name)})
                if made.status_code != 201:
                    continue
                uid = made.json()["id"]
                with answers.lock:
                    answers.users[uid] = name
                group = groups[n % len(groups)]
                patched = http.patch(f"Groups/{group}", json={"schemas": [PATCH_URN], "Operations": [
                    {"op": "add", "path": "members", "value": [{"value": uid}]}]})
                if patched.status_code == 200:
                    with answers.lock:
                        answers.added.append((group, uid))
            except httpx.TransportError:
                with answers.lock:
                    answers.lost += 1
                time.sleep(0.2)  # the server is down: wait for the test to restart it


def kill_everything(process_pid: int) -> None:
    """SIGKILL the gunicorn master and its workers: no graceful anything."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == process_pid:  # the field after the state is the parent's pid
            children.append(int(stat.parent.name))
    for pid in [process_pid, *children]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def groups(live_server: LiveServer) -> Iterator[list[str]]:
    with live_server.client() as http:
        made = [http.post("Groups", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                          "displayName": f"crash-group-{i}"}).json()["id"] for i in range(3)]
    yield made


def test_sigkill_mid_burst_loses_no_answered_write_and_shows_nothing_half_written(
        live_server: LiveServer, groups: list[str]) -> None:
    answers, stop = Answers(), threading.Event()
    threads = [threading.Thread(target=client_loop, args=(live_server, groups, answers, w, stop)) for w in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(3)
    assert live_server.process.proc is not None
    kill_everything(live_server.process.proc.pid)
    live_server.process.proc.wait(timeout=10)
    before_restart = len(answers.users)
    process, port = start_gunicorn(live_server.config.parent, live_server.config, name="gunicorn-restarted")
    restarted = dataclasses.replace(live_server, port=port, process=process)
    try:
        wait_until_serving(process, restarted.scim_url + "/ServiceProviderConfig", restarted.auth)
        time.sleep(2)  # the clients, still on the old port, only lose requests: stop them
        stop.set()
        for t in threads:
            t.join(timeout=30)
        check_everything(restarted, answers, groups)
    finally:
        stop.set()
        process.stop()
    REPORT.append((f"crash ({live_server.backend})", f"{before_restart} users answered 201 before the SIGKILL, "
                   f"{len(answers.added)} member adds answered 200, {answers.lost} requests lost; all present"))


def check_everything(server: LiveServer, answers: Answers, groups: list[str]) -> None:
    with server.client() as http:
        stored = {}
        cursor = ""
        while True:
            page = http.get("Users", params={"filter": 'userName sw "crash-"', "count": 500, "cursor": cursor}).json()
            stored.update({u["id"]: u for u in page["Resources"]})
            if "nextCursor" not in page:
                break
            cursor = page["nextCursor"]
        for uid, name in answers.users.items():  # every 201 is there as answered
            assert uid in stored and stored[uid]["userName"] == name
        for user in stored.values():  # nothing half-written: all of a user's emails or none of the user
            assert user["emails"] == emails_of(user["userName"])
        members = {g: {m["value"] for m in http.get(f"Groups/{g}").json().get("members", [])} for g in groups}
    for group, uid in answers.added:
        assert uid in members[group]
    assert all(m in stored for ms in members.values() for m in ms)
    assert len(answers.users) > 0 and len(answers.added) > 0
