"""app.settings: the service's keys, their SCIM_* overrides and errors, and extensions from YAML.

The loader's generic behaviour is tested in test_typed_yaml.py, the extension rules in
test_extension_schemas.py; here, each only as the service's own keys meet it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from app.settings import (
    ENV_VARS,
    ConfigError,
    CredentialSettings,
    DatabaseSettings,
    ExtensionAttributeSettings,
    ExtensionSettings,
    PolicySettings,
    ScimSettings,
    ServerSettings,
    Settings,
    build_registry,
    extension_schemas,
    load_settings,
)
from domain.limits import DEFAULT_LIMITS
from domain.schema.attributes import Attribute, Schema

ROOT = Path(__file__).resolve().parents[2]
CREDS = {"SCIM_AUTH_USERNAME": "scim", "SCIM_AUTH_PASSWORD": "pw-from-env"}
LIMIT_KEYS = ("filter_length", "filter_depth", "json_depth", "attributes", "multi_valued", "string_length",
              "patch_operations", "attribute_list")
ACME = "urn:example:params:scim:schemas:extension:acme:2.0:User"


@pytest.fixture
def write(tmp_path: Path):
    """Write a config (a dict, dumped as YAML, or raw text) and return its path."""

    def _write(content: dict[str, Any] | str) -> str:
        path = tmp_path / "config.yaml"
        path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
        return str(path)

    return _write


def error(path: str | None = None, env: dict[str, str] | None = None) -> str:
    """The ConfigError message, checked to be one line in the documented shape."""
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env=CREDS if env is None else env)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("config error: ")
    return message


def with_creds(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with credentials added; never changes `data` (parametrize shares it between runs)."""
    rest = {k: v for k, v in data.items() if k != "scim"}
    return {"scim": {"auth": {"username": "scim", "password": "pw"}, **data.get("scim", {})}, **rest}


def extension(**overrides: Any) -> dict[str, Any]:
    ext = {"schema": ACME, "resource_type": "User", "attributes": [{"name": "badgeNumber"}]}
    return {**ext, **overrides}


# ---- file and defaults ------------------------------------------------------------------------


def test_without_a_file_the_defaults_apply() -> None:
    settings = load_settings(env=CREDS)
    assert settings == Settings(scim=ScimSettings(auth=(CredentialSettings(username="scim", password="pw-from-env"),)))
    assert settings.database == DatabaseSettings("sqlite:///scim.db")
    assert settings.server == ServerSettings(trusted_proxies=0, secret_key=None, max_body_bytes=1048576)
    assert (settings.scim.default_count, settings.scim.max_results) == (100, 1000)
    assert settings.scim.max_members_per_request == 10000
    assert settings.scim.policy == PolicySettings("default")
    assert settings.scim.policy.effective().unknown == "ignore"


def test_a_full_yaml_file_sets_every_key(write) -> None:
    path = write({
        "scim": {
            "enabled": True,
            "auth": {"type": "basic", "username": "okta", "password": "s3cret-pass"},
            "policy": {"unknown": "reject"},
            "default_count": 50, "max_results": 500, "max_members_per_request": 20,
            "extensions": [extension()],
        },
        "database": {"url": "postgresql+psycopg://scim@db.internal/scim"},
        "server": {"trusted_proxies": 2, "secret_key": "k" * 32, "max_body_bytes": 2048},
    })
    s = load_settings(path, env={})
    assert s.scim.auth == (CredentialSettings(type="basic", username="okta", password="s3cret-pass"),)
    assert s.scim.policy.unknown == "reject"
    assert (s.scim.default_count, s.scim.max_results, s.scim.max_members_per_request) == (50, 500, 20)
    assert s.scim.extensions == (
        ExtensionSettings(ACME, "User", (ExtensionAttributeSettings("badgeNumber"),)),
    )
    assert s.database.url == "postgresql+psycopg://scim@db.internal/scim"
    assert s.server == ServerSettings(2, "k" * 32, 2048)


