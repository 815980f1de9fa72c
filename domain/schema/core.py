"""The core schemas (RFC 7643 §4, §8.7.1): User, Group, the enterprise extension, and the
attributes common to every resource."""

from __future__ import annotations

from domain.schema.attributes import (
    ALWAYS,
    BINARY,
    BOOLEAN,
    COMPLEX,
    DATETIME,
    IMMUTABLE,
    NEVER,
    READ_ONLY,
    REFERENCE,
    STRING,
    WRITE_ONLY,
    Attribute,
    ResourceType,
    Schema,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# Attributes common to every resource (RFC 7643 §3.1): handled outside the schema's own list.
ID = Attribute("id", case_exact=True, mutability=READ_ONLY, returned=ALWAYS, uniqueness="server")
# The default length limit of the attributes the stores index (userName, externalId,
# displayName, emails.value): 512 characters are at most 2048 bytes of UTF-8, under every
# store's index row limit. scim.max_indexed_length sets it (registry.with_indexed_length).
INDEXED_LENGTH = 512
EXTERNAL_ID = Attribute("externalId", case_exact=True, max_length=INDEXED_LENGTH)
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


def _multi(name: str, *subs: Attribute, types: tuple[str, ...] = ()) -> Attribute:
    """A readWrite multi-valued complex attribute with the usual type/primary/display
    sub-attributes."""
    extra = (
        Attribute("display"),
        Attribute("type", canonical_values=types),
        Attribute("primary", BOOLEAN),
    )
    return Attribute(name, COMPLEX, multi_valued=True, sub_attributes=subs + extra)


def _value(kind: str = STRING, reference_types: tuple[str, ...] = (), max_length: int | None = None) -> Attribute:
    return Attribute("value", kind, reference_types=reference_types, max_length=max_length)


USER = Schema(
    USER_SCHEMA,
    "User",
    "User Account",
    (
        Attribute("userName", required=True, uniqueness="server", max_length=INDEXED_LENGTH),
        Attribute(
            "name",
            COMPLEX,
            sub_attributes=tuple(
                Attribute(n)
                for n in ("formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix")
            ),
        ),
        Attribute("displayName", max_length=INDEXED_LENGTH),
        Attribute("nickName"),
        Attribute("profileUrl", REFERENCE, reference_types=("external",)),
        Attribute("title"),
        Attribute("userType"),
        Attribute("preferredLanguage"),
        Attribute("locale"),
        Attribute("timezone"),
        Attribute("active", BOOLEAN),
        Attribute("password", mutability=WRITE_ONLY, returned=NEVER, case_exact=True),
        _multi("emails", _value(max_length=INDEXED_LENGTH), types=("work", "home", "other")),
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
        Attribute("displayName", required=True, max_length=INDEXED_LENGTH),
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
    return ResourceType("Group", "/Groups", "Group", GROUP, tuple((s, False) for s in extensions),
                        memberships="members")
