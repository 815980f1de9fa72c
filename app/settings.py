"""Configuration: a YAML file plus SCIM_* environment overrides, checked into frozen dataclasses."""

from __future__ import annotations

import os
import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass, replace
from typing import Any

import yaml

from domain.idp.policy import PRESETS, Policy, policy_for
from domain.schema.attributes import (
    COMPLEX,
    MUTABILITIES,
    READ_ONLY,
    REFERENCE,
    RETURNS,
    TYPES,
    UNIQUENESS,
    Attribute,
    Schema,
)
from domain.schema.core import ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA
from domain.schema.registry import Registry, default_registry

MEMORY_URL = "memory://"
# config.example.yaml's password: refused, so that copying the example never ships a known secret.
PLACEHOLDER_PASSWORD = "change-me"


class ConfigError(Exception):
    """A configuration problem. str() is one line, "config error: <key>: <problem>"."""

    def __init__(self, message: str) -> None:
        super().__init__(re.sub(r"\s*[\r\n]+\s*", " ", str(message).strip()))


def _fail(key: str, problem: str) -> typing.NoReturn:
    raise ConfigError(f"config error: {key}: {problem}")


def _rule(**rules: Any) -> dict[str, Any]:
    """Field metadata: `key` (YAML name when not the field name), `choices`, `minimum`, `nonempty`."""
    return rules


@dataclass(frozen=True)
class AuthSettings:
    type: str = field(default="basic", metadata=_rule(choices=("basic", "bearer", "oauth")))
    username: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PolicySettings:
    """IdP tolerances: a preset, and switches that override it (null: the preset's value).
    domain/policy.py documents each switch."""

    preset: str = field(default="default", metadata=_rule(choices=tuple(PRESETS)))
    unknown: str | None = field(default=None, metadata=_rule(choices=("ignore", "reject")))
    string_booleans: bool | None = None
    remove_value_list: bool | None = None
    unmatched_filter: str | None = field(default=None, metadata=_rule(choices=("create", "noTarget")))
    unknown_members: str | None = field(default=None, metadata=_rule(choices=("reject", "ignore-and-report")))
    patch_response: int | None = field(default=None, metadata=_rule(choices=(200, 204)))

    def effective(self) -> Policy:
        return policy_for(
            self.preset, unknown=self.unknown, string_booleans=self.string_booleans,
            remove_value_list=self.remove_value_list, unmatched_filter=self.unmatched_filter,
            unknown_members=self.unknown_members, patch_response=self.patch_response,
        )


@dataclass(frozen=True)
class ExtensionAttributeSettings:
    """One attribute of an admin-declared extension; YAML keys are SCIM's (RFC 7643 §7)."""

    name: str
    type: str = "string"
    multi_valued: bool = field(default=False, metadata=_rule(key="multiValued"))
    required: bool = False
    case_exact: bool = field(default=False, metadata=_rule(key="caseExact"))
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    canonical_values: tuple[str, ...] = field(default=(), metadata=_rule(key="canonicalValues"))
    reference_types: tuple[str, ...] = field(default=(), metadata=_rule(key="referenceTypes"))
    description: str = ""
    sub_attributes: tuple[ExtensionAttributeSettings, ...] = field(
        default=(), metadata=_rule(key="subAttributes")
    )


@dataclass(frozen=True)
class ExtensionSettings:
    """An extension schema declared by the admin (IdPs send custom URNs); see extension_schemas()."""

    schema: str
    resource_type: str
    attributes: tuple[ExtensionAttributeSettings, ...]
    name: str | None = None  # default: the URN's last segment
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class ScimSettings:
    enabled: bool = True
    auth: AuthSettings = AuthSettings()
    policy: PolicySettings = PolicySettings()
    default_count: int = field(default=100, metadata=_rule(minimum=1))
    max_results: int = field(default=1000, metadata=_rule(minimum=1))
    max_members_per_request: int = field(default=10000, metadata=_rule(minimum=1))
    extensions: tuple[ExtensionSettings, ...] = ()


def redact_url(url: str) -> str:
    """The URL with any password replaced by ***, for logs and repr."""
    return re.sub(r"(://[^/@:]*:)[^@]*@", r"\1***@", url)


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = field(default="sqlite:///scim.db", metadata=_rule(nonempty=True))
    # a search that runs longer is stopped and answered 400 tooMany (0: no limit)
    search_timeout_ms: int = field(default=5000, metadata=_rule(minimum=0))

    def __repr__(self) -> str:  # the URL may carry the database password
        return f"DatabaseSettings(url={redact_url(self.url)!r}, search_timeout_ms={self.search_timeout_ms})"

    @property
    def in_memory(self) -> bool:
        return self.url == MEMORY_URL