def test_scim_config_names_the_file_when_no_path_is_given(write) -> None:
    path = write(with_creds({"scim": {"default_count": 7}}))
    assert load_settings(env={"SCIM_CONFIG": path}).scim.default_count == 7


def test_an_empty_file_means_the_defaults(write) -> None:
    assert load_settings(write(""), env=CREDS) == load_settings(env=CREDS)


def test_an_empty_section_means_its_defaults(write) -> None:
    assert load_settings(write("scim:\nserver:\n"), env=CREDS).server == ServerSettings()


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "x.yaml")
    assert error(missing) == f"config error: {missing}: file not found"


def test_the_top_level_must_be_a_mapping(write) -> None:
    path = write("- a\n- b\n")
    assert error(path) == f"config error: {path}: the top level must be a mapping, got a list"


# ---- environment ------------------------------------------------------------------------------


def test_the_override_variables_are_derived_from_every_scalar_setting() -> None:
    assert dict(ENV_VARS) == {
        "SCIM_ENABLED": "scim.enabled",
        "SCIM_AUTH_NAME": "scim.auth.name",
        "SCIM_AUTH_TYPE": "scim.auth.type",
        "SCIM_AUTH_USERNAME": "scim.auth.username",
        "SCIM_AUTH_PASSWORD": "scim.auth.password",
        "SCIM_AUTH_PASSWORD_HASH": "scim.auth.password_hash",
        "SCIM_AUTH_POLICY": "scim.auth.policy",
        "SCIM_AUTH_ME": "scim.auth.me",
        "SCIM_AUTH_ALLOW_INSECURE_HTTP": "scim.auth.allow_insecure_http",
        "SCIM_AUTH_CLIENT_CREDENTIALS": "scim.auth.client_credentials",
        "SCIM_AUTH_CODE_LIFETIME_SECONDS": "scim.auth.code_lifetime_seconds",
        "SCIM_AUTH_ACCESS_TOKEN_LIFETIME_SECONDS": "scim.auth.access_token_lifetime_seconds",
        "SCIM_AUTH_REFRESH_TOKEN_LIFETIME_SECONDS": "scim.auth.refresh_token_lifetime_seconds",
        "SCIM_AUTH_REFRESH_GRACE_SECONDS": "scim.auth.refresh_grace_seconds",
        "SCIM_THROTTLE_MAX_FAILURES": "scim.throttle.max_failures",
        "SCIM_THROTTLE_WINDOW_SECONDS": "scim.throttle.window_seconds",
        "SCIM_POLICY_PRESET": "scim.policy.preset",
        "SCIM_POLICY_UNKNOWN": "scim.policy.unknown",
        "SCIM_POLICY_STRING_BOOLEANS": "scim.policy.string_booleans",
        "SCIM_POLICY_REMOVE_VALUE_LIST": "scim.policy.remove_value_list",
        "SCIM_POLICY_UNMATCHED_FILTER": "scim.policy.unmatched_filter",
        "SCIM_POLICY_UNKNOWN_MEMBERS": "scim.policy.unknown_members",
        "SCIM_POLICY_PATCH_RESPONSE": "scim.policy.patch_response",
        "SCIM_DEFAULT_COUNT": "scim.default_count",
        "SCIM_MAX_RESULTS": "scim.max_results",
        "SCIM_MAX_MEMBERS_PER_REQUEST": "scim.max_members_per_request",
        "SCIM_MAX_INDEXED_LENGTH": "scim.max_indexed_length",
        **{f"SCIM_LIMITS_{k.upper()}": f"scim.limits.{k}" for k in LIMIT_KEYS},
        "SCIM_BULK_ENABLED": "scim.bulk.enabled",
        "SCIM_BULK_MAX_OPERATIONS": "scim.bulk.max_operations",
        "SCIM_BULK_MAX_PAYLOAD_BYTES": "scim.bulk.max_payload_bytes",
        "SCIM_DATABASE_URL": "database.url",
        "SCIM_DATABASE_SEARCH_TIMEOUT_MS": "database.search_timeout_ms",
        "SCIM_DATABASE_SQLITE_MMAP_MB": "database.sqlite_mmap_mb",
        "SCIM_SERVER_TRUSTED_PROXIES": "server.trusted_proxies",
        "SCIM_SERVER_SECRET_KEY": "server.secret_key",
        "SCIM_SERVER_MAX_BODY_BYTES": "server.max_body_bytes",
        "SCIM_SERVER_OPENAPI_PATH": "server.openapi_path",
        "SCIM_SERVER_PUBLIC_URL": "server.public_url",
        "SCIM_SERVER_LOG_FORMAT": "server.log_format",
        "SCIM_ADMIN_USERNAME": "admin.username",
        "SCIM_ADMIN_PASSWORD": "admin.password",
        "SCIM_ADMIN_PASSWORD_HASH": "admin.password_hash",
        **{f"SCIM_METRICS_{k.upper()}": f"metrics.{k}"
           for k in ("enabled", "path", "bind", "username", "password", "password_hash", "multiproc_dir")},
        **{f"SCIM_EVENTS_{k.upper()}": f"events.{k}" for k in (
            "max_attempts", "backoff_seconds", "max_backoff_seconds", "timeout_seconds", "batch_size",
            "poll_interval_ms", "concurrency")},
        **{f"SCIM_EVENTS_SETS_{k.upper()}": f"events.sets.{k}"
           for k in ("enabled", "issuer", "signing_key_file", "signing_key", "kid", "retiring_key_file",
                     "retiring_key", "start", "max_events", "long_poll_seconds", "advertise")},
    }


