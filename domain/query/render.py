"""The filter AST and PATCH paths back as SCIM text (RFC 7644 §3.4.2.2, §3.5.2): what
domain.query.parser reads back to an equal AST. Paths are canonical (schema spelling, extension
attributes with their full URN); literals are JSON; parentheses only where precedence needs them
(`and` binds tighter than `or`; both associate to the left, as the parser builds them)."""

from __future__ import annotations

import json
import math

from domain.query.ast import And, AttrPath, Compare, Expr, Literal, Not, Or, Present
from domain.query.parser import PatchPath

_OR, _AND, _ATOM = 0, 1, 2  # binding strength: a child weaker than its parent is parenthesised


def render_filter(expr: Expr) -> str:
    """The filter text of `expr`. Raises ValueError for what no filter can say (NaN, a value
    filter inside a value filter, a sub-filter path outside its attribute)."""
    return _expr(expr, None)


def render_path(path: PatchPath) -> str:
    """The PATCH path text of `path`: `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`."""
    text = path.path.name
    if path.filter is not None:
        text += f"[{_expr(path.filter, path.path)}]"
    if path.sub is not None:
        if path.filter is None:
            raise ValueError("a PATCH path sub-attribute follows a value filter")
        text += "." + _relative(path.sub, path.path)
    return text


def render_literal(value: Literal) -> str:
    """A filter literal as JSON: a string (non-ASCII kept as is), number, true, false or null.
    The parser reads a number beyond the double range (1e999) as ±inf: it renders as ±1e999."""
    if isinstance(value, float) and math.isinf(value):
        return "1e999" if value > 0 else "-1e999"
    if isinstance(value, float) and math.isnan(value):
        raise ValueError("no filter literal for NaN")
    return json.dumps(value, ensure_ascii=False)


def _strength(expr: Expr) -> int:
    if isinstance(expr, Or):
        return _OR
    return _AND if isinstance(expr, And) else _ATOM


def _operand(expr: Expr, parent: AttrPath | None, strength: int, right: bool) -> str:
    """An operand of a binary node of `strength`: the right one needs parentheses at equal
    strength too (`a or (b or c)` is not the tree `a or b or c` parses to)."""
    text = _expr(expr, parent)
    inner = _strength(expr)
    return f"({text})" if inner < strength or (right and inner == strength) else text


def _chain(expr: And | Or, parent: AttrPath | None) -> str:
    """`a or b or c` from Or(Or(a, b), c), walking the left spine in a loop: a long chain
    (hundreds of terms fit in a filter) costs no recursion."""
    kind = type(expr)
    strength, word = (_OR, " or ") if kind is Or else (_AND, " and ")
    rights: list[Expr] = []
    node: Expr = expr
    while isinstance(node, kind):
        rights.append(node.right)
        node = node.left
    parts = [_operand(node, parent, strength, right=False)]
    parts += (_operand(r, parent, strength, right=True) for r in reversed(rights))
    return word.join(parts)


def _expr(expr: Expr, parent: AttrPath | None) -> str:
    if isinstance(expr, Or | And):
        return _chain(expr, parent)
    if isinstance(expr, Not):
        return f"not ({_expr(expr.inner, parent)})"
    if isinstance(expr, Present):
        return f"{_attr(expr.path, parent)} pr"
    if isinstance(expr, Compare):
        return f"{_attr(expr.path, parent)} {expr.op} {render_literal(expr.value)}"
    if parent is not None:
        raise ValueError(f"a value filter on '{expr.path.name}' inside one on '{parent.name}'")
    return f"{expr.path.name}[{_expr(expr.filter, expr.path)}]"


def _attr(path: AttrPath, parent: AttrPath | None) -> str:
    return path.name if parent is None else _relative(path, parent)


def _relative(path: AttrPath, parent: AttrPath) -> str:
    """The sub-attribute name of `path` inside a value filter on `parent`."""
    if path.sub is None or path.with_sub(path.sub) != parent.with_sub(path.sub):
        raise ValueError(f"'{path.name}' is not a sub-attribute of '{parent.name}'")
    return path.sub.name