@dataclass(frozen=True)
class ServerSettings:
    trusted_proxies: int = field(default=0, metadata=_rule(minimum=0))
    secret_key: str | None = field(default=None, repr=False)
    max_body_bytes: int = field(default=1048576, metadata=_rule(minimum=1))


@dataclass(frozen=True)
class Settings:
    scim: ScimSettings = ScimSettings()
    database: DatabaseSettings = DatabaseSettings()
    server: ServerSettings = ServerSettings()


# ---- parsing: the dataclasses' own type hints drive the checks -------------------------------


def _key(f: Field[Any]) -> str:
    return f.metadata.get("key", f.name)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _describe(value: Any, secret: bool) -> str:
    """What was found, for an error message; a secret's value is never shown."""
    kind = (
        "null" if value is None
        else "a boolean" if isinstance(value, bool)
        else "a number" if isinstance(value, int | float)
        else "a string" if isinstance(value, str)
        else "a list" if isinstance(value, list)
        else "a mapping" if isinstance(value, dict)
        else f"a {type(value).__name__}"
    )
    if secret or value is None or isinstance(value, list | dict):
        return kind
    if isinstance(value, bool):
        return str(value).lower()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_EXPECTED = {bool: "a boolean", int: "an integer", str: "a string"}


def _optional(tp: Any) -> tuple[Any, bool]:
    """(T, True) for `T | None`, else (tp, False)."""
    if isinstance(tp, types.UnionType) and type(None) in tp.__args__:
        (inner,) = (a for a in tp.__args__ if a is not type(None))
        return inner, True
    return tp, False


def _parse(tp: Any, value: Any, path: str, secret: bool = False) -> Any:
    tp, nullable = _optional(tp)
    if value is None and nullable:
        return None
    if is_dataclass(tp):
        return _parse_dataclass(tp, {} if value is None else value, path)
    if typing.get_origin(tp) is tuple:
        if value is None:  # `key:` with nothing under it: an empty list
            return ()
        if not isinstance(value, list):
            _fail(path, f"expected a list, got {_describe(value, secret)}")
        item = typing.get_args(tp)[0]
        return tuple(_parse(item, v, f"{path}[{i}]", secret) for i, v in enumerate(value))
    # bool is a subclass of int, so "an integer" must exclude it explicitly.
    if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
        _fail(path, f"expected {_EXPECTED[tp]}, got {_describe(value, secret)}")
    return value


def _parse_dataclass(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, Mapping):
        _fail(path or "top level", f"expected a mapping, got {_describe(data, False)}")
    hints = typing.get_type_hints(cls)
    by_key = {_key(f): f for f in fields(cls)}
    for key in data:
        if key not in by_key:
            _fail(_join(path, str(key)), "unknown key")
    values = {}
    for key, f in by_key.items():
        where = _join(path, key)
        if key in data:
            values[f.name] = _parse(hints[f.name], data[key], where, secret=not f.repr)
            _check_rules(f, values[f.name], where)
        elif f.default is MISSING and f.default_factory is MISSING:
            _fail(where, "required")
    return cls(**values)


def _check_rules(f: Field[Any], value: Any, where: str, suffix: str = "") -> None:
    rules = f.metadata
    if value is None:
        return
    if "choices" in rules and value not in rules["choices"]:
        _fail(where, f"expected one of {', '.join(map(str, rules['choices']))}, got {value!r}{suffix}")
    if "minimum" in rules and value < rules["minimum"]:
        _fail(where, f"must be at least {rules['minimum']}, got {value}{suffix}")
    if rules.get("nonempty") and not value.strip():
        _fail(where, f"must not be empty{suffix}")


# ---- environment overrides ------------------------------------------------------------------


def _scalars(cls: type, path: str = "") -> Iterator[tuple[str, Field[Any], Any]]:
    """(dotted path, field, type) of every scalar setting, extensions excluded (they are lists)."""
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        tp, where = hints[f.name], _join(path, _key(f))
        if is_dataclass(tp):
            yield from _scalars(tp, where)
        elif _optional(tp)[0] in _EXPECTED:
            yield where, f, tp


def _env_name(path: str) -> str:
    return "SCIM_" + path.removeprefix("scim.").upper().replace(".", "_")