@pytest.mark.parametrize(("name", "raw", "read", "expected"), [
    ("SCIM_ENABLED", "false", lambda s: s.scim.enabled, False),
    ("SCIM_AUTH_TYPE", "basic", lambda s: s.scim.auth[0].type, "basic"),
    ("SCIM_AUTH_USERNAME", "entra", lambda s: s.scim.auth[0].username, "entra"),
    ("SCIM_AUTH_PASSWORD", "from-env", lambda s: s.scim.auth[0].password, "from-env"),
    ("SCIM_POLICY_UNKNOWN", "reject", lambda s: s.scim.policy.unknown, "reject"),
    ("SCIM_POLICY_PRESET", "strict", lambda s: s.scim.policy.effective().unmatched_filter, "noTarget"),
    ("SCIM_POLICY_PATCH_RESPONSE", "204", lambda s: s.scim.policy.patch_response, 204),
    ("SCIM_POLICY_STRING_BOOLEANS", "false", lambda s: s.scim.policy.effective().string_booleans, False),
    ("SCIM_DEFAULT_COUNT", "25", lambda s: s.scim.default_count, 25),
    ("SCIM_MAX_RESULTS", "200", lambda s: s.scim.max_results, 200),
    ("SCIM_MAX_MEMBERS_PER_REQUEST", "5", lambda s: s.scim.max_members_per_request, 5),
    ("SCIM_DATABASE_URL", "memory://", lambda s: s.database.url, "memory://"),
    ("SCIM_DATABASE_SQLITE_MMAP_MB", "256", lambda s: s.database.sqlite_mmap_mb, 256),
    ("SCIM_SERVER_TRUSTED_PROXIES", "1", lambda s: s.server.trusted_proxies, 1),
    ("SCIM_SERVER_SECRET_KEY", "x" * 20, lambda s: s.server.secret_key, "x" * 20),
    ("SCIM_SERVER_MAX_BODY_BYTES", "4096", lambda s: s.server.max_body_bytes, 4096),
    ("SCIM_SERVER_OPENAPI_PATH", "/api/openapi.json", lambda s: s.server.openapi_path, "/api/openapi.json"),
    ("SCIM_LIMITS_JSON_DEPTH", "8", lambda s: s.scim.limits.domain().json_depth, 8),
    ("SCIM_LIMITS_PATCH_OPERATIONS", "50", lambda s: s.scim.limits.domain().patch_operations, 50),
])
def test_each_environment_variable_overrides_its_key_converted_to_the_field_type(
    write, name: str, raw: str, read, expected: Any
) -> None:
    path = write(with_creds({"scim": {"auth": {"username": "file", "password": "file-pw"}}}))
    assert read(load_settings(path, env={name: raw})) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("true", True), ("TRUE", True), ("1", True), ("Yes", True),
    ("false", False), ("False", False), ("0", False), ("NO", False),
])
def test_boolean_variables_accept_true_false_1_0_yes_no_in_any_case(raw: str, expected: bool) -> None:
    assert load_settings(env={**CREDS, "SCIM_ENABLED": raw}).scim.enabled is expected


