"""A resource's attributes checked against the schema data and made canonical (RFC 7643 §2, §3)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from domain.errors import InvalidValue
from domain.idp.policy import REJECT, Policy
from domain.limits import Limits
from domain.schema.attributes import COMPLEX, READ_ONLY, Attribute, ResourceType
from domain.schema.core import COMMON_ATTRIBUTES, USER_SCHEMA
from domain.schema.values import BadValue, elements, scalar
from domain.text import user_name_problem

log = logging.getLogger(__name__)
# Returned as checked, never pruned: an empty `members` list is a request to clear the group.
UNPRUNED = frozenset({"members"})
# Counted by the member-change cap (scim.max_members_per_request, 413), not by the limits here.
CAPPED_ELSEWHERE = frozenset({"members"})


def conform(rtype: ResourceType, data: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """`data`'s attributes in canonical form, as a new dict; InvalidValue names every problem.

    Names match case-insensitively and come out as the schema spells them (RFC 7643 §2.1);
    unknown ones are ignored or rejected by `policy.unknown`; nulls are unassigned (§2.5) and
    readOnly attributes are ignored (RFC 7644 §3.3, §3.5.1), both dropped. Values are checked
    by type (§2.3), with `policy.string_booleans`; a multi-valued attribute takes a lone object
    as a one-element list and drops null elements (§2.4); at most one value is primary, the
    first (§2.4); empty objects and lists are unassigned and dropped (§2.5). Extension
    attributes are objects under their schema URN (§3.3); `id`, `externalId` and `meta` are
    the common attributes (§3.1): `id` and `meta`, readOnly, are dropped. `password` and
    `members` stay in the result for the caller to take out. Past `policy.limits` (attributes
    at every level, values of a multi-valued attribute but members, characters of a string)
    InvalidValue names the limit at once."""
    run = _Run(policy, policy.limits)
    out = _object(_root(rtype), data, run, _Place())
    if run.errors or out is None:
        raise InvalidValue("; ".join(run.errors))
    _one_primary(out, rtype)
    _prune(out, UNPRUNED)
    _check_user_name(out, rtype)
    return out


def _check_user_name(data: dict[str, Any], rtype: ResourceType) -> None:
    """A User's userName as RFC 8265 allows it (domain.text.user_name_problem)."""
    name = data.get("userName") if rtype.schema.id == USER_SCHEMA else None
    problem = user_name_problem(name) if isinstance(name, str) else None
    if problem:
        raise InvalidValue(f"userName: {problem}")


@lru_cache(maxsize=64)
def _root(rtype: ResourceType) -> Attribute:
    """The resource as one complex attribute: its core attributes, the common ones, then each
    extension as a complex attribute named by its URN (RFC 7643 §3.3)."""
    extensions = tuple(Attribute(s.id, COMPLEX, sub_attributes=s.attributes) for s, _ in rtype.extensions)
    return Attribute("", COMPLEX, sub_attributes=(*rtype.schema.attributes, *(rtype.common or COMMON_ATTRIBUTES), *extensions))


@dataclass(frozen=True)
class _Place:
    """Where a value is: `path` for messages (emails[0].value), `where` the attribute (emails)."""

    path: str = ""
    where: str = ""

    def child(self, name: str) -> _Place:
        return _Place(_dotted(self.path, name), _dotted(self.where, name))

    def item(self, index: int) -> _Place:
        return _Place(f"{self.path}[{index}]", self.where)

    @property
    def suffix(self) -> str:
        return f" in '{self.where}'" if self.where else ""


