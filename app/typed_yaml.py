"""Typed YAML: a YAML file plus environment overrides, parsed into frozen dataclasses by their hints."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import MISSING, Field, fields, is_dataclass, replace
from typing import Any, Generic, NamedTuple, NoReturn, TypeVar

import yaml

T = TypeVar("T")


class ConfigError(Exception):
    """A configuration problem. str() is one line, "config error: <key>: <problem>"."""

    def __init__(self, message: str) -> None:
        super().__init__(re.sub(r"\s*[\r\n]+\s*", " ", str(message).strip()))


def fail(key: str, problem: str) -> NoReturn:
    """Raise the ConfigError for `key` (a dotted key, or a file name) and its `problem`."""
    raise ConfigError(f"config error: {key}: {problem}")


def rule(
    *,
    key: str | None = None,
    choices: Iterable[object] | None = None,
    minimum: int | None = None,
    nonempty: bool = False,
    single: bool = False,
) -> dict[str, Any]:
    """Field metadata the loader honours: `key`, the YAML name when it is not the field's name;
    `choices`, the values allowed; `minimum`, the smallest number allowed; `nonempty`, a string
    that is not blank; `single`, on a tuple of dataclasses: a mapping (or nothing) there is a
    list of one, whose scalars the environment can set (`path.field`) while it is the only item.
    Rules apply to values from the file and from the environment alike."""
    rules = {"key": key, "choices": None if choices is None else tuple(choices),
             "minimum": minimum, "nonempty": nonempty or None, "single": single or None}
    return {name: value for name, value in rules.items() if value is not None}


# ---- parsing: the dataclasses' own type hints drive the checks -------------------------------
#
# Supported field types: bool, int, str, a nested dataclass, tuple[T, ...] (a YAML list) and
# `T | None` of any of these. A field declared with repr=False is a secret: its value is never
# shown in an error message.

_EXPECTED = {bool: "a boolean", int: "an integer", str: "a string"}


def _key(f: Field[Any]) -> str:
    return str(f.metadata.get("key", f.name))


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
    if isinstance(tp, type) and is_dataclass(tp):
        return parse(tp, {} if value is None else value, path)
    if typing.get_origin(tp) is tuple:
        if value is None:  # `key:` with nothing under it: an empty list
            return ()
        if not isinstance(value, list):
            fail(path, f"expected a list, got {_describe(value, secret)}")
        item = typing.get_args(tp)[0]
        return tuple(_parse(item, v, f"{path}[{i}]", secret) for i, v in enumerate(value))
    # bool is a subclass of int, so "an integer" must exclude it explicitly.
    if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
        fail(path, f"expected {_EXPECTED[tp]}, got {_describe(value, secret)}")
    return value


def parse(cls: type[T], data: Any, path: str = "") -> T:
    """`data` (a YAML mapping) as the dataclass `cls`, whose dotted key is `path` ("": the top
    level). Unknown keys, missing required fields, wrong types and broken rules raise ConfigError
    naming the dotted key; a missing optional field takes its default."""
    if not isinstance(data, Mapping):
        fail(path or "top level", f"expected a mapping, got {_describe(data, False)}")
    hints = typing.get_type_hints(cls)
    by_key = {_key(f): f for f in fields(cls)}  # type: ignore[arg-type]
    for key in data:
        if key not in by_key:
            fail(_join(path, str(key)), "unknown key")
    values = {}
    for key, f in by_key.items():
        where = _join(path, key)
        if key in data and f.metadata.get("single") and (data[key] is None or isinstance(data[key], Mapping)):
            values[f.name] = (parse(typing.get_args(hints[f.name])[0], data[key] or {}, where),)
        elif key in data and f.metadata.get("single") and not isinstance(data[key], list):
            fail(where, f"expected a mapping or a list, got {_describe(data[key], False)}")
        elif key in data:
            values[f.name] = _parse(hints[f.name], data[key], where, secret=not f.repr)
            _check_rules(f, values[f.name], where)
        elif f.default is MISSING and f.default_factory is MISSING:
            fail(where, "required")
    return cls(**values)


def _check_rules(f: Field[Any], value: Any, where: str, suffix: str = "") -> None:
    rules = f.metadata
    if value is None:
        return
    if "choices" in rules and value not in rules["choices"]:
        fail(where, f"expected one of {', '.join(map(str, rules['choices']))}, got {value!r}{suffix}")
    if "minimum" in rules and value < rules["minimum"]:
        fail(where, f"must be at least {rules['minimum']}, got {value}{suffix}")
    if rules.get("nonempty") and not value.strip():
        fail(where, f"must not be empty{suffix}")


def _read(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        fail(path, "file not found")
    except OSError as exc:
        fail(path, f"cannot read the file ({exc.strerror})")
    except UnicodeDecodeError:
        fail(path, "the file is not UTF-8 text")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        fail(path, f"invalid YAML{where}: {getattr(exc, 'problem', None) or 'syntax error'}")


# ---- environment overrides ------------------------------------------------------------------


class _Scalar(NamedTuple):
    path: str  # dotted YAML key
    field: Field[Any]
    type: Any


def _scalars(cls: type, path: str = "") -> Iterator[_Scalar]:
    """Every scalar setting under `cls`; lists are left out (no variable can spell one), except
    the only item of a `single` one."""
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        tp, where = hints[f.name], _join(path, _key(f))
        if is_dataclass(tp):
            yield from _scalars(tp, where)  # type: ignore[arg-type]
        elif f.metadata.get("single"):
            yield from _scalars(typing.get_args(tp)[0], where)
        elif _optional(tp)[0] in _EXPECTED:
            yield _Scalar(where, f, tp)


_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


def _from_env(name: str, raw: str, scalar: _Scalar) -> Any:
    """The variable `name`'s text `raw` as the setting's type, its rules checked."""
    inner, nullable = _optional(scalar.type)
    suffix = f" (from {name})"
    if nullable and raw == "":  # an empty variable unsets an optional setting
        return None
    if inner is bool and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    if inner is int and re.fullmatch(r"[+-]?[0-9]+", raw.strip()):
        value: Any = int(raw)
    elif inner is str:
        value = raw
    else:
        hint = " (true/false/1/0/yes/no)" if inner is bool else ""
        secret = not scalar.field.repr
        fail(scalar.path, f"expected {_EXPECTED[inner]}{hint}, got {_describe(raw, secret)}{suffix}")
    _check_rules(scalar.field, value, scalar.path, suffix)
    return value


def _set(obj: Any, keys: list[str], value: Any, name: str, path: str = "") -> Any:
    """A copy of the dataclass tree `obj` with the setting at `keys` (YAML names) replaced; the
    variable `name` sets it."""
    f = next(f for f in fields(obj) if _key(f) == keys[0])
    where, inner = _join(path, keys[0]), getattr(obj, f.name)
    if len(keys) == 1:
        new = value
    elif isinstance(inner, tuple):  # a `single` list: only its one item can be meant
        if len(inner) != 1:
            fail(where, f"{name} can set it only when it holds one item, not {len(inner)}")
        new = (_set(inner[0], keys[1:], value, name, where),)
    else:
        new = _set(inner, keys[1:], value, name, where)
    return replace(obj, **{f.name: new})


# ---- loading ---------------------------------------------------------------------------------


class Loader(Generic[T]):
    """Loads the dataclass `root` from a YAML file, then from environment variables: each scalar
    setting (bool, int, str, or one of these | None) is overridden by the variable
    `env_name(dotted key)`. Booleans read true/false/1/0/yes/no in any case, and an empty variable
    sets an optional setting to None. Every problem raises a one-line ConfigError naming the key."""

    def __init__(self, root: type[T], env_name: Callable[[str], str]) -> None:
        self.root = root
        scalars = list(_scalars(root))
        self._env = {env_name(s.path): s for s in scalars}
        if len(self._env) != len(scalars):
            raise ValueError(f"two settings of {root.__name__} map to one environment variable")

    @property
    def env_vars(self) -> Mapping[str, str]:
        """The environment variables read, each with the dotted key it overrides."""
        return types.MappingProxyType({name: s.path for name, s in self._env.items()})

    def load(self, path: str | None, env: Mapping[str, str]) -> T:
        """The root from the file at `path` (None: no file, the defaults), then `env`'s overrides
        applied in field order. An empty file means the defaults too."""
        data = _read(path) if path else None
        if data is not None and not isinstance(data, Mapping):  # shown by kind only: it may be a secret
            fail(str(path), f"the top level must be a mapping, got {_describe(data, True)}")
        loaded = parse(self.root, data or {})
        for name, scalar in self._env.items():
            if name in env:
                loaded = _set(loaded, scalar.path.split("."), _from_env(name, env[name], scalar), name)
        return loaded