def test_an_empty_variable_unsets_an_optional_setting(write) -> None:
    path = write(with_creds({"server": {"secret_key": "k" * 32}}))
    assert load_settings(path, env={"SCIM_SERVER_SECRET_KEY": ""}).server.secret_key is None


def test_other_scim_variables_are_ignored(write) -> None:
    path = write(with_creds({}))
    env = {"SCIM_CONFIG": "/nonexistent.yaml", "SCIM_TEST_DATABASE_URL": "postgresql://x/y",
           "SCIM_BIND": "0.0.0.0:1", "SCIM_NO_SUCH_KEY": "1", "SCIM_EXTENSIONS": "[]"}
    # An explicit path wins over SCIM_CONFIG; nothing else is read as a setting.
    assert load_settings(path, env=env) == load_settings(path, env={})


@pytest.mark.parametrize(("env", "message"), [
    ({"SCIM_SERVER_TRUSTED_PROXIES": "two"},
     "config error: server.trusted_proxies: expected an integer, got 'two' (from SCIM_SERVER_TRUSTED_PROXIES)"),
    ({"SCIM_ENABLED": "maybe"},
     "config error: scim.enabled: expected a boolean (true/false/1/0/yes/no), got 'maybe' (from SCIM_ENABLED)"),
    ({"SCIM_MAX_RESULTS": "0"},
     "config error: scim.max_results: must be at least 1, got 0 (from SCIM_MAX_RESULTS)"),
    ({"SCIM_POLICY_UNKNOWN": "strict"},
     "config error: scim.policy.unknown: expected one of ignore, reject, got 'strict' (from SCIM_POLICY_UNKNOWN)"),
])
def test_a_bad_environment_value_names_the_key_and_the_variable(env: dict[str, str], message: str) -> None:
    assert error(env={**CREDS, **env}) == message


# ---- errors in the file -----------------------------------------------------------------------


@pytest.mark.parametrize(("data", "message"), [
    ({"scim": {"polcy": {}}}, "config error: scim.polcy: unknown key"),
    ({"sever": {}}, "config error: sever: unknown key"),
    ({"scim": {"auth": {"user": "x"}}}, "config error: scim.auth.user: unknown key"),
    ({"scim": {"extensions": [extension(attributes=[{"name": "a", "multivalued": True}])]}},
     "config error: scim.extensions[0].attributes[0].multivalued: unknown key"),
])
def test_an_unknown_key_is_an_error(write, data: dict[str, Any], message: str) -> None:
    assert error(write(data)) == message


