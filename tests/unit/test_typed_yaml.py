"""app.typed_yaml: YAML plus environment overrides into frozen dataclasses, one-line errors by key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.typed_yaml import ConfigError, Loader, parse, rule


@dataclass(frozen=True)
class Pool:
    size: int = field(default=4, metadata=rule(minimum=1))
    mode: str = field(default="fifo", metadata=rule(choices=("fifo", "lifo")))
    label: str = field(default="main", metadata=rule(nonempty=True))
    token: str | None = field(default=None, repr=False)  # repr=False: a secret


@dataclass(frozen=True)
class Tag:
    name: str
    max_uses: int = field(default=1, metadata=rule(key="maxUses"))


@dataclass(frozen=True)
class Root:
    debug: bool = False
    retries: int | None = None
    pool: Pool = Pool()
    tags: tuple[Tag, ...] = ()


LOADER = Loader(Root, lambda path: "APP_" + path.upper().replace(".", "_"))


@pytest.fixture
def write(tmp_path: Path):
    """Write a file (a dict, dumped as YAML, or raw text or bytes) and return its path."""

    def _write(content: dict[str, Any] | str | bytes) -> str:
        path = tmp_path / "config.yaml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
        return str(path)

    return _write


def error(path: str | None = None, env: dict[str, str] | None = None) -> str:
    """The ConfigError message, checked to be one line in the documented shape."""
    with pytest.raises(ConfigError) as caught:
        LOADER.load(path, env or {})
    message = str(caught.value)
    assert "\n" not in message and message.startswith("config error: ")
    return message


# ---- the file ---------------------------------------------------------------------------------


def test_no_file_an_empty_file_and_an_empty_section_mean_the_defaults(write) -> None:
    assert LOADER.load(None, {}) == Root()
    assert LOADER.load(write(""), {}) == Root()
    assert LOADER.load(write("pool:\ntags:\n"), {}) == Root()


def test_a_file_sets_nested_keys_lists_and_renamed_keys(write) -> None:
    path = write({"debug": True, "retries": 3, "pool": {"size": 8, "mode": "lifo", "token": "t"},
                  "tags": [{"name": "a"}, {"name": "b", "maxUses": 5}]})
    assert LOADER.load(path, {}) == Root(True, 3, Pool(8, "lifo", "main", "t"), (Tag("a"), Tag("b", 5)))


def test_parse_builds_a_dataclass_from_a_mapping_and_names_keys_under_its_path() -> None:
    assert parse(Tag, {"name": "x", "maxUses": 2}) == Tag("x", 2)
    with pytest.raises(ConfigError, match=r"^config error: app\.tags\[0\]\.name: required$"):
        parse(Tag, {}, "app.tags[0]")
    with pytest.raises(ConfigError, match=r"^config error: top level: expected a mapping, got a list$"):
        parse(Tag, [])


@pytest.mark.parametrize(("data", "message"), [
    ({"pol": {}}, "pol: unknown key"),
    ({"pool": {"sise": 1}}, "pool.sise: unknown key"),
    ({"tags": [{"name": "a", "max_uses": 2}]}, "tags[0].max_uses: unknown key"),  # the YAML name only
    ({"tags": [{"maxUses": 2}]}, "tags[0].name: required"),
    ({"debug": "yes"}, "debug: expected a boolean, got 'yes'"),
    ({"retries": True}, "retries: expected an integer, got true"),
    ({"retries": 1.5}, "retries: expected an integer, got 1.5"),
    ({"pool": {"label": None}}, "pool.label: expected a string, got null"),
    ({"pool": "big"}, "pool: expected a mapping, got 'big'"),
    ({"tags": {"a": 1}}, "tags: expected a list, got a mapping"),
    ({"tags": [{"name": 7}]}, "tags[0].name: expected a string, got 7"),
    ({"pool": {"size": 0}}, "pool.size: must be at least 1, got 0"),
    ({"pool": {"mode": "random"}}, "pool.mode: expected one of fifo, lifo, got 'random'"),
    ({"pool": {"label": "  "}}, "pool.label: must not be empty"),
])
def test_a_wrong_key_type_or_value_names_the_dotted_key(write, data: dict[str, Any], message: str) -> None:
    assert error(write(data)) == "config error: " + message


def test_a_long_value_is_shortened_in_a_message(write) -> None:
    assert error(write({"debug": "y" * 100})).endswith("got '" + "y" * 56 + "...")


@pytest.mark.parametrize(("content", "problem"), [
    ("- a\n- b\n", "the top level must be a mapping, got a list"),
    ("just text\n", "the top level must be a mapping, got a string"),
    (b"debug: \xff\n", "the file is not UTF-8 text"),
])
def test_a_file_that_is_not_a_mapping_of_text_is_an_error(write, content: str | bytes, problem: str) -> None:
    path = write(content)
    assert error(path) == f"config error: {path}: {problem}"


def test_a_missing_file_and_a_directory_are_errors(tmp_path: Path) -> None:
    missing = str(tmp_path / "x.yaml")
    assert error(missing) == f"config error: {missing}: file not found"
    assert error(str(tmp_path)).startswith(f"config error: {tmp_path}: cannot read the file (")


def test_invalid_yaml_is_reported_on_one_line_with_its_position(write) -> None:
    path = write("pool:\n  size: [unclosed\n")
    assert error(path).startswith(f"config error: {path}: invalid YAML at line 3")


def test_a_config_error_is_one_line_even_when_built_from_several() -> None:
    assert str(ConfigError("config error: x: first\nsecond\r\n")) == "config error: x: first second"


# ---- the environment ----------------------------------------------------------------------------


def test_every_scalar_setting_has_a_variable_and_lists_have_none() -> None:
    assert dict(LOADER.env_vars) == {
        "APP_DEBUG": "debug", "APP_RETRIES": "retries", "APP_POOL_SIZE": "pool.size",
        "APP_POOL_MODE": "pool.mode", "APP_POOL_LABEL": "pool.label", "APP_POOL_TOKEN": "pool.token",
    }


def test_variables_override_the_file_converted_to_the_field_type(write) -> None:
    path = write({"debug": False, "pool": {"size": 2, "token": "file"}})
    env = {"APP_DEBUG": "Yes", "APP_RETRIES": "+3", "APP_POOL_SIZE": "16", "APP_POOL_TOKEN": "env",
           "APP_OTHER": "ignored", "APP_TAGS": "[]"}
    assert LOADER.load(path, env) == Root(True, 3, Pool(16, "fifo", "main", "env"))


@pytest.mark.parametrize(("raw", "expected"), [
    ("true", True), ("TRUE", True), ("1", True), ("yes", True),
    ("false", False), ("False", False), ("0", False), ("NO", False),
])
def test_boolean_variables_accept_true_false_1_0_yes_no_in_any_case(raw: str, expected: bool) -> None:
    assert LOADER.load(None, {"APP_DEBUG": raw}).debug is expected


def test_an_empty_variable_unsets_an_optional_setting_only(write) -> None:
    path = write({"retries": 2, "pool": {"token": "t"}})
    assert LOADER.load(path, {"APP_RETRIES": "", "APP_POOL_TOKEN": ""}) == Root()
    assert error(env={"APP_POOL_LABEL": ""}) == "config error: pool.label: must not be empty (from APP_POOL_LABEL)"


@pytest.mark.parametrize(("env", "message"), [
    ({"APP_POOL_SIZE": "two"}, "pool.size: expected an integer, got 'two' (from APP_POOL_SIZE)"),
    ({"APP_RETRIES": "1.5"}, "retries: expected an integer, got '1.5' (from APP_RETRIES)"),
    ({"APP_DEBUG": "maybe"}, "debug: expected a boolean (true/false/1/0/yes/no), got 'maybe' (from APP_DEBUG)"),
    ({"APP_POOL_SIZE": "0"}, "pool.size: must be at least 1, got 0 (from APP_POOL_SIZE)"),
    ({"APP_POOL_MODE": "lru"}, "pool.mode: expected one of fifo, lifo, got 'lru' (from APP_POOL_MODE)"),
])
def test_a_bad_variable_names_the_key_and_the_variable(env: dict[str, str], message: str) -> None:
    assert error(env=env) == "config error: " + message


def test_two_settings_spelling_one_variable_are_refused() -> None:
    with pytest.raises(ValueError, match="map to one environment variable"):
        Loader(Root, lambda path: "APP")


# ---- secrets --------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [918273645, ["pw-in-a-list"], True])
def test_a_secret_value_never_appears_in_a_message(write, token: Any) -> None:
    message = error(write({"pool": {"token": token}}))
    assert message.startswith("config error: pool.token: expected a string, got a ")
    assert "918273645" not in message and "pw-in-a-list" not in message and "true" not in message


def test_the_top_level_of_a_file_is_never_echoed(write) -> None:
    path = write("secret-looking-text\n")
    assert "secret-looking-text" not in error(path)
