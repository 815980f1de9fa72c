"""`scim-service sets token RECEIVER` and `scim-service sets errors`, run through app.cli.main on a
migrated SQLite file: a token only for a configured receiver, that opens its poll endpoint; the
errors a receiver reported, listed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from app import cli, create_app
from app.settings import load_settings
from tests.sets_support import ec_pem

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    key = tmp_path / "sets.pem"
    key.write_text(ec_pem())
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({
        "scim": {"auth": {"username": "idp", "password": "a long enough password"}},
        "database": {"url": f"sqlite:///{tmp_path / 'scim.db'}"},
        "events": {"sets": {"enabled": True, "issuer": "https://idm.example.com", "signing_key_file": str(key),
                            "start": "beginning", "receivers": [{"name": "app", "audience": "aud"}]}}}))
    assert cli.main(["--config", str(path), "db", "upgrade"]) == 0
    capsys.readouterr()
    return str(path)


def test_a_token_is_made_for_a_configured_receiver_and_opens_its_poll(run: Run, config: str) -> None:
    status, out, err = run(config, "sets", "token", "app", "--note", "the app")
    assert status == 0 and "SET receiver app" in err
    secret = out.strip()
    app = create_app(load_settings(config))
    client = app.test_client()
    ok = client.post("/events/poll/app", json={"returnImmediately": True},
                     headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200
    status, out, _ = run(config, "token", "list")
    assert "set-receiver:app" in out and "the app" in out


def test_no_token_for_an_unknown_receiver(run: Run, config: str) -> None:
    status, _, err = run(config, "sets", "token", "nobody")
    assert status == 1 and "'nobody' is not in events.sets.receivers (receivers: app)" in err


def test_no_token_for_a_pushed_receiver(run: Run, tmp_path: Path) -> None:
    key = tmp_path / "push.pem"
    key.write_text(ec_pem())
    path = tmp_path / "push.yaml"
    path.write_text(yaml.safe_dump({
        "scim": {"auth": {"username": "idp", "password": "a long enough password"}},
        "database": {"url": f"sqlite:///{tmp_path / 'push.db'}"},
        "events": {"sets": {"enabled": True, "issuer": "https://idm.example.com", "signing_key_file": str(key),
                            "receivers": [{"name": "hub", "audience": "aud", "push_url": "https://hub.example.com/set"}]}}}))
    assert run(str(path), "db", "upgrade")[0] == 0
    status, out, err = run(str(path), "sets", "token", "hub")
    assert status == 1 and out == "" and "'hub' is pushed to (https://hub.example.com/set): it does not poll" in err
    assert "set-receiver:hub" not in run(str(path), "token", "list")[1]


def test_errors_lists_what_receivers_reported(run: Run, config: str) -> None:
    assert run(config, "sets", "errors")[1].strip() == "no SET errors"
    secret = run(config, "sets", "token", "app")[1].strip()
    app = create_app(load_settings(config))
    client, auth = app.test_client(), {"Authorization": f"Bearer {secret}"}
    client.post("/scim/v2/Users", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "z"},
                headers={"Authorization": "Basic aWRwOmEgbG9uZyBlbm91Z2ggcGFzc3dvcmQ="})
    [jti] = client.post("/events/poll/app", json={"returnImmediately": True}, headers=auth).json["sets"]
    client.post("/events/poll/app", json={"setErrs": {jti: {"err": "invalid_request", "description": "odd"}},
                                          "maxEvents": 0}, headers=auth)
    status, out, _ = run(config, "sets", "errors", "app")
    assert status == 0 and f"app  record 1  {jti}  invalid_request  odd" in out
    assert run(config, "sets", "errors", "other")[1].strip() == "no SET errors"