@pytest.mark.parametrize(("data", "message"), [
    ({"server": {"trusted_proxies": "two"}}, "server.trusted_proxies: expected an integer, got 'two'"),
    ({"scim": {"default_count": True}}, "scim.default_count: expected an integer, got true"),
    ({"scim": {"max_results": 1.5}}, "scim.max_results: expected an integer, got 1.5"),
    ({"scim": {"enabled": "yes"}}, "scim.enabled: expected a boolean, got 'yes'"),
    ({"scim": {"auth": "basic"}}, "scim.auth: expected a mapping or a list, got 'basic'"),
    ({"scim": {"extensions": {"a": 1}}}, "scim.extensions: expected a list, got a mapping"),
    ({"database": {"url": 5}}, "database.url: expected a string, got 5"),
    ({"database": {"url": None}}, "database.url: expected a string, got null"),
    ({"scim": {"max_results": 0}}, "scim.max_results: must be at least 1, got 0"),
    ({"server": {"trusted_proxies": -1}}, "server.trusted_proxies: must be at least 0, got -1"),
    ({"server": {"max_body_bytes": 0}}, "server.max_body_bytes: must be at least 1, got 0"),
    ({"scim": {"policy": {"unknown": "strict"}}}, "scim.policy.unknown: expected one of ignore, reject, got 'strict'"),
    ({"scim": {"default_count": 2000}}, "scim.default_count: must not exceed scim.max_results (1000)"),
    ({"database": {"url": ""}}, "database.url: must not be empty"),
    ({"database": {"url": "scim.db"}}, "database.url: expected a URL like sqlite:///scim.db"),
    ({"server": {"secret_key": "short"}}, "server.secret_key: must be at least 16 characters"),
    ({"scim": {"bulk": {"max_operations": 0}}}, "scim.bulk.max_operations: must be at least 1, got 0"),
    ({"scim": {"bulk": {"max_payload_bytes": 2048}}, "server": {"max_body_bytes": 2047}},
     "scim.bulk.max_payload_bytes: must not exceed server.max_body_bytes (2047)"),
])
def test_a_wrong_type_or_value_names_the_key(write, data: dict[str, Any], message: str) -> None:
    assert error(write(with_creds(data))).startswith("config error: " + message)


SCRAPER = {"enabled": True, "username": "prometheus", "password": "scrape-secret-7f3a"}


@pytest.mark.parametrize(("metrics", "message"), [
    ({"enabled": True}, "metrics.username: required when metrics are enabled without metrics.bind"),
    ({"enabled": True, "username": "p"}, "metrics.password: metrics.password or metrics.password_hash is required"),
    ({**SCRAPER, "password_hash": "$argon2id$x"}, "metrics.password: set metrics.password or metrics.password_hash, not both"),
    ({**SCRAPER, "path": "metrics"}, "metrics.path: expected a path like /metrics"),
    ({**SCRAPER, "path": "/a/../metrics"}, "metrics.path: expected a path like /metrics"),
    ({**SCRAPER, "path": "/healthz"}, "metrics.path: is another route's path"),
    ({**SCRAPER, "path": "/scim/v2/Metrics"}, "metrics.path: is another route's path"),
    ({**SCRAPER, "path": "/openapi.json"}, "metrics.path: is another route's path"),
    ({**SCRAPER, "path": "/events/jwks.json"}, "metrics.path: is another route's path"),
    ({"enabled": True, "bind": "9464"}, "metrics.bind: expected host:port"),
    ({"enabled": True, "bind": "127.0.0.1:70000"}, "metrics.bind: expected host:port"),
    ({**SCRAPER, "bind": "127.0.0.1:9464"}, "metrics.username: the separate metrics.bind listener asks for no credential"),
])
def test_the_metrics_rules_name_the_key(write, metrics: dict[str, Any], message: str) -> None:
    assert error(write(with_creds({"metrics": metrics}))).startswith("config error: " + message)


