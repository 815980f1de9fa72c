"""`scim.auth` and `scim.throttle`: the seed's single mapping and the list of named credentials,
their secrets from the environment, and a one-line error naming the key for each broken rule
(app/credential_settings.py)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import yaml

from app import warn_plain_passwords
from app.settings import ConfigError, CredentialSettings, ThrottleSettings, load_settings
from tests.fakes import cheap_argon2

HASH = cheap_argon2().hash("hashed-secret")
OKTA = {"name": "okta", "type": "basic", "username": "okta-provisioner", "password": "pw-okta", "policy": "okta"}
ENTRA = {"name": "entra", "type": "bearer", "policy": "entra"}


def load(auth: Any, tmp_path: Path, env: dict[str, str] | None = None, **scim: Any):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"scim": {"auth": auth, **scim}, "database": {"url": "memory://"}}))
    return load_settings(str(path), env=env or {})


def error(auth: Any, tmp_path: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load(auth, tmp_path, env)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("config error: ")
    return message


def test_the_seed_mapping_is_one_credential_named_after_its_username(tmp_path) -> None:
    s = load({"type": "basic", "username": "determined", "password": "password"}, tmp_path)
    assert s.scim.auth == (CredentialSettings(type="basic", username="determined", password="password"),)
    assert s.scim.auth[0].principal == "determined" and s.scim.auth[0].policy is None


def test_a_list_of_named_credentials_keeps_each_ones_type_and_policy(tmp_path) -> None:
    s = load([OKTA, ENTRA, {"name": "ops", "username": "ops", "password_hash": HASH}], tmp_path)
    assert [(c.principal, c.type, c.policy) for c in s.scim.auth] == [
        ("okta", "basic", "okta"), ("entra", "bearer", "entra"), ("ops", "basic", None)]
    assert s.scim.auth[2].password_hash == HASH and s.scim.auth[2].password is None
    assert s.scim.throttle == ThrottleSettings(20, 300)


def test_a_single_unnamed_bearer_credential_is_named_bearer(tmp_path) -> None:
    assert load({"type": "bearer"}, tmp_path).scim.auth[0].principal == "bearer"


def test_the_single_forms_variables_still_set_its_only_credential(tmp_path) -> None:
    s = load({"username": "scim"}, tmp_path, env={"SCIM_AUTH_PASSWORD": "from-env"})
    assert s.scim.auth[0].password == "from-env"
    s = load([ENTRA], tmp_path, env={"SCIM_AUTH_POLICY": "strict"})
    assert s.scim.auth[0].policy == "strict"


def test_with_several_credentials_the_single_forms_variable_is_an_error_naming_it(tmp_path) -> None:
    assert error([OKTA, ENTRA], tmp_path, env={"SCIM_AUTH_PASSWORD": "x"}) == (
        "config error: scim.auth: SCIM_AUTH_PASSWORD can set it only when it holds one item, not 2")


def test_a_named_credentials_secrets_come_from_its_own_variables(tmp_path) -> None:
    okta = {k: v for k, v in OKTA.items() if k != "password"} | {"name": "okta-prod.eu"}
    env = {"SCIM_AUTH_OKTA_PROD_EU_PASSWORD": "pw-from-env", "SCIM_AUTH_OPS_PASSWORD_HASH": HASH,
           "SCIM_AUTH_OPS_USERNAME": "ops-user"}
    s = load([okta, {"name": "ops", "username": "x"}], tmp_path, env)
    assert s.scim.auth[0].password == "pw-from-env"
    assert (s.scim.auth[1].username, s.scim.auth[1].password_hash) == ("ops-user", HASH)
    assert error([OKTA, ENTRA], tmp_path, {"SCIM_AUTH_OKTA_PASSWORD": ""}) == (  # empty: unset
        "config error: scim.auth[0].password: required when scim.auth[0].type is basic")


@pytest.mark.parametrize(("auth", "expected"), [
    ([OKTA, OKTA | {"username": "other"}], "scim.auth[1].name: 'okta' is already the name of scim.auth[0]"),
    ([OKTA, {"type": "bearer"}], "scim.auth[1].name: required when scim.auth lists several credentials"),
    ([ENTRA | {"password": "x"}], "scim.auth.password: a bearer credential has none: its tokens are made by "
                                  "`scim-service token create NAME` and kept in the database"),
    ([ENTRA | {"username": "x"}], "scim.auth.username: a bearer credential has none"),
    ([OKTA | {"policy": "google"}], "scim.auth[0].policy: expected one of default, okta, entra, strict, got 'google'"),
    ([OKTA | {"password_hash": HASH}], "scim.auth.password: set password or password_hash, not both"),
    ([OKTA | {"password": None, "password_hash": "$2b$12$notargon"}],
     "scim.auth.password_hash: not an argon2 hash; make one with `scim-service password hash`"),
    ([OKTA | {"password": None, "password_hash": HASH.replace("argon2id", "argon2i")}],
     "scim.auth.password_hash: expected an argon2id hash"),
    ([OKTA | {"username": None}], "scim.auth.username: required when scim.auth.type is basic"),
    ([OKTA | {"password": "change-me"}], "scim.auth.password: still the example placeholder"),
    ([OKTA, ENTRA | {"name": "o k"}], "scim.auth[1].name: expected 1-64 letters, digits"),
    ([OKTA, OKTA | {"name": "okta-2"}], "scim.auth[1].username: two basic credentials share this username"),
    ([], "scim.auth: at least one credential is required"),
    ([{"name": "o", "type": "oauth"}, {"name": "p", "type": "oauth"}],
     "scim.auth: at most one oauth credential (the service is one authorization server)"),
    ([{"name": "o", "type": "oauth", "password": "x"}], "scim.auth.password: an oauth credential has none"),
    ([OKTA | {"allow_insecure_http": True}], "scim.auth.allow_insecure_http: only an oauth credential has it"),
    ([ENTRA | {"refresh_grace_seconds": 5}], "scim.auth.refresh_grace_seconds: only an oauth credential has it"),
    ([{"type": "oauth", "access_token_lifetime_seconds": 10}],
     "scim.auth[0].access_token_lifetime_seconds: must be at least 60"),
    ([OKTA | {"secret": "x"}], "scim.auth[0].secret: unknown key"),
    ([OKTA | {"me": "  "}], "scim.auth[0].me: "),
    ([OKTA | {"me": 7}], "scim.auth[0].me: "),
    ("okta", "scim.auth: expected a mapping or a list, got 'okta'"),
    ([["okta"]], "scim.auth[0]: expected a mapping, got a list"),
])
def test_a_broken_credential_stops_start_up_with_one_line_naming_its_key(tmp_path, auth, expected) -> None:
    assert error(auth, tmp_path).startswith("config error: " + expected)


def test_me_binds_any_kind_of_credential_to_a_user_name_kept_as_written(tmp_path) -> None:
    s = load([OKTA | {"me": "BJensen"}, ENTRA | {"me": "svc-entra"}, {"name": "x", "type": "bearer"}], tmp_path)
    assert [c.me for c in s.scim.auth] == ["BJensen", "svc-entra", None]
    single = load([OKTA | {"me": "x"}], tmp_path, env={"SCIM_AUTH_ME": "from-env"})
    assert single.scim.auth[0].me == "from-env"


def test_the_throttle_settings_load_and_are_checked(tmp_path) -> None:
    s = load([OKTA], tmp_path, throttle={"max_failures": 0, "window_seconds": 60})
    assert s.scim.throttle == ThrottleSettings(0, 60)
    with pytest.raises(ConfigError, match="scim.throttle.window_seconds: must be at least 1"):
        load([OKTA], tmp_path, throttle={"window_seconds": 0})


def test_a_disabled_api_needs_no_credential(tmp_path) -> None:
    assert load([], tmp_path, enabled=False).scim.enabled is False


def test_a_plain_password_in_the_file_warns_at_start_up_and_one_from_the_environment_does_not(
    tmp_path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load([OKTA, ENTRA, {"name": "ops", "username": "ops", "password_hash": HASH}], tmp_path)
    with caplog.at_level(logging.WARNING):
        warn_plain_passwords(settings)
    assert [r.getMessage().split(" ")[1] for r in caplog.records] == ["scim.auth[0].password"]
    assert "pw-okta" not in caplog.text
    caplog.clear()
    monkeypatch.setenv("SCIM_AUTH_OKTA_PASSWORD", "pw-okta")
    warn_plain_passwords(settings)
    assert caplog.records == []


def test_a_plain_metrics_password_in_the_file_warns_too(caplog: pytest.LogCaptureFixture,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from app.metrics_settings import MetricsSettings
    from tests.conftest import make_settings

    settings = dataclasses.replace(make_settings(), metrics=MetricsSettings(True, username="p", password="scrape-pw"))
    monkeypatch.setenv("SCIM_AUTH_PASSWORD", "from-env")
    with caplog.at_level(logging.WARNING):
        warn_plain_passwords(settings)
    assert [r.getMessage().split(" ")[1] for r in caplog.records] == ["metrics.password"]
    assert "scrape-pw" not in caplog.text
    caplog.clear()
    monkeypatch.setenv("SCIM_METRICS_PASSWORD", "scrape-pw")
    warn_plain_passwords(settings)
    assert caplog.records == []


def test_credential_secrets_are_not_in_repr(tmp_path) -> None:
    settings = load([OKTA, {"name": "ops", "username": "ops", "password_hash": HASH}], tmp_path)
    assert "pw-okta" not in repr(settings) and HASH not in repr(settings)
