"""The query object: attribute paths and a filter AST that can express a filter on any attribute
(RFC 7644 §3.4.2.2). Adapters compile it to SQL or evaluate it in memory."""

from __future__ import annotations

from dataclasses import dataclass

from domain.schema.attributes import Attribute

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
