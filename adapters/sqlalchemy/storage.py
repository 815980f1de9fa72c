"""Where each attribute of a User or Group is stored: the one map the compilers and the mapper read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Column, ColumnElement, FromClause, String, Table, cast, literal

from adapters.sqlalchemy.tables import groups, memberships, user_emails, users
from domain.model import GROUP, USER
from domain.query.ast import AttrPath
from domain.query.values import FLAG, TEXT, TIME

# Every attribute is in the JSON documents, whatever else holds it: DOC is Resource.data as given
# (what reads return), DOC_KEY the same in comparison forms (mapping.comparison_doc), which
# filters and sorts read for every attribute without a column of its own.
DOC, DOC_KEY = "doc", "doc_key"


@dataclass(frozen=True)
class Indexed:
    """An attribute with a column of its own, which indexes serve.

    `key` holds its comparison form, or NULL when the value is none of `kind`: text folded unless
    the attribute is caseExact, a boolean, a time."""

    key: str
    kind: str  # TEXT, FLAG or TIME (domain.query.values)
    raw: str | None = None  # beside a folded `key`: the text as given
    field: str | None = None  # the Resource field it comes from (id, meta times) rather than data


@dataclass(frozen=True)
class SideTable:
    """A multi-valued complex attribute also kept as rows of a table of its own, one per object
    element, so that filters on its sub-attributes use an index."""

    table: Table
    owner: str  # the column naming the resource a row belongs to
    position: str  # the column with the element's index in the array
    columns: Mapping[str, Indexed]  # sub-attribute name -> its column

    @property
    def owner_column(self) -> Column[Any]:
        return self.table.c[self.owner]

    def column(self, sub: str) -> Column[Any]:
        return self.table.c[self.columns[sub].key]


@dataclass(frozen=True)
class Related:
    """A multi-valued attribute made of membership rows, in no JSON document: its elements are
    {"value": the other side's id, "type": `type`, "display": the other side's displayName}."""

    owner: str  # the column naming this resource
    value: str  # the column naming the other side
    type: str  # every element's type
    other: str  # the other side's resource type
    table: Table = memberships

    @property
    def owner_column(self) -> Column[Any]:
        return self.table.c[self.owner]

    @property
    def value_column(self) -> Column[Any]:
        return self.table.c[self.value]

    def joined(self) -> tuple[FromClause, Column[Any]]:
        """The rows joined to the other side, and the other side's folded displayName there."""
        other = STORAGE[self.other]
        rows = self.table.join(other.table, other.table.c.id == self.value_column)
        return rows, other.key("displayName")


@dataclass(frozen=True)
class Storage:
    """Where one resource type's attributes are: `columns` by attribute name ("meta.created" for
    meta's), `side_tables` and `related` by multi-valued attribute, all others in DOC_KEY only.
    Extension attributes never have a column."""

    table: Table
    columns: Mapping[str, Indexed]
    side_tables: Mapping[str, SideTable] = field(default_factory=dict)
    related: Mapping[str, Related] = field(default_factory=dict)
    password: str | None = None  # the column of the password hash, which is no attribute

    def column(self, path: AttrPath) -> Indexed | None:
        return None if path.extension else self.columns.get(path.name)

    def side_table(self, path: AttrPath) -> SideTable | None:
        return None if path.extension else self.side_tables.get(path.attribute.name)

    def relation(self, path: AttrPath) -> Related | None:
        return None if path.extension else self.related.get(path.attribute.name)

    def key(self, name: str) -> Column[Any]:
        """The column holding attribute `name`'s comparison form."""
        return self.table.c[self.columns[name].key]

    @property
    def doc_key(self) -> Column[Any]:
        return self.table.c[DOC_KEY]

    @cached_property
    def unique(self) -> tuple[str, ...]:
        """The attributes whose column has a unique index (userName): writing one may collide."""
        unique = {c.name for index in self.table.indexes if index.unique for c in index.columns}
        return tuple(name for name, indexed in self.columns.items() if indexed.key in unique)


def document_keys(path: AttrPath) -> list[str]:
    """The keys of `path`'s attribute in the JSON documents: an extension's under its URN."""
    return [path.schema, path.attribute.name] if path.extension else [path.attribute.name]


def etag(table: Table) -> ColumnElement[str]:
    """meta.version as the responses show it, W/"<version>", from the version column."""
    return literal('W/"').concat(cast(table.c.version, String)).concat('"')


# id, externalId and meta are common to both types (RFC 7643 §3.1); both have a displayName too.
_SHARED = {
    "id": Indexed("id", TEXT, field="id"),
    "externalId": Indexed("external_id", TEXT),
    "displayName": Indexed("display_name_key", TEXT, raw="display_name"),
    "meta.created": Indexed("created", TIME, field="created"),
    "meta.lastModified": Indexed("last_modified", TIME, field="last_modified"),
}

STORAGE = {
    USER: Storage(
        users,
        {**_SHARED, "userName": Indexed("user_name_key", TEXT, raw="user_name"), "active": Indexed("active", FLAG)},
        side_tables={"emails": SideTable(user_emails, "user_id", "position", {
            "value": Indexed("value_key", TEXT, raw="value"),
            "type": Indexed("type", TEXT),  # folded only: never returned, only compared
            "primary": Indexed("primary", FLAG),
        })},
        related={"groups": Related("member_id", "group_id", "direct", GROUP)},
        password="password_hash",
    ),
    GROUP: Storage(groups, _SHARED, related={"members": Related("group_id", "member_id", USER, USER)}),
}
RESOURCE_TABLES = {kind: storage.table for kind, storage in STORAGE.items()}
