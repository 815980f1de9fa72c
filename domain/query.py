"""The query object: attribute paths and a filter AST that can express a filter on any attribute
(RFC 7644 §3.4.2.2). Adapters compile it to SQL or evaluate it in memory."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import InvalidPath
from domain.schema import COMMON_ATTRIBUTES, COMPLEX, Attribute, ResourceType

Literal = str | int | float | bool | None

COMPARE_OPS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")


@dataclass(frozen=True)
class AttrPath:
    """A resolved attribute path: which schema, which attribute, which sub-attribute.

    `schema` is "" for the common attributes (id, externalId, meta) and the core schema URN or
    an extension URN otherwise; `extension` tells whether the value lives under its URN key."""

    schema: str
    attribute: Attribute
    sub: Attribute | None = None
    extension: bool = False

    @property
    def leaf(self) -> Attribute:
        return self.sub or self.attribute

    @property
    def name(self) -> str:
        """Canonical dotted name, URN-qualified for extension attributes."""
        base = f"{self.schema}:{self.attribute.name}" if self.extension else self.attribute.name
        return f"{base}.{self.sub.name}" if self.sub else base

    def with_sub(self, sub: Attribute) -> AttrPath:
        return AttrPath(self.schema, self.attribute, sub, self.extension)


@dataclass(frozen=True)
class Compare:
    path: AttrPath
    op: str
    value: Literal


@dataclass(frozen=True)
class Present:
    path: AttrPath


@dataclass(frozen=True)
class And:
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Or:
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Not:
    inner: Expr


@dataclass(frozen=True)
class ValueFilter:
    """`attr[filter]`: some value of the multi-valued `path` satisfies `filter`, whose paths are
    sub-attributes of `path` (RFC 7644 §3.4.2.2 valuePath)."""

    path: AttrPath
    filter: Expr


Expr = Compare | Present | And | Or | Not | ValueFilter


@dataclass(frozen=True)
class Sort:
    """sortBy/sortOrder (RFC 7644 §3.4.2.3). A multi-valued attribute sorts by its primary value,
    else its first; resources without a value come last ascending and first descending; id is
    the final tie-break (ascending in both orders)."""

    path: AttrPath
    descending: bool = False


@dataclass(frozen=True)
class After:
    """Keyset position for cursor paging (RFC 9865): the sort value (None when the resource had
    none) and id of the last resource of the previous page. Without a Sort, the value is the
    `created` time as an ISO string."""

    value: Literal
    id: str


@dataclass(frozen=True)
class Query:
    """What to list: an optional filter, an order, and either a 1-based page window (RFC 7644
    §3.4.2.4) or a keyset position (`after`, RFC 9865; then start_index is ignored)."""

    filter: Expr | None = None
    start_index: int = 1
    count: int = 100
    sort: Sort | None = None
    after: After | None = None
    with_total: bool = True


def resolve(rtype: ResourceType, text: str) -> AttrPath:
    """Resolve `text` ("userName", "name.givenName", "urn:...:User:manager.value", "meta.created")
    against a resource type's schemas, case-insensitively. Raises InvalidPath."""
    schema_id, rest, extension = _split_urn(rtype, text)
    head, _, tail = rest.partition(".")
    if schema_id is None:
        attr = next((a for a in COMMON_ATTRIBUTES if a.name.lower() == head.lower()), None)
        schema_id = ""
        if attr is None:
            attr, schema_id = rtype.schema.attribute(head), rtype.schema.id
    else:
        schema = rtype.schema if not extension else rtype.extension(schema_id)
        attr = schema.attribute(head) if schema else None
    if attr is None or not head:
        raise InvalidPath(f"unknown attribute '{text}'")
    path = AttrPath(schema_id, attr, None, extension)
    if tail:
        sub = attr.sub(tail) if attr.type == COMPLEX else None
        if sub is None:
            raise InvalidPath(f"unknown sub-attribute '{text}'")
        path = path.with_sub(sub)
    return path


def resolve_sub(parent: AttrPath, name: str) -> AttrPath:
    """Resolve a sub-attribute name inside a value filter (`emails[type eq "work"]`)."""
    sub = parent.attribute.sub(name) if parent.sub is None else None
    if sub is None:
        raise InvalidPath(f"unknown sub-attribute '{name}' of '{parent.name}'")
    return parent.with_sub(sub)


def _split_urn(rtype: ResourceType, text: str) -> tuple[str | None, str, bool]:
    """Split a URN prefix off `text`: (schema id or None, attribute part, is extension)."""
    lowered = text.lower()
    for schema_id in sorted(rtype.schema_ids, key=len, reverse=True):
        prefix = schema_id.lower() + ":"
        if lowered.startswith(prefix):
            return schema_id, text[len(prefix):], schema_id != rtype.schema.id
    if lowered.startswith("urn:"):
        raise InvalidPath(f"unknown schema in '{text}'")
    return None, text, False
