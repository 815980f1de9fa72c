"""The resource message of POST and PUT (RFC 7644 §3.3, §3.5.1) loaded with marshmallow: its
`schemas`, `id` and `meta` here, its attributes by the domain's rules (domain.schema.validation)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load

from domain.errors import InvalidSyntax, InvalidValue
from domain.idp.policy import REJECT, Policy
from domain.provisioning.commands import MemberInput
from domain.schema.attributes import ResourceType
from domain.schema.core import ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA
from domain.schema.validation import conform
from domain.schema.values import BadValue, elements, string

ENVELOPE = frozenset({"schemas", "id", "meta"})  # beside the attributes (RFC 7643 §3)
# SCIM's own resource schemas: naming one of another resource type contradicts the endpoint
_SCIM_SCHEMAS = frozenset(s.lower() for s in (USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA))


class Text(fields.Field[str]):
    """A JSON string (RFC 7643 §2.3.1)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> str:
        try:
            return string(value)
        except BadValue as err:
            raise ValidationError(str(err)) from None


class Texts(fields.List[str]):
    """Strings, read like a multi-valued attribute (RFC 7643 §2.4): a lone object is a list of
    one, null elements are dropped."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(Text(), **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> list[str | None]:
        try:
            items = elements(value)
        except BadValue as err:
            raise ValidationError(str(err)) from None
        return super()._deserialize(items, attr, data, **kw)


class Envelope(Schema):
    """`schemas` and `id` of a resource, names matched case-insensitively (RFC 7643 §2.1); null
    is unassigned (§2.5) and `meta`, readOnly, is ignored (RFC 7644 §3.3)."""

    schemas = Texts()
    id = Text()

    @pre_load
    def _canonical_keys(self, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in data.items():
            name = key.lower()
            if name not in ENVELOPE:
                continue
            if name in out:
                raise ValidationError(f"Attribute '{name}' given twice (names are case-insensitive).")
            if value is not None and name != "meta":
                out[name] = value
        return out


@dataclass(frozen=True)
class Loaded:
    """A POST/PUT body, validated: canonical attributes plus what lives beside them."""

    attributes: dict[str, Any]
    password: str | None
    members: tuple[MemberInput, ...] | None
    resource_id: str | None
    schemas: tuple[str, ...]


class ResourceLoader:
    """Loads a resource body for one resource type and policy."""

    def __init__(self, rtype: ResourceType, policy: Policy) -> None:
        self._rtype, self._policy = rtype, policy
        self._envelope = Envelope()

    def load(self, body: dict[str, Any]) -> Loaded:
        """The body's attributes and envelope; InvalidValue names every problem of both."""
        self._check_schemas(body)
        problems: list[str] = []
        try:
            envelope: dict[str, Any] = self._envelope.load(body)
        except ValidationError as err:
            envelope = {}
            problems.append(_describe(err.messages))
        attributes = {k: v for k, v in body.items() if k.lower() not in ENVELOPE}
        try:
            data = conform(self._rtype, attributes, self._policy)
        except InvalidValue as err:
            raise InvalidValue("; ".join([err.detail, *problems])) from None
        if problems:
            raise InvalidValue(problems[0])
        password, members = data.pop("password", None), data.pop("members", None)
        member_inputs = None
        if self._rtype.memberships == "members" and members is not None:
            member_inputs = tuple(_member(m) for m in members)
        return Loaded(data, password, member_inputs, envelope.get("id"), tuple(envelope.get("schemas", ())))

    def _check_schemas(self, body: dict[str, Any]) -> None:
        """`schemas` never names another resource type's schema (a Group URN on /Users); under
        the reject policy it is required and names only this type's schemas and its core one
        (RFC 7643 §3). The lenient presets tolerate a missing one and unknown URNs."""
        raw = next((v for k, v in body.items() if k.lower() == "schemas"), None)
        if raw is None:
            if self._policy.unknown == REJECT:
                raise InvalidValue(f"'schemas' is required: [\"{self._rtype.schema.id}\", ...]")
            return
        if not isinstance(raw, list):
            if self._policy.unknown == REJECT:
                raise InvalidSyntax("'schemas' must be a list of schema URNs")
            return  # the envelope's own check names it (invalidValue)
        mine = {s.lower() for s in self._rtype.schema_ids}
        foreign = [s for s in raw if isinstance(s, str) and s.lower() in _SCIM_SCHEMAS and s.lower() not in mine]
        if foreign:
            raise InvalidValue(f"'schemas' names {', '.join(foreign)}, which is not a schema of "
                               f"{self._rtype.name} (the endpoint is {self._rtype.endpoint})")
        if self._policy.unknown != REJECT:
            return
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
    """One loader per (resource type, policy), built once, never per request."""
    return ResourceLoader(rtype, policy)
