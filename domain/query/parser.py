"""The SCIM filter language (RFC 7644 §3.4.2.2 with errata and Entra's `attr[...].sub op v` form),
parsed into the domain AST of domain.query. Anything not understood is InvalidFilter."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from domain.errors import InvalidFilter, InvalidPath
from domain.limits import DEFAULT_LIMITS, Limits
from domain.query.ast import (
    COMPARE_OPS,
    And,
    AttrPath,
    Compare,
    Expr,
    Literal,
    Not,
    Or,
    Present,
    ValueFilter,
)
from domain.query.paths import resolve, resolve_sub
from domain.schema.attributes import BOOLEAN, COMPLEX, DATETIME, ResourceType
from domain.schema.values import MAX_EXACT_INTEGER, BadValue, date_time
from domain.text import FORBIDDEN_CHARS

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<punct>[()\[\]])
    | (?P<string>"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*")
    | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![\w:.$-]))
    | (?P<word>[A-Za-z_$][\w:.$\-]*|\.[A-Za-z_$][\w$\-]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"true": True, "false": False, "null": None}
_TRAILING_SPACE = re.compile(r"\s*\Z")  # matched in place: no copy of the rest per token


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _tokens(text: str) -> list[_Tok]:
    out, pos = [], 0
    while pos < len(text):
        if _TRAILING_SPACE.match(text, pos):
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise InvalidFilter(f"unexpected character {text[pos:].lstrip()[:1]!r} at position {pos + 1}")
        kind = m.lastgroup or ""
        out.append(_Tok(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, rtype: ResourceType, text: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.rtype, self.text, self.toks, self.i, self.depth = rtype, text, _tokens(text), 0, 0
        self.limits = limits

    def fail(self, what: str) -> InvalidFilter:
        tok = self.toks[self.i] if self.i < len(self.toks) else None
        where = f"at '{tok.text}' (position {tok.pos + 1})" if tok else "at the end of the filter"
        return InvalidFilter(f"{what} {where}")

    def peek_word(self, *words: str) -> bool:
        tok = self.toks[self.i] if self.i < len(self.toks) else None
        return bool(tok and tok.kind == "word" and tok.text.lower() in words)

    def peek_punct(self, p: str) -> bool:
        tok = self.toks[self.i] if self.i < len(self.toks) else None
        return bool(tok and tok.kind == "punct" and tok.text == p)

    def take(self) -> _Tok:
        if self.i >= len(self.toks):
            raise self.fail("incomplete filter")
        self.i += 1
        return self.toks[self.i - 1]

    def expect(self, p: str) -> None:
        if not self.peek_punct(p):
            raise self.fail(f"expected '{p}'")
        self.i += 1

    def parse(self) -> Expr:
        if not self.toks:
            raise InvalidFilter("empty filter")
        expr = self.or_(None)
        if self.i != len(self.toks):
            raise self.fail("unexpected token")
        return expr

    def or_(self, parent: AttrPath | None) -> Expr:
        expr = self.and_(parent)
        while self.peek_word("or"):
            self.i += 1
            expr = Or(expr, self.and_(parent))
        return expr

    def and_(self, parent: AttrPath | None) -> Expr:
        expr = self.not_(parent)
        while self.peek_word("and"):
            self.i += 1
            expr = And(expr, self.not_(parent))
        return expr

    def not_(self, parent: AttrPath | None) -> Expr:
        if self.peek_word("not") and self.i + 1 < len(self.toks) and self.toks[self.i + 1].text == "(":
            self.i += 1
            return Not(self.group(parent))
        if self.peek_punct("("):
            return self.group(parent)
        return self.attr_expr(parent)

    def group(self, parent: AttrPath | None) -> Expr:
        self.expect("(")
        self.depth += 1
        if self.depth > self.limits.filter_depth:
            raise self.fail(self.limits.exceeded("filter_depth", "too many nested parentheses"))
        expr = self.or_(parent)
        self.expect(")")
        self.depth -= 1
        return expr

    def path(self, parent: AttrPath | None) -> AttrPath:
        tok = self.take()
        if tok.kind != "word" or tok.text.startswith("."):
            self.i -= 1
            raise self.fail("expected an attribute name")
        try:
            return resolve_sub(parent, tok.text) if parent else resolve(self.rtype, tok.text)
        except InvalidPath as e:
            raise InvalidFilter(e.detail) from None

    def attr_expr(self, parent: AttrPath | None) -> Expr:
        path = self.path(parent)
        if self.peek_punct("["):
            if parent is not None or not path.attribute.multi_valued or path.sub is not None:
                raise self.fail("a value filter needs a multi-valued complex attribute")
            self.i += 1
            inner = self.or_(path)
            self.expect("]")
            tok = self.toks[self.i] if self.i < len(self.toks) else None
            if tok and tok.kind == "word" and tok.text.startswith("."):
                self.i += 1  # Entra: emails[type eq "work"].value eq "x"
                try:
                    sub = resolve_sub(path, tok.text[1:])
                except InvalidPath as e:
                    raise InvalidFilter(e.detail) from None
                return ValueFilter(path, And(inner, self.comparison(sub)))
            return ValueFilter(path, inner)
        return self.comparison(path)

    def comparison(self, path: AttrPath) -> Expr:
        if self.peek_word("pr"):
            self.i += 1
            return Present(path)
        if not self.peek_word(*COMPARE_OPS):
            raise self.fail("expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)")
        op = self.take().text.lower()
        value = self.literal()
        if path.leaf.type == COMPLEX:
            value_sub = path.leaf.sub("value")
            if value_sub is None or path.sub is not None:
                raise InvalidFilter(f"cannot compare the complex attribute '{path.name}'")
            path = path.with_sub(value_sub)  # `members eq "id"` means members.value
        check_comparable(path, op, value)
        return Compare(path, op, value)

    def literal(self) -> Literal:
        tok = self.take()
        if tok.kind == "string":
            value = str(json.loads(tok.text))
            if FORBIDDEN_CHARS.search(value):  # no store can hold or compare these
                raise self.fail("a string with a lone surrogate or control character")
            return value
        if tok.kind == "number":
            try:
                number: int | float = json.loads(tok.text)
            except ValueError:  # an integer of thousands of digits
                self.i -= 1
                raise self.fail("number out of range") from None
            if isinstance(number, int) and abs(number) > MAX_EXACT_INTEGER:
                raise self.fail(f"an integer beyond ±{MAX_EXACT_INTEGER} (what every store compares exactly)")
            return number
        if tok.kind == "word" and tok.text.lower() in _KEYWORDS:
            return _KEYWORDS[tok.text.lower()]
        self.i -= 1
        raise self.fail("expected a JSON value (a quoted string, number, true, false or null)")


def check_comparable(path: AttrPath, op: str, value: Literal) -> None:
    """Reject comparisons the RFC leaves meaningless (ordering on booleans, null with ordering)."""
    kind = path.leaf.type
    if kind == BOOLEAN and op not in ("eq", "ne"):
        raise InvalidFilter(f"operator '{op}' is not defined for the boolean attribute '{path.name}'")
    if value is None and op not in ("eq", "ne"):
        raise InvalidFilter(f"operator '{op}' cannot compare with null")
    if isinstance(value, bool) and op not in ("eq", "ne"):
        raise InvalidFilter(f"operator '{op}' cannot compare with a boolean")
    if kind == DATETIME and isinstance(value, str) and op not in ("co", "sw", "ew"):
        # compared as instants: what is not one (a date alone, no offset, a week date) would
        # silently match nothing; the same rule as stored values (RFC 7643 §2.3.5)
        try:
            date_time(value)
        except BadValue as err:
            raise InvalidFilter(f"the dateTime {value!r} in '{path.name}': {err}") from None


def parse_filter(rtype: ResourceType, text: str, limits: Limits = DEFAULT_LIMITS) -> Expr:
    """Parse a filter for a resource type. Raises InvalidFilter with a pointer to the problem."""
    if len(text) > limits.filter_length:
        raise InvalidFilter(limits.exceeded("filter_length", f"a filter of {len(text)} characters"))
    return _Parser(rtype, text, limits).parse()


@dataclass(frozen=True)
class PatchPath:
    """A PATCH path (RFC 7644 §3.5.2): an attribute, optionally a value filter on it, optionally a
    sub-attribute of the matching values (`emails[type eq "work"].value`)."""

    path: AttrPath
    filter: Expr | None = None
    sub: AttrPath | None = None


def parse_path(rtype: ResourceType, text: str) -> PatchPath:
    """Parse a PATCH path; anything malformed or unknown is InvalidPath."""
    try:
        parser = _Parser(rtype, text)
        if not parser.toks:
            raise InvalidPath("empty path")
        path = parser.path(None)
        expr, sub = None, None
        if parser.peek_punct("["):
            if not path.attribute.multi_valued or path.sub is not None:
                raise InvalidPath(f"'{path.name}' is not a multi-valued attribute")
            parser.i += 1
            expr = parser.or_(path)
            parser.expect("]")
            tok = parser.toks[parser.i] if parser.i < len(parser.toks) else None
            if tok and tok.kind == "word" and tok.text.startswith("."):
                parser.i += 1
                sub = resolve_sub(path, tok.text[1:])
        if parser.i != len(parser.toks):
            raise parser.fail("unexpected text in path")
    except InvalidFilter as err:
        raise InvalidPath(err.detail) from None
    return PatchPath(path, expr, sub)