def test_metrics_are_off_by_default_and_take_a_credential_or_a_bind(write) -> None:
    assert not load_settings(env=CREDS).metrics.enabled
    served = load_settings(write(with_creds({"metrics": SCRAPER})), env=CREDS).metrics
    assert (served.path, served.bind, served.username) == ("/metrics", None, "prometheus")
    assert "scrape-secret" not in repr(served)
    bound = load_settings(write(with_creds({"metrics": {"enabled": True, "bind": "[::1]:9464"}})), env=CREDS)
    assert bound.metrics.bind == "[::1]:9464"
    by_env = load_settings(write(with_creds({"metrics": {"enabled": True, "username": "p"}})),
                           env={**CREDS, "SCIM_METRICS_PASSWORD": "from-the-environment"})
    assert by_env.metrics.password == "from-the-environment"


def test_the_bulk_payload_limit_defaults_to_1_mib_or_the_body_limit_below_it(write) -> None:
    assert load_settings(env=CREDS).scim.bulk.payload_limit(1048576) == 1048576
    small = load_settings(write(with_creds({"server": {"max_body_bytes": 2048}})), env=CREDS)
    assert small.scim.bulk.payload_limit(small.server.max_body_bytes) == 2048
    fits = load_settings(write(with_creds({"scim": {"bulk": {"max_payload_bytes": 2048}},
                                           "server": {"max_body_bytes": 2048}})), env=CREDS)
    assert fits.scim.bulk.payload_limit(4096) == 2048 and fits.scim.bulk.enabled


@pytest.mark.parametrize(("auth", "key"), [
    ({}, "username"), ({"username": "scim"}, "password"), ({"password": "pw"}, "username"),
    ({"username": "scim", "password": ""}, "password"),
])
def test_basic_auth_without_credentials_names_the_missing_key(write, auth: dict[str, str], key: str) -> None:
    message = error(write({"scim": {"auth": auth}}), env={})
    assert message == f"config error: scim.auth.{key}: required when scim.auth.type is basic"


def test_the_password_can_come_from_the_environment_alone(write) -> None:
    path = write({"scim": {"auth": {"username": "scim"}}})
    assert load_settings(path, env={"SCIM_AUTH_PASSWORD": "only-in-env"}).scim.auth[0].password == "only-in-env"


def test_an_oauth_credential_needs_the_administrator_who_approves_clients() -> None:
    assert error(env={"SCIM_AUTH_TYPE": "oauth"}) == (
        "config error: admin.username: required when scim.auth has an oauth credential")
    assert error(env={"SCIM_AUTH_TYPE": "oauth", "SCIM_ADMIN_USERNAME": "root"}) == (
        "config error: admin.password: required (or admin.password_hash)")
    s = load_settings(env={"SCIM_AUTH_TYPE": "oauth", "SCIM_ADMIN_USERNAME": "root", "SCIM_ADMIN_PASSWORD": "pw"})
    assert (s.scim.auth[0].principal, s.admin.username, s.admin.password) == ("oauth", "root", "pw")


def test_an_unknown_auth_type_lists_the_choices() -> None:
    assert error(env={**CREDS, "SCIM_AUTH_TYPE": "digest"}).startswith(
        "config error: scim.auth.type: expected one of basic, bearer, oauth"
    )


def test_a_username_with_a_colon_is_refused_as_basic_auth_cannot_carry_it() -> None:
    assert error(env={**CREDS, "SCIM_AUTH_USERNAME": "a:b"}) == "config error: scim.auth.username: must not contain ':'"


def test_a_disabled_scim_api_needs_no_credentials() -> None:
    assert load_settings(env={"SCIM_ENABLED": "false"}).scim.enabled is False


def test_the_example_config_loads_once_its_placeholder_password_is_replaced() -> None:
    example = str(ROOT / "config.example.yaml")
    assert "scim.auth.password: still the example placeholder" in error(example, env={})
    assert load_settings(example, env={"SCIM_AUTH_PASSWORD": "real"}).scim.auth[0].username == "scim"


# ---- secrets --------------------------------------------------------------------------------