_ENV = {_env_name(path): (path, f, tp) for path, f, tp in _scalars(Settings)}
assert len(_ENV) == len(list(_scalars(Settings))), "two settings map to one SCIM_* variable"

#: The environment variables read, each with the dotted setting it overrides.
ENV_VARS: Mapping[str, str] = {name: path for name, (path, _, _) in _ENV.items()}

_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


def _from_env(name: str, raw: str) -> Any:
    path, f, tp = _ENV[name]
    inner, nullable = _optional(tp)
    suffix = f" (from {name})"
    if nullable and raw == "":  # an empty variable unsets an optional setting
        return None
    if inner is bool and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    if inner is int and re.fullmatch(r"[+-]?[0-9]+", raw.strip()):
        value = int(raw)
    elif inner is str:
        value = raw
    else:
        hint = " (true/false/1/0/yes/no)" if inner is bool else ""
        _fail(path, f"expected {_EXPECTED[inner]}{hint}, got {_describe(raw, not f.repr)}{suffix}")
    _check_rules(f, value, path, suffix)
    return value


def _set(obj: Any, keys: list[str], value: Any) -> Any:
    """A copy of the dataclass tree `obj` with the setting at `keys` (YAML names) replaced."""
    f = next(f for f in fields(obj) if _key(f) == keys[0])
    new = value if len(keys) == 1 else _set(getattr(obj, f.name), keys[1:], value)
    return replace(obj, **{f.name: new})


# ---- loading ---------------------------------------------------------------------------------


