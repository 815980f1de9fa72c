"""The values PATCH writes: the canonical form of a complex value, Entra's string booleans made
booleans, the single primary of a multi-valued attribute, and the values a filter names (a new
element to create, the member ids to remove)."""

from __future__ import annotations

from typing import Any

from domain.errors import InvalidValue, NoTarget
from domain.query.ast import And, Compare, Expr, Or
from domain.schema.attributes import BOOLEAN, COMPLEX, READ_ONLY, Attribute
from domain.schema.values import BadValue, boolean


def json_key(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def elem_value(element: Any) -> Any:
    return element.get("value") if isinstance(element, dict) else element


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def coerce(attr: Attribute, value: Any, strings: bool) -> Any:
    """Entra's "True"/"False" for booleans, made real booleans before primary rules look at them
    (only when the policy accepts string booleans; else the validator refuses them)."""
    if attr.type == BOOLEAN and isinstance(value, str):
        try:
            return boolean(value, strings)  # the validation rule, here without refusing
        except BadValue:
            return value
    return value


def canonical(attr: Attribute, value: Any, reject_unknown: bool, strings: bool) -> Any:
    """Canonical sub-attribute names; readOnly sub-attributes are dropped, unknown keys dropped or
    (reject_unknown) refused."""
    if attr.type != COMPLEX or not isinstance(value, dict):
        return value
    out = {}
    for k, v in value.items():
        sub = attr.sub(k) if isinstance(k, str) else None
        if sub is None and reject_unknown:
            raise InvalidValue(f"unknown attribute '{k}' in '{attr.name}'")
        if sub is not None and sub.mutability != READ_ONLY and v is not None:
            out[sub.name] = coerce(sub, v, strings)
    return out


def with_primary(kept: list[Any], added: list[Any]) -> list[Any]:
    """RFC 7643 §2.4: a new primary value clears 'primary' on the others."""
    if any(isinstance(e, dict) and e.get("primary") is True for e in added):
        kept = [{**e, "primary": False} if isinstance(e, dict) and e.get("primary") is True else e for e in kept]
    return kept + added


def seed(expr: Expr) -> dict[str, Any]:
    """A new element satisfying a filter made of `eq` comparisons (Entra adds emails this way)."""
    if isinstance(expr, Compare) and expr.op == "eq":
        return {expr.path.leaf.name: expr.value}
    if isinstance(expr, And):
        return {**seed(expr.left), **seed(expr.right)}
    raise NoTarget("no value matches the filter, and it does not describe a value to create")


def ids_in(expr: Expr) -> list[str] | None:
    """The member ids of a `value eq "<id>"` filter, or of such filters joined by `or`."""
    if isinstance(expr, Compare) and expr.op == "eq" and expr.path.leaf.name == "value" and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, Or):
        left, right = ids_in(expr.left), ids_in(expr.right)
        return None if left is None or right is None else left + right
    return None