def test_secrets_are_not_in_repr() -> None:
    settings = Settings(
        scim=ScimSettings(auth=(CredentialSettings(username="scim", password="hunter2-password"),)),
        database=DatabaseSettings("postgresql+psycopg://scim:db-password@host/scim"),
        server=ServerSettings(secret_key="signing-key-value"),
    )
    text = repr(settings)
    for secret in ("hunter2-password", "db-password", "signing-key-value"):
        assert secret not in text
    assert "postgresql+psycopg://scim:***@host/scim" in text


@pytest.mark.parametrize(("data", "env", "secret"), [
    ({"scim": {"auth": {"username": "u", "password": 918273645}}}, {}, "918273645"),
    ({"scim": {"auth": {"username": "u", "password": ["pw-in-a-list"]}}}, {}, "pw-in-a-list"),
    ({}, {**CREDS, "SCIM_SERVER_SECRET_KEY": "tooshortkey"}, "tooshortkey"),
    ({}, {**CREDS, "SCIM_DATABASE_URL": "scim:db-password@host"}, "db-password"),
    ({"server": {"secret_key": 12345678}}, CREDS, "12345678"),
])
def test_secret_values_never_appear_in_error_messages(write, data, env, secret: str) -> None:
    assert secret not in error(write(data), env=env)


# ---- extensions -----------------------------------------------------------------------------


def test_extensions_become_domain_schemas(write) -> None:
    full = {"name": "badgeNumber", "type": "string", "multiValued": False, "required": True,
            "caseExact": True, "mutability": "immutable", "returned": "always", "uniqueness": "none",
            "canonicalValues": ["A", "B"], "referenceTypes": [], "description": "Badge", "subAttributes": []}
    manager = {"name": "sponsor", "type": "complex", "subAttributes": [
        {"name": "value"}, {"name": "$ref", "type": "reference", "referenceTypes": ["User"]}]}
    path = write(with_creds({"scim": {"extensions": [
        extension(name="AcmeUser", description="Acme attributes", attributes=[full, manager]),
        extension(schema="urn:example:acme:Group", resource_type="Group", attributes=[{"name": "code"}]),
    ]}}))
    users, groups = extension_schemas(load_settings(path, env={}))
    assert users == (Schema(ACME, "AcmeUser", "Acme attributes", (
        Attribute("badgeNumber", "string", required=True, case_exact=True, mutability="immutable",
                  returned="always", uniqueness="none", canonical_values=("A", "B"), description="Badge"),
        Attribute("sponsor", "complex", sub_attributes=(
            Attribute("value"), Attribute("$ref", "reference", reference_types=("User",)))),
    )),)
    assert groups == (Schema("urn:example:acme:Group", "Group", "", (Attribute("code"),)),)
    assert users[0].attribute("BADGENUMBER") is users[0].attributes[0]


def test_no_extensions_are_configured_by_default() -> None:
    assert extension_schemas(load_settings(env=CREDS)) == ((), ())


def test_build_registry_marks_required_extensions_as_required() -> None:
    ext = ExtensionSettings(ACME, "User", (ExtensionAttributeSettings("x"),), required=True)
    registry = build_registry(Settings(scim=ScimSettings(extensions=(ext,))))
    assert [(s.id, r) for s, r in registry.user.extensions][1:] == [(ACME, True)]
    assert registry.user.extensions[0][1] is False  # the enterprise extension stays optional


def attr(**fields: Any) -> dict[str, Any]:
    return {"name": "badge", **fields}


