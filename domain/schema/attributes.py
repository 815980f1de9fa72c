"""SCIM schemas as data (RFC 7643 §2.2, §7): one definition drives parsing, validation, output,
filters and PATCH. Attribute names resolve case-insensitively (RFC 7643 §2.1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

STRING, BOOLEAN, DECIMAL, INTEGER = "string", "boolean", "decimal", "integer"
DATETIME, REFERENCE, COMPLEX, BINARY = "dateTime", "reference", "complex", "binary"
TYPES = frozenset({STRING, BOOLEAN, DECIMAL, INTEGER, DATETIME, REFERENCE, COMPLEX, BINARY})
READ_ONLY, READ_WRITE, IMMUTABLE, WRITE_ONLY = "readOnly", "readWrite", "immutable", "writeOnly"
MUTABILITIES = frozenset({READ_ONLY, READ_WRITE, IMMUTABLE, WRITE_ONLY})
ALWAYS, NEVER, DEFAULT, REQUEST = "always", "never", "default", "request"
RETURNS = frozenset({ALWAYS, NEVER, DEFAULT, REQUEST})
UNIQUENESS = frozenset({"none", "server", "global"})



@dataclass(frozen=True)
class Attribute:
    """One attribute definition (RFC 7643 §7 "attributes")."""

    name: str
    type: str = STRING
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: str = READ_WRITE
    returned: str = DEFAULT
    uniqueness: str = "none"
    canonical_values: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()
    sub_attributes: tuple[Attribute, ...] = ()
    description: str = ""
    # characters a string value may have (None: no limit); indexed attributes have one, as an
    # index row has a size limit (PostgreSQL's B-tree: about 2700 bytes)
    max_length: int | None = None
    _index: dict[str, Attribute] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({a.name.lower(): a for a in self.sub_attributes})

    def sub(self, name: str) -> Attribute | None:
        """The sub-attribute called `name`, matched case-insensitively."""
        return self._index.get(name.lower())

    @property
    def settable(self) -> bool:
        """Whether a client may supply this attribute in a POST or PUT body."""
        return self.mutability != READ_ONLY


@dataclass(frozen=True)
class Schema:
    """A schema (core or extension) and its attributes."""

    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...]
    _index: dict[str, Attribute] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({a.name.lower(): a for a in self.attributes})

    def attribute(self, name: str) -> Attribute | None:
        return self._index.get(name.lower())


@dataclass(frozen=True)
class ResourceType:
    """A resource type (RFC 7643 §6): its core schema and the extensions it may carry."""

    name: str
    endpoint: str
    description: str
    schema: Schema
    extensions: tuple[tuple[Schema, bool], ...] = ()  # (schema, required)
    # the attribute whose values live in the membership port, not in the resource (Group: members)
    memberships: str | None = None
    # id, externalId and meta (RFC 7643 §3.1) as this registry limits them; None: core's
    common: tuple[Attribute, ...] | None = None

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _hash(self) -> int:
        """Computed once: the caches keyed by a resource type would otherwise hash every
        attribute of its schemas on each request."""
        return hash((self.name, self.endpoint, self.description, self.schema, self.extensions,
                     self.memberships, self.common))

    def extension(self, urn: str) -> Schema | None:
        lowered = urn.lower()
        return next((s for s, _ in self.extensions if s.id.lower() == lowered), None)

    @property
    def schema_ids(self) -> tuple[str, ...]:
        return (self.schema.id, *(s.id for s, _ in self.extensions))