def _read(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        _fail(path, "file not found")
    except OSError as exc:
        _fail(path, f"cannot read the file ({exc.strerror})")
    except UnicodeDecodeError:
        _fail(path, "the file is not UTF-8 text")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        _fail(path, f"invalid YAML{where}: {getattr(exc, 'problem', None) or 'syntax error'}")


def load_settings(path: str | None = None, env: Mapping[str, str] = os.environ) -> Settings:
    """Settings from `path` (else $SCIM_CONFIG, else defaults), then SCIM_* overrides, checked."""
    path = path or env.get("SCIM_CONFIG") or None
    data = _read(path) if path else None
    if data is not None and not isinstance(data, Mapping):
        _fail(str(path), f"the top level must be a mapping, got {_describe(data, True)}")
    settings = _parse_dataclass(Settings, data or {}, "")
    for name in _ENV:
        if name in env:
            settings = _set(settings, _ENV[name][0].split("."), _from_env(name, env[name]))
    check_settings(settings)
    return settings


def check_settings(settings: Settings) -> None:
    """The rules that span fields; raises ConfigError. load_settings() calls it."""
    scim, auth = settings.scim, settings.scim.auth
    if auth.type != "basic":
        _fail("scim.auth.type", f"{auth.type!r} is not supported yet (only basic is)")
    if scim.enabled:  # a disabled SCIM API needs no credentials
        for key, value in (("username", auth.username), ("password", auth.password)):
            if not value:
                _fail(f"scim.auth.{key}", "required when scim.auth.type is basic")
        if auth.password == PLACEHOLDER_PASSWORD:
            _fail("scim.auth.password", "still the example placeholder; set a real one (SCIM_AUTH_PASSWORD)")
        if ":" in (auth.username or ""):  # RFC 7617: the user-id cannot contain a colon
            _fail("scim.auth.username", "must not contain ':'")
    if scim.default_count > scim.max_results:
        _fail("scim.default_count", f"must not exceed scim.max_results ({scim.max_results})")
    url = settings.database.url
    if url != MEMORY_URL and not re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", url):
        # The value is not echoed: a database URL may carry a password.
        _fail("database.url", "expected a URL like sqlite:///scim.db, postgresql+psycopg://... or memory://")
    if settings.server.secret_key is not None and len(settings.server.secret_key) < 16:
        _fail("server.secret_key", "must be at least 16 characters")
    extension_schemas(settings)


# ---- extensions -> domain schemas ------------------------------------------------------------

# URNs defined by RFC 7643/7644 themselves: an extension may not take one over.
RESERVED_URNS = frozenset({
    USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA,
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
    "urn:ietf:params:scim:schemas:core:2.0:ResourceType",
    "urn:ietf:params:scim:schemas:core:2.0:Schema",
})
_URN = re.compile(r"urn:[A-Za-z0-9][A-Za-z0-9-]*:\S+", re.IGNORECASE)
_ATTRNAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")  # RFC 7643 §2.1 ATTRNAME
_ENUMS = (("type", TYPES), ("mutability", MUTABILITIES), ("returned", RETURNS), ("uniqueness", UNIQUENESS))


def _attributes(
    items: tuple[ExtensionAttributeSettings, ...], path: str, nested: bool
) -> tuple[Attribute, ...]:
    seen: dict[str, int] = {}
    out = []
    for i, a in enumerate(items):
        where = f"{path}[{i}]"
        # "$ref" is ATTRNAME's one exception (RFC 7643 §2.1), meaningful only inside a complex value.
        if not (_ATTRNAME.fullmatch(a.name) or (nested and a.name == "$ref")):
            _fail(f"{where}.name", f"expected a letter then letters, digits, '-' or '_', got {a.name!r}")
        if a.name.lower() in seen:  # attribute names are case-insensitive (RFC 7643 §2.1)
            _fail(f"{where}.name", f"{a.name!r} duplicates {path}[{seen[a.name.lower()]}]")
        seen[a.name.lower()] = i
        for key, allowed in _ENUMS:
            if (value := getattr(a, key)) not in allowed:
                _fail(f"{where}.{key}", f"expected one of {', '.join(sorted(allowed))}, got {value!r}")
        subs: tuple[Attribute, ...] = ()
        if a.type == COMPLEX:
            if nested:
                _fail(f"{where}.type", "a sub-attribute cannot be complex")
            if not a.sub_attributes:
                _fail(f"{where}.subAttributes", "required for a complex attribute")
            subs = _attributes(a.sub_attributes, f"{where}.subAttributes", nested=True)
        elif a.sub_attributes:
            _fail(f"{where}.subAttributes", "allowed only on a complex attribute")
        if a.uniqueness != "none":  # honest about what the stores enforce: only userName
            _fail(f"{where}.uniqueness", "only 'none' is supported on extension attributes (not enforced otherwise)")
        if a.reference_types and a.type != REFERENCE:
            _fail(f"{where}.referenceTypes", "allowed only on a reference attribute")
        if a.required and a.mutability == READ_ONLY:  # no client could ever supply it
            _fail(f"{where}.required", "a readOnly attribute cannot be required")
        out.append(Attribute(
            a.name, a.type, multi_valued=a.multi_valued, required=a.required, case_exact=a.case_exact,
            mutability=a.mutability, returned=a.returned, uniqueness=a.uniqueness,
            canonical_values=a.canonical_values, reference_types=a.reference_types,
            sub_attributes=subs, description=a.description,
        ))
    return tuple(out)


def extension_schemas(settings: Settings) -> tuple[tuple[Schema, ...], tuple[Schema, ...]]:
    """The configured extensions as domain Schemas: (User extensions, Group extensions)."""
    reserved = {u.lower() for u in RESERVED_URNS}
    seen: dict[str, int] = {}
    users: list[Schema] = []
    groups: list[Schema] = []
    for i, ext in enumerate(settings.scim.extensions):
        where = f"scim.extensions[{i}]"
        urn = ext.schema
        if not _URN.fullmatch(urn):
            _fail(f"{where}.schema", f"expected a URN starting with 'urn:', got {urn!r}")
        if urn.lower() in reserved:
            _fail(f"{where}.schema", f"{urn!r} is defined by SCIM itself")
        if urn.lower() in seen:  # schema URNs compare case-insensitively in ResourceType.extension()
            _fail(f"{where}.schema", f"{urn!r} duplicates scim.extensions[{seen[urn.lower()]}]")
        seen[urn.lower()] = i
        if ext.resource_type not in ("User", "Group"):
            _fail(f"{where}.resource_type", f"expected one of User, Group, got {ext.resource_type!r}")
        if not ext.attributes:
            _fail(f"{where}.attributes", "must not be empty")
        name = ext.name if ext.name is not None else urn.rsplit(":", 1)[-1]
        if not name.strip():
            _fail(f"{where}.name", "must not be empty")
        schema = Schema(urn, name, ext.description, _attributes(ext.attributes, f"{where}.attributes", False))
        (users if ext.resource_type == "User" else groups).append(schema)
    return tuple(users), tuple(groups)


def build_registry(settings: Settings) -> Registry:
    """default_registry() with the configured extensions, honouring each one's `required` flag
    (default_registry() alone marks every extension optional)."""
    required = {e.schema.lower() for e in settings.scim.extensions if e.required}
    registry = default_registry(*extension_schemas(settings))
    return Registry(tuple(
        replace(t, extensions=tuple((s, r or s.id.lower() in required) for s, r in t.extensions))
        for t in registry.types
    ))
