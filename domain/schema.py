"""SCIM schemas as data (RFC 7643 §2.2, §7): one definition drives parsing, validation, output,
filters and PATCH. Attribute names resolve case-insensitively (RFC 7643 §2.1)."""

from __future__ import annotations

from dataclasses import dataclass, field

STRING, BOOLEAN, DECIMAL, INTEGER = "string", "boolean", "decimal", "integer"
DATETIME, REFERENCE, COMPLEX, BINARY = "dateTime", "reference", "complex", "binary"
TYPES = frozenset({STRING, BOOLEAN, DECIMAL, INTEGER, DATETIME, REFERENCE, COMPLEX, BINARY})
READ_ONLY, READ_WRITE, IMMUTABLE, WRITE_ONLY = "readOnly", "readWrite", "immutable", "writeOnly"
MUTABILITIES = frozenset({READ_ONLY, READ_WRITE, IMMUTABLE, WRITE_ONLY})
ALWAYS, NEVER, DEFAULT, REQUEST = "always", "never", "default", "request"
RETURNS = frozenset({ALWAYS, NEVER, DEFAULT, REQUEST})
UNIQUENESS = frozenset({"none", "server", "global"})

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


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

    def extension(self, urn: str) -> Schema | None:
        lowered = urn.lower()
        return next((s for s, _ in self.extensions if s.id.lower() == lowered), None)

    @property
    def schema_ids(self) -> tuple[str, ...]:
        return (self.schema.id, *(s.id for s, _ in self.extensions))


# Attributes common to every resource (RFC 7643 §3.1): handled outside the schema's own list.
ID = Attribute("id", case_exact=True, mutability=READ_ONLY, returned=ALWAYS, uniqueness="server")
EXTERNAL_ID = Attribute("externalId", case_exact=True)
META = Attribute(
    "meta",
    COMPLEX,
    mutability=READ_ONLY,
    sub_attributes=(
        Attribute("resourceType", case_exact=True, mutability=READ_ONLY),
        Attribute("created", DATETIME, mutability=READ_ONLY),
        Attribute("lastModified", DATETIME, mutability=READ_ONLY),
        Attribute("location", REFERENCE, case_exact=True, mutability=READ_ONLY, reference_types=("uri",)),
        Attribute("version", case_exact=True, mutability=READ_ONLY),
    ),
)
COMMON_ATTRIBUTES = (ID, EXTERNAL_ID, META)


def _multi(name: str, *subs: Attribute, types: tuple[str, ...] = (), mutability: str = READ_WRITE) -> Attribute:
    """A multi-valued complex attribute with the usual type/primary/display sub-attributes."""
    extra = (
        Attribute("display", mutability=mutability),
        Attribute("type", canonical_values=types, mutability=mutability),
        Attribute("primary", BOOLEAN, mutability=mutability),
    )
    return Attribute(name, COMPLEX, multi_valued=True, mutability=mutability, sub_attributes=subs + extra)


def _value(kind: str = STRING, **kw: object) -> Attribute:
    return Attribute("value", kind, **kw)  # type: ignore[arg-type]


USER = Schema(
    USER_SCHEMA,
    "User",
    "User Account",
    (
        Attribute("userName", required=True, uniqueness="server"),
        Attribute(
            "name",
            COMPLEX,
            sub_attributes=tuple(
                Attribute(n)
                for n in ("formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix")
            ),
        ),
        Attribute("displayName"),
        Attribute("nickName"),
        Attribute("profileUrl", REFERENCE, reference_types=("external",)),
        Attribute("title"),
        Attribute("userType"),
        Attribute("preferredLanguage"),
        Attribute("locale"),
        Attribute("timezone"),
        Attribute("active", BOOLEAN),
        Attribute("password", mutability=WRITE_ONLY, returned=NEVER, case_exact=True),
        _multi("emails", _value(), types=("work", "home", "other")),
        _multi("phoneNumbers", _value(), types=("work", "home", "mobile", "fax", "pager", "other")),
        _multi("ims", _value(), types=("aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo")),
        _multi("photos", _value(REFERENCE, reference_types=("external",)), types=("photo", "thumbnail")),
        Attribute(
            "addresses",
            COMPLEX,
            multi_valued=True,
            sub_attributes=(
                *(Attribute(n) for n in ("formatted", "streetAddress", "locality", "region", "postalCode", "country")),
                Attribute("type", canonical_values=("work", "home", "other")),
                Attribute("primary", BOOLEAN),
            ),
        ),
        Attribute(
            "groups",
            COMPLEX,
            multi_valued=True,
            mutability=READ_ONLY,
            sub_attributes=(
                Attribute("value", mutability=READ_ONLY, case_exact=True),
                Attribute("$ref", REFERENCE, mutability=READ_ONLY, case_exact=True, reference_types=("User", "Group")),
                Attribute("display", mutability=READ_ONLY),
                Attribute("type", mutability=READ_ONLY, canonical_values=("direct", "indirect")),
            ),
        ),
        _multi("entitlements", _value()),
        _multi("roles", _value()),
        _multi("x509Certificates", _value(BINARY)),
    ),
)

ENTERPRISE_USER = Schema(
    ENTERPRISE_USER_SCHEMA,
    "EnterpriseUser",
    "Enterprise User",
    (
        *(Attribute(n) for n in ("employeeNumber", "costCenter", "organization", "division", "department")),
        Attribute(
            "manager",
            COMPLEX,
            sub_attributes=(
                Attribute("value"),
                Attribute("$ref", REFERENCE, reference_types=("User",)),
                Attribute("displayName", mutability=READ_ONLY),
            ),
        ),
    ),
)

GROUP = Schema(
    GROUP_SCHEMA,
    "Group",
    "Group",
    (
        Attribute("displayName", required=True),
        Attribute(
            "members",
            COMPLEX,
            multi_valued=True,
            sub_attributes=(
                Attribute("value", mutability=IMMUTABLE, case_exact=True),
                Attribute("$ref", REFERENCE, mutability=IMMUTABLE, reference_types=("User", "Group")),
                Attribute("display", mutability=READ_ONLY),
                Attribute("type", mutability=IMMUTABLE, canonical_values=("User", "Group")),
            ),
        ),
    ),
)


def user_type(extensions: tuple[Schema, ...] = ()) -> ResourceType:
    """The User resource type with the enterprise extension and any configured ones."""
    exts = ((ENTERPRISE_USER, False), *((s, False) for s in extensions))
    return ResourceType("User", "/Users", "User Account", USER, exts)


def group_type(extensions: tuple[Schema, ...] = ()) -> ResourceType:
    return ResourceType("Group", "/Groups", "Group", GROUP, tuple((s, False) for s in extensions))


@dataclass(frozen=True)
class Registry:
    """The resource types this service serves, built once at start from the schema data."""

    types: tuple[ResourceType, ...]

    def by_name(self, name: str) -> ResourceType:
        return next(t for t in self.types if t.name == name)

    def schemas(self) -> tuple[Schema, ...]:
        seen: dict[str, Schema] = {}
        for t in self.types:
            seen.setdefault(t.schema.id, t.schema)
            for s, _ in t.extensions:
                seen.setdefault(s.id, s)
        return tuple(seen.values())

    @property
    def user(self) -> ResourceType:
        return self.by_name("User")

    @property
    def group(self) -> ResourceType:
        return self.by_name("Group")


def default_registry(user_extensions: tuple[Schema, ...] = (), group_extensions: tuple[Schema, ...] = ()) -> Registry:
    return Registry((user_type(user_extensions), group_type(group_extensions)))
