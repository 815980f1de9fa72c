"""The resource types this service serves: one registry, looked up by name, never re-spelled."""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.schema.attributes import Attribute, ResourceType, Schema
from domain.schema.core import COMMON_ATTRIBUTES, group_type, user_type


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


def with_indexed_length(registry: Registry, length: int) -> Registry:
    """The registry with every length-limited (indexed) attribute limited to `length` characters."""

    def attribute(a: Attribute) -> Attribute:
        if a.max_length is None and not a.sub_attributes:
            return a
        return replace(a, max_length=None if a.max_length is None else length,
                       sub_attributes=tuple(attribute(s) for s in a.sub_attributes), _index={})

    def schema(s: Schema) -> Schema:
        return replace(s, attributes=tuple(attribute(a) for a in s.attributes), _index={})

    common = tuple(attribute(a) for a in COMMON_ATTRIBUTES)
    return Registry(tuple(replace(t, schema=schema(t.schema), common=common) for t in registry.types))
