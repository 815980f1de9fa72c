"""marshmallow schemas generated from the domain's schema data, once per resource type and
policy: case-insensitive attribute names in, canonical camelCase out (RFC 7643 §2.1)."""

from __future__ import annotations

import base64
import binascii
import logging
import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load

from domain.errors import InvalidSyntax, InvalidValue
from domain.idp.policy import Policy
from domain.schema.attributes import (
    BINARY,
    BOOLEAN,
    COMPLEX,
    DATETIME,
    DECIMAL,
    INTEGER,
    READ_ONLY,
    Attribute,
    ResourceType,
)
from domain.use_cases.common import MemberInput

log = logging.getLogger(__name__)
IGNORE, REJECT = "ignore", "reject"


class Bool(fields.Field):
    """A JSON boolean; with `strings`, "true"/"false" in any case too (Entra sends "False")."""

    def __init__(self, strings: bool = True, **kw: Any) -> None:
        super().__init__(**kw)
        self.strings = strings

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> bool:
        if isinstance(value, bool):
            return value
        if self.strings and isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValidationError("Not a valid boolean.")


class Int(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValidationError("Not a valid integer.")


class Decimal(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> int | float:
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return value
        raise ValidationError("Not a valid number.")


class Str(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> str:
        if isinstance(value, str):
            return value
        raise ValidationError("Not a valid string.")


class DateTime(Str):
    """xsd:dateTime (RFC 7643 §2.3.5); kept as the client wrote it once it parses."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> str:
        text = super()._deserialize(value, attr, data, **kw)
        try:
            datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError("Not a valid xsd:dateTime.") from None
        return text


class Binary(Str):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> str:
        text = super()._deserialize(value, attr, data, **kw)
        try:
            base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("Not valid base64.") from None
        return text


_SCALARS: dict[str, type[fields.Field]] = {INTEGER: Int, DECIMAL: Decimal, DATETIME: DateTime,
                                           BINARY: Binary}


class ScimSchema(Schema):
    """Base of the generated schemas. Before loading, each key is renamed to its canonical
    attribute name; null values (unassigned, RFC 7643 §2.5) and readOnly attributes
    (RFC 7644 §3.3) are dropped; unknown keys are dropped or rejected by policy."""

    class Meta:
        unknown = RAISE

    canon: dict[str, str] = {}
    read_only: frozenset[str] = frozenset()
    policy: str = IGNORE
    where: str = ""

    @pre_load
    def _canonical_keys(self, data: Any, **kw: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ValidationError(f"Expected an object{self.where}.")
        out: dict[str, Any] = {}
        for key, value in data.items():
            name = self.canon.get(key.lower())
            if name is None:
                if self.policy == REJECT:
                    raise ValidationError(f"Unknown attribute '{key}'{self.where}.")
                log.debug("ignoring unknown attribute %r%s", key, self.where)
                continue
            if name in out:
                raise ValidationError(f"Attribute '{name}' given twice (names are case-insensitive).")
            if value is not None and name not in self.read_only:
                out[name] = value
        return out


class Multi(fields.List):
    """A multi-valued attribute: a lone object is taken as a one-element list (OneLogin sends
    `emails` as an object) and null elements are dropped."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> list[Any]:
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            raise ValidationError("Not a valid list.")
        return super()._deserialize([v for v in value if v is not None], attr, data, **kw)


def _field(attr: Attribute, policy: Policy, where: str) -> fields.Field:
    if attr.type == COMPLEX:
        inner: fields.Field = fields.Nested(_complex_schema(attr, policy, where))
    elif attr.type == BOOLEAN:
        inner = Bool(strings=policy.string_booleans)
    else:
        inner = _SCALARS.get(attr.type, Str)()
    return Multi(inner) if attr.multi_valued else inner


def _schema_class(name: str, attrs: tuple[Attribute, ...], policy: Policy, where: str,
                  extra: dict[str, fields.Field] | None = None) -> type[ScimSchema]:
    declared = {a.name: _field(a, policy, f"{where}.{a.name}" if where else a.name) for a in attrs}
    declared.update(extra or {})
    cls = ScimSchema.from_dict(declared, name=name)
    cls.canon = {(f.data_key or k).lower(): f.data_key or k for k, f in declared.items()}
    cls.read_only = frozenset(a.name for a in attrs if a.mutability == READ_ONLY)
    cls.policy, cls.where = policy.unknown, f" in '{where}'" if where else ""
    return cls  # type: ignore[return-value]


def _complex_schema(attr: Attribute, policy: Policy, where: str) -> type[ScimSchema]:
    return _schema_class(f"Complex_{attr.name}", attr.sub_attributes, policy, where)


@dataclass(frozen=True)
class Loaded:
    """A POST/PUT body, validated: canonical attributes plus what lives beside them."""

    attributes: dict[str, Any]
    password: str | None
    members: tuple[MemberInput, ...] | None
    resource_id: str | None
    schemas: tuple[str, ...]


class ResourceLoader:
    """Loads a resource body for one resource type (built once per type and policy)."""

    def __init__(self, rtype: ResourceType, policy: Policy) -> None:
        self._rtype, self._policy = rtype, policy
        extra: dict[str, fields.Field] = {
            "schemas": Multi(Str()), "id": Str(), "meta": fields.Raw(), "externalId": Str(),
        }
        # Extension URNs contain dots, which marshmallow would read as nesting: load each under a
        # plain field name and rename it back afterwards.
        self._ext_names = {f"ext{i}": ext.id for i, (ext, _) in enumerate(rtype.extensions)}
        for i, (ext, _) in enumerate(rtype.extensions):
            nested = _schema_class(ext.name, ext.attributes, policy, ext.id)
            extra[f"ext{i}"] = fields.Nested(nested, data_key=ext.id)
        self._schema = _schema_class(rtype.name, rtype.schema.attributes, policy, "", extra)()
        self._schema.__class__.read_only = self._schema.read_only | {"meta"}

    def load(self, body: dict[str, Any]) -> Loaded:
        self._check_schemas(body)
        try:
            data: dict[str, Any] = self._schema.load(body)
        except ValidationError as err:
            raise InvalidValue(_describe(err.messages)) from None
        for field_name, urn in self._ext_names.items():
            if field_name in data:
                data[urn] = data.pop(field_name)
        schemas = tuple(data.pop("schemas", ()))
        resource_id = data.pop("id", None)
        password = data.pop("password", None)
        members = data.pop("members", None)
        member_inputs = None
        if self._rtype.name == "Group" and members is not None:
            member_inputs = tuple(_member(m) for m in members)
        _one_primary(data, self._rtype)
        _prune(data)
        return Loaded(data, password, member_inputs, resource_id, schemas)

    def _check_schemas(self, body: dict[str, Any]) -> None:
        raw = next((v for k, v in body.items() if k.lower() == "schemas"), None)
        if raw is None or self._policy.unknown != REJECT:
            return
        if not isinstance(raw, list):
            raise InvalidSyntax("'schemas' must be a list of schema URNs")
        known = {s.lower() for s in self._rtype.schema_ids}
        unknown = [s for s in raw if not isinstance(s, str) or s.lower() not in known]
        if unknown:
            raise InvalidValue(f"unknown schema URN(s): {', '.join(map(str, unknown))}")
        if self._rtype.schema.id.lower() not in {s.lower() for s in raw}:
            raise InvalidValue(f"'schemas' must contain {self._rtype.schema.id}")


def _member(m: dict[str, Any]) -> MemberInput:
    value = m.get("value")
    if not isinstance(value, str) or not value:
        raise InvalidValue("every member needs a 'value' (the member's id)")
    return MemberInput(value, m.get("type"))


def _one_primary(data: dict[str, Any], rtype: ResourceType) -> None:
    """RFC 7643 §2.4: 'primary' true appears at most once; the first one wins (Ping marks two)."""
    for attr in rtype.schema.attributes:
        values = data.get(attr.name)
        if attr.multi_valued and attr.sub("primary") and isinstance(values, list):
            seen = False
            for v in values:
                if v.get("primary") is True:
                    if seen:
                        v["primary"] = False
                    seen = True


def _prune(data: dict[str, Any]) -> None:
    """Drop empty objects and arrays: unassigned, like null (RFC 7643 §2.5)."""
    for key in list(data):
        value = data[key]
        if isinstance(value, dict):
            _prune(value)
        elif isinstance(value, list):
            for element in value:
                if isinstance(element, dict):
                    _prune(element)
            value[:] = [v for v in value if v != {}]
        if value in ({}, []):
            del data[key]


def _describe(messages: Any, prefix: str = "") -> str:
    """Flatten marshmallow's nested messages into one line."""
    if isinstance(messages, dict):
        parts = []
        for key, value in messages.items():
            if key == "_schema":
                name = prefix
            elif isinstance(key, int):
                name = f"{prefix.rstrip('.')}[{key}]."
            else:
                name = f"{prefix}{key}."
            parts.append(_describe(value, name))
        return "; ".join(parts)
    if isinstance(messages, list):
        return "; ".join(_describe(m, prefix) for m in messages)
    where = prefix.rstrip(".")
    return f"{where}: {messages}" if where else str(messages)


@lru_cache(maxsize=32)
def loader_for(rtype: ResourceType, policy: Policy) -> ResourceLoader:
    """One loader per (resource type, policy): schemas are built once, never per request."""
    return ResourceLoader(rtype, policy)


__all__ = ["Loaded", "ResourceLoader", "loader_for"]


class SchemaValidator:
    """The ResourceValidator port on the generated schemas: PATCH results are checked by the
    same rules as POST and PUT bodies."""

    def __init__(self, policy: Policy | None = None) -> None:
        self._policy = policy or Policy()

    def validate(self, rtype: ResourceType, data: dict[str, Any]) -> dict[str, Any]:
        return loader_for(rtype, self._policy).load(data).attributes
