"""Admin-declared extension schemas (RFC 7643 §3.3, §7): the rules a declaration obeys, and its Schema."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol, TypeAlias

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

# URNs defined by RFC 7643/7644 themselves: an extension may not take one over.
RESERVED_URNS = frozenset({
    USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA,
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
    "urn:ietf:params:scim:schemas:core:2.0:ResourceType",
    "urn:ietf:params:scim:schemas:core:2.0:Schema",
})
RESOURCE_TYPES = ("User", "Group")  # the resource types an extension can extend
_RESERVED = frozenset(urn.lower() for urn in RESERVED_URNS)
_URN = re.compile(r"urn:[A-Za-z0-9][A-Za-z0-9-]*:\S+", re.IGNORECASE)
_ATTRNAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")  # RFC 7643 §2.1 ATTRNAME


class InvalidExtension(ValueError):
    """A declaration breaks a rule. `key` is the offending key path (under the `path` the caller
    gave), `problem` says what is wrong; str() is "<key>: <problem>"."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


class AttributeDeclaration(Protocol):
    """One declared attribute; the fields are Attribute's (RFC 7643 §7 characteristics)."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def multi_valued(self) -> bool: ...
    @property
    def required(self) -> bool: ...
    @property
    def case_exact(self) -> bool: ...
    @property
    def mutability(self) -> str: ...
    @property
    def returned(self) -> str: ...
    @property
    def uniqueness(self) -> str: ...
    @property
    def canonical_values(self) -> Sequence[str]: ...
    @property
    def reference_types(self) -> Sequence[str]: ...
    @property
    def description(self) -> str: ...
    @property
    def sub_attributes(self) -> Sequence[AttributeDeclaration]: ...


class ExtensionDeclaration(Protocol):
    """One declared extension schema: its URN, the resource type it extends, its attributes,
    its name (None: the URN's last segment), and whether resources must carry it."""

    @property
    def schema(self) -> str: ...
    @property
    def resource_type(self) -> str: ...
    @property
    def attributes(self) -> Sequence[AttributeDeclaration]: ...
    @property
    def name(self) -> str | None: ...
    @property
    def description(self) -> str: ...
    @property
    def required(self) -> bool: ...


Extensions: TypeAlias = tuple[tuple[Schema, ...], tuple[Schema, ...]]  # (User extensions, Group extensions)


def extension_schemas(declarations: Sequence[ExtensionDeclaration], path: str) -> Extensions:
    """The declarations as Schemas, in order, split by resource type. `path` is where the
    declarations sit (e.g. "scim.extensions"): each InvalidExtension names a key under it."""
    seen: dict[str, int] = {}
    by_type: dict[str, list[Schema]] = {"User": [], "Group": []}
    for i, ext in enumerate(declarations):
        where = f"{path}[{i}]"
        _check_urn(ext.schema, f"{where}.schema")
        # Schema URNs compare case-insensitively (ResourceType.extension()).
        if (first := seen.setdefault(ext.schema.lower(), i)) != i:
            raise InvalidExtension(f"{where}.schema", f"{ext.schema!r} duplicates {path}[{first}]")
        schema = _schema(ext, where)  # checks resource_type first
        by_type[ext.resource_type].append(schema)
    return tuple(by_type["User"]), tuple(by_type["Group"])


def extension_registry(declarations: Sequence[ExtensionDeclaration], path: str) -> Registry:
    """default_registry() with the declared extensions, each required when its declaration says
    so (default_registry() alone marks every extension optional). Raises InvalidExtension."""
    required = {e.schema.lower() for e in declarations if e.required}
    registry = default_registry(*extension_schemas(declarations, path))
    return Registry(tuple(
        replace(t, extensions=tuple((s, r or s.id.lower() in required) for s, r in t.extensions))
        for t in registry.types
    ))


def _check_urn(urn: str, key: str) -> None:
    if not _URN.fullmatch(urn):
        raise InvalidExtension(key, f"expected a URN starting with 'urn:', got {urn!r}")
    if urn.lower() in _RESERVED:
        raise InvalidExtension(key, f"{urn!r} is defined by SCIM itself")


def _schema(ext: ExtensionDeclaration, where: str) -> Schema:
    """The Schema of one declaration whose URN is already checked."""
    if ext.resource_type not in RESOURCE_TYPES:
        raise InvalidExtension(
            f"{where}.resource_type", f"expected one of {', '.join(RESOURCE_TYPES)}, got {ext.resource_type!r}"
        )
    if not ext.attributes:
        raise InvalidExtension(f"{where}.attributes", "must not be empty")
    name = ext.name if ext.name is not None else ext.schema.rsplit(":", 1)[-1]
    if not name.strip():
        raise InvalidExtension(f"{where}.name", "must not be empty")
    attributes = _attributes(ext.attributes, f"{where}.attributes", nested=False)
    return Schema(ext.schema, name, ext.description, attributes)


def _attributes(items: Sequence[AttributeDeclaration], path: str, nested: bool) -> tuple[Attribute, ...]:
    """The declared attributes (sub-attributes when `nested`), their names distinct and valid."""
    seen: dict[str, int] = {}
    out: list[Attribute] = []
    for i, a in enumerate(items):
        where = f"{path}[{i}]"
        # "$ref" is ATTRNAME's one exception (RFC 7643 §2.1), meaningful only inside a complex value.
        if not (_ATTRNAME.fullmatch(a.name) or (nested and a.name == "$ref")):
            raise InvalidExtension(
                f"{where}.name", f"expected a letter then letters, digits, '-' or '_', got {a.name!r}"
            )
        # Attribute names are case-insensitive (RFC 7643 §2.1).
        if (first := seen.setdefault(a.name.lower(), i)) != i:
            raise InvalidExtension(f"{where}.name", f"{a.name!r} duplicates {path}[{first}]")
        out.append(_attribute(a, where, nested))
    return tuple(out)


def _attribute(a: AttributeDeclaration, where: str, nested: bool) -> Attribute:
    """One declared attribute, at key path `where`, as an Attribute; its characteristics checked."""
    enums = (("type", a.type, TYPES), ("mutability", a.mutability, MUTABILITIES),
             ("returned", a.returned, RETURNS), ("uniqueness", a.uniqueness, UNIQUENESS))
    for key, value, allowed in enums:
        if value not in allowed:
            raise InvalidExtension(f"{where}.{key}", f"expected one of {', '.join(sorted(allowed))}, got {value!r}")
    subs = _sub_attributes(a, where, nested)
    if a.uniqueness != "none":  # honest about what the stores enforce: only userName
        raise InvalidExtension(
            f"{where}.uniqueness", "only 'none' is supported on extension attributes (not enforced otherwise)"
        )
    if a.reference_types and a.type != REFERENCE:
        raise InvalidExtension(f"{where}.referenceTypes", "allowed only on a reference attribute")
    if a.required and a.mutability == READ_ONLY:  # no client could ever supply it
        raise InvalidExtension(f"{where}.required", "a readOnly attribute cannot be required")
    return Attribute(
        a.name, a.type, multi_valued=a.multi_valued, required=a.required, case_exact=a.case_exact,
        mutability=a.mutability, returned=a.returned, uniqueness=a.uniqueness,
        canonical_values=tuple(a.canonical_values), reference_types=tuple(a.reference_types),
        sub_attributes=subs, description=a.description,
    )


def _sub_attributes(a: AttributeDeclaration, where: str, nested: bool) -> tuple[Attribute, ...]:
    """A complex attribute's sub-attributes (one level only, RFC 7643 §2.3.8); () for the others."""
    if a.type != COMPLEX:
        if a.sub_attributes:
            raise InvalidExtension(f"{where}.subAttributes", "allowed only on a complex attribute")
        return ()
    if nested:
        raise InvalidExtension(f"{where}.type", "a sub-attribute cannot be complex")
    if not a.sub_attributes:
        raise InvalidExtension(f"{where}.subAttributes", "required for a complex attribute")
    return _attributes(a.sub_attributes, f"{where}.subAttributes", nested=True)
