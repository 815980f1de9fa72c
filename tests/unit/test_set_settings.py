"""events.sets.*: off by default; when on, an issuer, one usable signing key (file or the
environment), receivers with distinct names, known event URIs and resource types; each mistake
a ConfigError naming its key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from app.settings import ConfigError, load_settings
from tests.sets_support import ec_pem, rsa_pem

CREDS = {"SCIM_AUTH_USERNAME": "idp", "SCIM_AUTH_PASSWORD": "a long enough password"}


def load(tmp_path: Path, sets: dict[str, Any], env: dict[str, str] | None = None, **top: Any) -> Any:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"events": {"sets": sets}, **top}))
    return load_settings(str(path), env={**CREDS, **(env or {})})


@pytest.fixture
def key_file(tmp_path: Path) -> str:
    path = tmp_path / "sets.pem"
    path.write_text(ec_pem())
    return str(path)


def test_sets_are_off_by_default() -> None:
    assert load_settings(env=CREDS).events.sets.enabled is False


def test_a_full_configuration_loads(tmp_path: Path, key_file: str) -> None:
    s = load(tmp_path, {"enabled": True, "signing_key_file": key_file, "kid": "k1", "receivers": [
        {"name": "app", "audience": "https://app.example.com", "full": True,
         "events": ["urn:ietf:params:scim:event:prov:deactivate"], "resource_types": ["User"]}]},
        server={"public_url": "https://idm.example.com/scim/v2"}).events.sets
    assert s.issuer_for("https://idm.example.com/scim/v2") == "https://idm.example.com/scim/v2"
    r = s.receiver("app")
    assert (r.full, r.kinds, r.resource_types) == (True, frozenset({"deactivate"}), frozenset({"User"}))
    assert s.receiver("other") is None


def test_the_key_can_come_from_the_environment(tmp_path: Path) -> None:
    s = load(tmp_path, {"enabled": True, "issuer": "https://idm.example.com"},
             env={"SCIM_EVENTS_SETS_SIGNING_KEY": rsa_pem()}).events.sets
    assert "PRIVATE KEY" in s.signing_pem()
    assert "PRIVATE" not in repr(s)


@pytest.mark.parametrize(("sets", "key", "problem"), [
    ({}, "events.sets.issuer", "required when server.public_url is not set"),
    ({"issuer": "x"}, "events.sets.signing_key_file", "required"),
    ({"issuer": "x", "signing_key_file": "/nonexistent.pem"}, "events.sets.signing_key_file", "cannot read"),
    ({"issuer": "x", "signing_key": "garbage"}, "events.sets.signing_key", "expected a PEM private key"),
    ({"issuer": "x", "long_poll_seconds": 31}, "events.sets.long_poll_seconds", "at most 30"),
    ({"issuer": "x", "start": "now"}, "events.sets.start", ""),
    ({"issuer": "x", "receivers": [{"name": "a b", "audience": "x"}]}, "events.sets.receivers[0].name", "expected"),
    ({"issuer": "x", "receivers": [{"name": "a", "audience": "x"}, {"name": "a", "audience": "y"}]},
     "events.sets.receivers[1].name", "two receivers"),
    ({"issuer": "x", "receivers": [{"name": "a", "audience": ""}]}, "events.sets.receivers[0].audience", ""),
    ({"issuer": "x", "receivers": [{"name": "a"}]}, "events.sets.receivers[0].audience", "required"),
    ({"issuer": "x", "receivers": [{"name": "a", "audience": "x", "events": ["urn:x"]}]},
     "events.sets.receivers[0].events", "not an RFC 9967"),
    ({"issuer": "x", "receivers": [{"name": "a", "audience": "x", "resource_types": ["Device"]}]},
     "events.sets.receivers[0].resource_types", "User or Group"),
])
def test_each_mistake_names_its_key(tmp_path: Path, key_file: str, sets: dict[str, Any], key: str,
                                    problem: str) -> None:
    if "signing_key" not in sets and "signing_key_file" not in sets and key != "events.sets.signing_key_file":
        sets = {**sets, "signing_key_file": key_file}
    with pytest.raises(ConfigError, match=rf"config error: {key.replace('[', '.').replace(']', '.')}: .*{problem}"):
        load(tmp_path, {"enabled": True, **sets})


def test_both_a_key_and_its_file_is_a_mistake(tmp_path: Path, key_file: str) -> None:
    with pytest.raises(ConfigError, match="events.sets.signing_key: set events.sets.signing_key or"):
        load(tmp_path, {"enabled": True, "issuer": "x", "signing_key_file": key_file, "signing_key": ec_pem()})


def test_a_push_receiver_its_url_checked_and_its_secret_from_the_environment(tmp_path: Path, key_file: str) -> None:
    from app.set_app import push_targets

    receivers = [{"name": "push-app", "audience": "https://app.example.com", "push_url": "https://app.example.com/set",
                  "push_authorization": "from-the-file"}, {"name": "poller", "audience": "https://p.example.com"}]
    settings = load(tmp_path, {"enabled": True, "issuer": "https://idm.example.com", "signing_key_file": key_file,
                               "receivers": receivers})
    (pushed,) = settings.events.sets.receivers[:1]
    assert "from-the-file" not in repr(pushed)
    assert pushed.push_secret({}) == "from-the-file"
    assert pushed.push_secret({"SCIM_EVENTS_SETS_PUSH_APP_PUSH_AUTHORIZATION": "from-env"}) == "from-env"
    assert pushed.push_secret({"SCIM_EVENTS_SETS_PUSH_APP_PUSH_AUTHORIZATION": ""}) is None
    targets = push_targets(settings, {})
    assert list(targets) == ["push-app"] and targets["push-app"].url == "https://app.example.com/set"
    receivers[0]["push_url"] = "ftp://app.example.com"
    with pytest.raises(ConfigError, match=r"events\.sets\.receivers\[0\]\.push_url"):
        load(tmp_path, {"enabled": True, "issuer": "https://idm.example.com", "signing_key_file": key_file,
                        "receivers": receivers})
