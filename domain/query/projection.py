"""Which attributes a response carries (RFC 7644 §3.4.2.5, §3.9): `attributes` and
`excludedAttributes` against each attribute's `returned` characteristic (RFC 7643 §7)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import InvalidPath, InvalidValue
from domain.limits import DEFAULT_LIMITS, Limits
from domain.query.ast import AttrPath
from domain.query.paths import resolve
from domain.schema.attributes import ALWAYS, NEVER, REQUEST, Attribute, ResourceType

Name = tuple[str, str, str | None]  # (schema id, attribute, sub-attribute or None)


@dataclass(frozen=True)
class Projection:
    """`include` set: only those (plus `returned: always`); else the default set minus
    `exclude`. Names are canonical (schema, attribute, sub)."""

    include: frozenset[Name] | None = None
    exclude: frozenset[Name] = frozenset()
    whole_extensions: frozenset[str] = frozenset()  # extensions named as a whole in `attributes`
    excluded_extensions: frozenset[str] = frozenset()  # ... in `excludedAttributes`

    def wants(self, schema: str, attr: Attribute, sub: Attribute | None = None) -> bool:
        leaf = sub or attr
        if leaf.returned == NEVER:
            return False
        if schema in self.excluded_extensions and leaf.returned != ALWAYS:
            return False
        if leaf.returned == ALWAYS or (sub is not None and attr.returned == ALWAYS):
            return True
        key: Name = (schema, attr.name, sub.name if sub else None)
        parent: Name = (schema, attr.name, None)
        if self.include is not None:
            if schema in self.whole_extensions or key in self.include or (sub and parent in self.include):
                return True
            if sub is None:  # a complex attribute is wanted when one of its sub-attributes is
                return any(n[:2] == parent[:2] for n in self.include)
            return False
        if leaf.returned == REQUEST:
            return False
        return key not in self.exclude and (sub is None or parent not in self.exclude)


EVERYTHING = Projection()


def _names(rtype: ResourceType, text: str | None, policy_unknown: str,
           limits: Limits) -> tuple[set[Name], set[str]]:
    names: set[Name] = set()
    extensions: set[str] = set()
    items = (text or "").split(",")
    if len(items) > limits.attribute_list:
        raise InvalidValue(limits.exceeded("attribute_list", f"{len(items)} names in attributes/excludedAttributes"))
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        ext = rtype.extension(item) or (rtype.schema if item.lower() == rtype.schema.id.lower() else None)
        if ext is not None:
            extensions.add(ext.id)
            continue
        try:
            path: AttrPath = resolve(rtype, item)
        except InvalidPath:
            if policy_unknown == "reject":
                raise InvalidValue(f"unknown attribute '{item}' in attributes/excludedAttributes") from None
            continue
        names.add((path.schema, path.attribute.name, path.sub.name if path.sub else None))
    return names, extensions


def projection(rtype: ResourceType, attributes: str | None, excluded: str | None,
               policy_unknown: str = "ignore", limits: Limits = DEFAULT_LIMITS) -> Projection:
    """Build a projection from the query parameters (comma-separated attribute names)."""
    include, whole = _names(rtype, attributes, policy_unknown, limits)
    exclude, excluded_whole = _names(rtype, excluded, policy_unknown, limits)
    if attributes and (include or whole):
        if rtype.schema.id in whole:  # the core schema named as a whole: all of its attributes
            include |= {(rtype.schema.id, a.name, None) for a in rtype.schema.attributes}
        return Projection(frozenset(include), frozenset(), frozenset(whole - {rtype.schema.id}))
    return Projection(None, frozenset(exclude), excluded_extensions=frozenset(excluded_whole - {rtype.schema.id}))