@pytest.mark.parametrize(("extensions", "key", "problem"), [
    # the YAML shape: required keys, types, and SCIM's camelCase key names
    ([{"resource_type": "User", "attributes": [attr()]}], "[0].schema", "required"),
    ([{"schema": ACME, "attributes": [attr()]}], "[0].resource_type", "required"),
    ([{"schema": ACME, "resource_type": "User"}], "[0].attributes", "required"),
    ([extension(attributes=[{"type": "string"}])], "[0].attributes[0].name", "required"),
    ([extension(attributes=[attr(multiValued="yes")])], "[0].attributes[0].multiValued", "expected a boolean"),
    ([extension(attributes=[attr(canonicalValues="A")])], "[0].attributes[0].canonicalValues", "expected a list"),
    ([extension(attributes=[attr(canonicalValues=[1])])], "[0].attributes[0].canonicalValues[0]",
     "expected a string, got 1"),
    # the domain's rules, reported under the same YAML keys (every rule: test_extension_schemas.py)
    ([extension(schema="example:acme")], "[0].schema", "expected a URN starting with 'urn:'"),
    ([extension(), extension(schema=ACME.upper().replace("URN:", "urn:"))], "[1].schema",
     "duplicates scim.extensions[0]"),
    ([extension(name="")], "[0].name", "must not be empty"),
    ([extension(attributes=[attr(name="Badge"), attr(name="bADGE")])], "[0].attributes[1].name",
     "duplicates scim.extensions[0].attributes[0]"),
    ([extension(attributes=[attr(uniqueness="server")])], "[0].attributes[0].uniqueness", "only 'none' is supported"),
    ([extension(attributes=[attr(type="complex")])], "[0].attributes[0].subAttributes",
     "required for a complex attribute"),
    ([extension(attributes=[attr(type="complex", subAttributes=[attr(type="complex", subAttributes=[attr()])])])],
     "[0].attributes[0].subAttributes[0].type", "a sub-attribute cannot be complex"),
    ([extension(attributes=[attr(referenceTypes=["User"])])], "[0].attributes[0].referenceTypes",
     "allowed only on a reference attribute"),
    ([extension(attributes=[attr(required=True, mutability="readOnly")])], "[0].attributes[0].required",
     "a readOnly attribute cannot be required"),
])
def test_an_extension_error_names_the_yaml_key(write, extensions, key: str, problem: str) -> None:
    message = error(write(with_creds({"scim": {"extensions": extensions}})))
    assert message.startswith(f"config error: scim.extensions{key}: ")
    assert problem in message


def test_extension_schemas_checks_settings_built_in_code_too() -> None:
    ext = ExtensionSettings("not-a-urn", "User", (ExtensionAttributeSettings("x"),))
    with pytest.raises(ConfigError, match=r"scim\.extensions\[0\]\.schema: expected a URN"):
        extension_schemas(Settings(scim=ScimSettings(extensions=(ext,))))


def test_the_limits_default_to_the_domains_and_each_is_configurable(write) -> None:
    assert load_settings(env=CREDS).scim.limits.domain() == DEFAULT_LIMITS
    values = {k: i + 2 for i, k in enumerate(LIMIT_KEYS)}
    limits = load_settings(write(with_creds({"scim": {"limits": values}})), env={}).scim.limits.domain()
    assert {k: getattr(limits, k) for k in LIMIT_KEYS} == values
    policy = load_settings(write(with_creds({"scim": {"limits": values}})), env={})
    assert policy.scim.policy.effective(limits).limits is limits


@pytest.mark.parametrize("key", LIMIT_KEYS)
def test_a_limit_below_its_minimum_names_the_key(write, key: str) -> None:
    assert f"scim.limits.{key}" in error(write(with_creds({"scim": {"limits": {key: 0}}})), env={})


@pytest.mark.parametrize("path", ["openapi.json", "/a b", "/x/../y", "/x?y"])
def test_an_openapi_path_that_is_not_a_plain_path_is_refused(write, path: str) -> None:
    assert "server.openapi_path" in error(write(with_creds({"server": {"openapi_path": path}})), env={})


@pytest.mark.parametrize(("key", "most"), [("filter_depth", 100), ("json_depth", 500)])
def test_the_recursive_limits_have_a_maximum(write, key: str, most: int) -> None:
    assert load_settings(write(with_creds({"scim": {"limits": {key: most}}})), env={})
    assert f"scim.limits.{key}: at most {most}" in error(write(with_creds({"scim": {"limits": {key: most + 1}}})),
                                                        env={})