def _dotted(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


@dataclass
class _Run:
    """One conform call: the policy and its limits, the problems found so far, and how many
    attributes were given so far (at every level, unknown ones included)."""

    policy: Policy
    limits: Limits
    errors: list[str] = field(default_factory=list)
    attributes: int = 0

    def count(self, value: dict[str, Any]) -> None:
        self.attributes += len(value)
        if self.attributes > self.limits.attributes:
            raise InvalidValue(self.limits.exceeded("attributes", "too many attributes in one resource"))

    def fail(self, place: _Place, message: str) -> None:
        self.errors.append(f"{place.path}: {message}" if place.path else message)


def _object(attr: Attribute, value: Any, run: _Run, place: _Place) -> dict[str, Any] | None:
    """A complex value (RFC 7643 §2.3.8): its sub-attributes, in the schema's order."""
    if not isinstance(value, dict):
        run.fail(place, f"Expected an object{place.suffix}.")
        return None
    given = _given(attr, value, run, place)
    if given is None:
        return None
    return {sub.name: _value(sub, given[sub.name], run, place.child(sub.name))
            for sub in attr.sub_attributes if sub.name in given}


def _given(attr: Attribute, value: dict[str, Any], run: _Run, place: _Place) -> dict[str, Any] | None:
    """The values given for `attr`'s sub-attributes under their canonical names (RFC 7643 §2.1),
    without nulls and readOnly ones; None after an unknown (if rejected) or repeated name."""
    if place.where not in CAPPED_ELSEWHERE:
        run.count(value)
    given: dict[str, Any] = {}
    for key, item in value.items():
        sub = attr.sub(key)
        if sub is None:
            if run.policy.unknown == REJECT:
                run.fail(place, f"Unknown attribute '{key}'{place.suffix}.")
                return None
            log.debug("ignoring unknown attribute %r%s", key, place.suffix)
            continue
        if sub.name in given:
            run.fail(place, f"Attribute '{sub.name}' given twice (names are case-insensitive).")
            return None
        if item is not None and sub.mutability != READ_ONLY:
            given[sub.name] = item
    return given


def _value(attr: Attribute, value: Any, run: _Run, place: _Place) -> Any:
    """An attribute's value: each element of a multi-valued one (RFC 7643 §2.4), else the one."""
    if not attr.multi_valued:
        return _single(attr, value, run, place)
    try:
        items = elements(value)
    except BadValue as err:
        run.fail(place, str(err))
        return None
    if len(items) > run.limits.multi_valued and place.where not in CAPPED_ELSEWHERE:
        raise InvalidValue(run.limits.exceeded("multi_valued", f"{len(items)} values of '{place.where}'"))
    return [_single(attr, item, run, place.item(i)) for i, item in enumerate(items)]


def _single(attr: Attribute, value: Any, run: _Run, place: _Place) -> Any:
    if attr.type == COMPLEX:
        return _object(attr, value, run, place)
    try:
        checked = scalar(attr.type, value, run.policy.string_booleans)
    except BadValue as err:
        run.fail(place, str(err))
        return None
    if isinstance(checked, str):
        if attr.max_length is not None and len(checked) > attr.max_length:
            run.fail(place, f"Longer than the {attr.max_length} characters allowed.")
            return None
        if len(checked) > run.limits.string_length:
            run.fail(place, run.limits.exceeded("string_length", f"a string of {len(checked)} characters"))
            return None
    return checked


def _one_primary(data: dict[str, Any], rtype: ResourceType) -> None:
    """RFC 7643 §2.4: 'primary' true appears at most once; the first one wins (Ping marks two)."""
    for attr in rtype.schema.attributes:
        values = data.get(attr.name)
        if attr.multi_valued and attr.sub("primary") and isinstance(values, list):
            seen = False
            for v in values:
                if v.get("primary") is True:
                    if seen:
                        v["primary"] = False
                    seen = True


def _prune(data: dict[str, Any], spare: frozenset[str] = frozenset()) -> None:
    """Drop empty objects and arrays, but those named in `spare`: unassigned, like null
    (RFC 7643 §2.5)."""
    for key in [k for k in data if k not in spare]:
        value = data[key]
        if isinstance(value, dict):
            _prune(value)
        elif isinstance(value, list):
            for element in value:
                if isinstance(element, dict):
                    _prune(element)
            value[:] = [v for v in value if v != {}]
        if value in ({}, []):
            del data[key]
