"""`scim-service webhook add|list|remove` and `events run --once|list --failed|retry`, through
app.cli.main on a migrated SQLite file with a real receiver on loopback: the secret printed
once (never listed, never stored as given), what the worker sends, dead letters and their
re-queue."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from standardwebhooks.webhooks import Webhook

from app import cli, create_app
from app.settings import load_settings
from tests.unit.receivers import Receiver

SECRET = re.compile(r"whsec_[A-Za-z0-9+/]{43}=")
AUTH = {"username": "scim", "password": "basic-pw-1234"}
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"scim": {"auth": AUTH}, "database": {"url": f"sqlite:///{tmp_path / 'scim.db'}"},
                                    "events": {"max_attempts": 2, "backoff_seconds": 1}}))
    monkeypatch.setenv("SCIM_CONFIG", str(path))
    assert cli.main(["db", "upgrade"]) == 0

    def invoke(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = cli.main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err
    return invoke


def provision(*names: str) -> list[str]:
    client = create_app(load_settings()).test_client()
    basic = base64.b64encode(b"scim:basic-pw-1234").decode()
    ids = []
    for name in names:
        r = client.post("/scim/v2/Users", json={"userName": name, "password": "hunter2!",
                                                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]},
                        headers={"Authorization": f"Basic {basic}"})
        assert r.status_code == 201
        ids.append(r.get_json()["id"])
    return ids


def test_add_prints_the_secret_once_and_the_worker_signs_with_it(run: Run, receiver: Receiver) -> None:
    provision("before")  # a new webhook is sent what happens from then on
    status, out, err = run("webhook", "add", "app", receiver.url, "--events", "user.created")
    secret = out.strip()
    assert status == 0 and SECRET.fullmatch(secret) and "shown only now" in err
    status, listed, _ = run("webhook", "list")
    assert status == 0 and "app" in listed and secret not in listed and "user.created" in listed
    assert listed.splitlines()[1].split()[:2] == ["app", "webhook"]  # NAME, KIND
    (uid,) = provision("bjensen")
    status, _, log = run("events", "run", "--once")
    assert status == 0 and "1 delivered" in log and secret not in log
    (got,) = receiver.received
    payload = Webhook(secret).verify(got.body, got.headers)
    assert payload["type"] == "user.created" and payload["data"]["id"] == uid
    assert b"hunter2" not in got.body and b"bjensen" not in got.body
    assert run("events", "run", "--once")[2].count("0 delivered") == 1 and len(receiver.received) == 1


def test_a_failing_receiver_is_dead_lettered_listed_and_retried(run: Run, receiver: Receiver) -> None:
    run("webhook", "add", "app", receiver.url, "--events", "*")
    receiver.statuses = [410]  # refused for good: a dead letter at once
    provision("a", "b")
    status, _, log = run("events", "run", "--once")
    assert status == 0 and "evt_1_0 dead-lettered after 1 attempt(s): HTTP 410" in log
    status, out, _ = run("events", "list", "--failed")
    assert status == 0 and "evt_1_0" in out and "HTTP 410" in out and "dead" in out
    assert receiver.ids() == ["evt_1_0", "evt_2_0"]
    assert run("events", "retry", "evt_9_9")[0] == 1
    assert run("events", "retry")[0] == 1  # neither an id nor --all
    status, out, _ = run("events", "retry", "--all")
    assert status == 0 and "re-queued 1 event(s)" in out
    run("events", "run", "--once")
    assert receiver.ids() == ["evt_1_0", "evt_2_0", "evt_1_0"]
    assert "no failed events" in run("events", "list", "--failed")[1]


def test_remove_and_the_errors_of_add(run: Run, receiver: Receiver) -> None:
    assert run("webhook", "add", "app", receiver.url, "--events", "user.exploded")[0] == 1
    assert run("webhook", "add", "app", "ftp://x", "--events", "*")[0] == 1
    assert run("webhook", "add", "app", receiver.url, "--events", "*")[0] == 0
    status, _, err = run("webhook", "add", "app", receiver.url, "--events", "*")
    assert status == 1 and "already named" in err
    assert run("webhook", "remove", "app")[0] == 0
    assert run("webhook", "remove", "app")[0] == 1
    assert "no webhooks" in run("webhook", "list")[1]


def test_events_need_a_database(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SCIM_DATABASE_URL", "memory://")
    monkeypatch.setenv("SCIM_AUTH_USERNAME", "scim")
    monkeypatch.setenv("SCIM_AUTH_PASSWORD", "basic-pw-1234")
    assert cli.main(["events", "run", "--once"]) == 1
    assert "need a database" in capsys.readouterr().err
