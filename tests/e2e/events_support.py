"""The e2e events set-up: the real gunicorn and the real `scim-service events run` worker on one
database, a config with quick retries, receivers on loopback (tests/unit/receivers.py), and the
events the change feed says should have been sent (domain.events.vocabulary on GET /changes)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from domain.audit import Change
from domain.events.vocabulary import Event, events_of
from domain.feed import Recorded
from tests.e2e.harness import (
    LiveServer,
    Process,
    clean_env,
    db_upgrade,
    fresh_database,
    run_cli,
    scim_service_argv,
    start_gunicorn,
    wait_until_serving,
    write_config,
)

EVENTS = {"max_attempts": 3, "backoff_seconds": 1, "max_backoff_seconds": 2, "timeout_seconds": 5,
          "poll_interval_ms": 50, "batch_size": 20}
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass
class EventsDeployment:
    server: LiveServer
    workdir: Path
    workers: list[Process] = field(default_factory=list)

    def cli(self, *args: str) -> str:
        done = run_cli(self.server.config, *args)
        assert done.returncode == 0, f"scim-service {' '.join(args)}: {done.returncode}\n{done.stderr}"
        return done.stdout

    def subscribe(self, name: str, url: str, types: str = "*", *more: str) -> str:
        return self.cli("webhook", "add", name, url, "--events", types, *more).strip()

    def start_worker(self, name: str = "worker") -> Process:
        argv = [*scim_service_argv(), "--config", str(self.server.config), "events", "run"]
        process = Process(argv, clean_env(PYTHONUNBUFFERED="1"), self.workdir, f"{name}-{len(self.workers)}").start()
        self.workers.append(process)
        deadline = time.monotonic() + 30
        while "worker started" not in process.stderr():
            assert process.proc is not None and process.proc.poll() is None, process.stderr()
            assert time.monotonic() < deadline, process.stderr()
            time.sleep(0.05)
        return process

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers.clear()

    def end(self) -> int:
        with httpx.Client(auth=self.server.auth, timeout=30) as client:
            return int(client.get(self.server.origin + "/changes", params={"cursor": "end"}).json()["cursor"])

    def expected(self, cursor: int) -> list[Event]:
        """The events of every change record after `cursor`, in commit order."""
        events, more = [], True
        with httpx.Client(auth=self.server.auth, timeout=30) as client:
            while more:
                page = client.get(self.server.origin + "/changes", params={"cursor": cursor, "limit": 1000}).json()
                for r in page["changes"]:
                    change = Change(r["principal"], r["operation"], r["resourceType"], r["id"], tuple(r["attributes"]),
                                    datetime.fromisoformat(r["at"].replace("Z", "+00:00")), r.get("requestId"),
                                    tuple(r.get("membersAdded", ())), tuple(r.get("membersRemoved", ())))
                    events += events_of(Recorded(r["seq"], change))
                cursor, more = int(page["cursor"]), page["more"]
        return events


def deployment(backend: str, workdir: Path, sets: dict[str, Any] | None = None,
               public_url: str | None = None) -> Iterator[EventsDeployment]:
    """`sets`: the events.sets settings, if any; `public_url`: server.public_url, if any."""
    url = fresh_database(backend, workdir)
    password = secrets.token_urlsafe(24)
    config = write_config(workdir / "config.yaml", url, password)
    data = yaml.safe_load(config.read_text())
    data["events"] = {**EVENTS, "sets": sets} if sets else EVENTS
    if public_url:
        data.setdefault("server", {})["public_url"] = public_url
    config.write_text(yaml.safe_dump(data))
    db_upgrade(config)
    process, port = start_gunicorn(workdir, config)
    server = LiveServer(backend, port, password, config, url, process)
    deployed = EventsDeployment(server, workdir)
    try:
        wait_until_serving(process, server.scim_url + "/ServiceProviderConfig", server.auth)
        yield deployed
    finally:
        deployed.stop_workers()
        process.stop()


def user(client: httpx.Client, name: str) -> str:
    r = client.post("Users", json={"schemas": [USER], "userName": name, "password": f"pw-{name}-Secret1",
                                   "emails": [{"value": f"{name}@example.com"}]})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def patch(client: httpx.Client, path: str, *operations: dict[str, Any], expect: int = 200) -> None:
    r = client.patch(path, json={"schemas": [PATCH], "Operations": list(operations)})
    assert r.status_code == expect, r.text
