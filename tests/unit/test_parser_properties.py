"""Properties of the filter and PATCH path parsers (issue 13): any text is parsed or refused with
InvalidFilter/InvalidPath, never another exception; valid filters and paths generated from the
grammar over the registry's attributes survive parse -> render -> parse, render a fixed point."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidFilter, InvalidPath
from domain.limits import Limits
from domain.query.ast import And, Compare, Or, Present, ValueFilter
from domain.query.parser import PatchPath, parse_filter, parse_path
from domain.query.paths import resolve, resolve_sub
from domain.query.render import render_filter, render_path
from domain.schema.attributes import (
    BOOLEAN,
    COMPLEX,
    DATETIME,
    DECIMAL,
    INTEGER,
    Attribute,
    ResourceType,
    Schema,
)
from domain.schema.core import COMMON_ATTRIBUTES
from domain.schema.registry import default_registry
from domain.schema.values import MAX_EXACT_INTEGER
from domain.text import FORBIDDEN_CHARS

REG = default_registry()
# Configured extensions with the attribute types the core schemas lack, on both resource types.
_TYPED = (Attribute("hired", DATETIME), Attribute("level", INTEGER), Attribute("score", DECIMAL),
          Attribute("tags", multi_valued=True), Attribute("flag", BOOLEAN),
          Attribute("badges", COMPLEX, multi_valued=True, sub_attributes=(
              Attribute("value"), Attribute("rank", INTEGER), Attribute("since", DATETIME))))
EXT = default_registry(*((Schema(f"urn:example:params:scim:schemas:extension:props:2.0:{n}", n, "",
                                 _TYPED),) for n in ("User", "Group")))
RTYPES = [pytest.param(REG.user, id="User"), pytest.param(REG.group, id="Group"),
          pytest.param(EXT.user, id="User+ext"), pytest.param(EXT.group, id="Group+ext")]
ROOMY = Limits(filter_length=10**6, filter_depth=10**3)  # generated nesting is not the question


def fuzz_settings(examples: int, thorough: int) -> settings:
    """As tests/contract/dataset.py's (SCIM_TEST_THOROUGH: `thorough`; SCIM_FUZZ_EXAMPLES)."""
    more = os.environ.get("SCIM_FUZZ_EXAMPLES")
    count = int(more) if more else thorough if os.environ.get("SCIM_TEST_THOROUGH") else examples
    return settings(max_examples=count, deadline=None, derandomize=more is None, database=None)


# -- the registry's attribute paths ---------------------------------------------------------------

Path = tuple[str, Attribute, Attribute | None]  # (text, attribute, sub-attribute)


def top_paths(rtype: ResourceType) -> list[Path]:
    """Every path a filter may name: common, core (bare and URN-prefixed) and extension ones."""
    named = [("", a) for a in COMMON_ATTRIBUTES]
    named += [(p, a) for a in rtype.schema.attributes for p in ("", rtype.schema.id + ":")]
    named += [(s.id + ":", a) for s, _ in rtype.extensions for a in s.attributes]
    out: list[Path] = []
    for prefix, attr in named:
        out.append((prefix + attr.name, attr, None))
        out += [(f"{prefix}{attr.name}.{s.name}", attr, s) for s in attr.sub_attributes]
    return out


def value_filtered(rtype: ResourceType) -> list[Path]:
    return [p for p in top_paths(rtype) if p[1].multi_valued and p[1].type == COMPLEX and not p[2]]


def cased(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from([text, text.lower(), text.upper(), text.swapcase()])


SPACE = st.sampled_from([" ", "  ", "\t", "\n ", "\u3000"])
SAFE_TEXT = st.text().filter(lambda s: not FORBIDDEN_CHARS.search(s))  # what a literal may hold


def string_literal() -> st.SearchStrategy[str]:
    return st.builds(lambda s, ascii_: json.dumps(s, ensure_ascii=ascii_), SAFE_TEXT, st.booleans())


def datetime_literal() -> st.SearchStrategy[str]:
    """Instants as xsd:dateTime with an offset of whole minutes: what a dateTime comparison
    takes (anything else is InvalidFilter, tested in test_filter_parser.py)."""
    offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
    when = st.datetimes(datetime(2, 1, 1), datetime(9998, 12, 31), timezones=offsets)
    return when.map(lambda t: json.dumps(t.isoformat()))


def literals(leaf: Attribute) -> st.SearchStrategy[str]:
    """Literals type-compatible with `leaf` (a complex one compares its `value`)."""
    leaf = (leaf.sub("value") or leaf) if leaf.type == COMPLEX else leaf
    if leaf.type == BOOLEAN:
        return st.sampled_from(["true", "false", "True", "FALSE"])
    if leaf.type == INTEGER:
        return st.integers(-MAX_EXACT_INTEGER, MAX_EXACT_INTEGER).map(str)
    if leaf.type == DECIMAL:
        return st.one_of(st.floats(allow_nan=False, allow_infinity=False).map(json.dumps),
                         st.integers(-MAX_EXACT_INTEGER, MAX_EXACT_INTEGER).map(str))
    return datetime_literal() if leaf.type == DATETIME else string_literal()


def comparison(name: str, attr: Attribute, sub: Attribute | None) -> st.SearchStrategy[str]:
    leaf = sub or attr
    ops = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"] if leaf.type != BOOLEAN else ["eq", "ne"]
    present = st.builds(lambda n, w: f"{n} {w}", cased(name), cased("pr"))
    if leaf.type == COMPLEX and (sub is not None or leaf.sub("value") is None):
        return present
    op = st.sampled_from([c for o in ops for c in (o, o.upper(), o.title())])
    compare = st.builds(lambda n, s, o, v: f"{n}{s}{o}{s}{v}", cased(name), SPACE, op, literals(leaf))
    null = st.builds(lambda n, o: f"{n} {o}", cased(name), st.sampled_from(["eq null", "NE NULL"]))
    return st.one_of(compare, compare, present, null)


def combine(atoms: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """and/or/not/parentheses over `atoms`, with the precedence left to the parser."""
    def extend(kids: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        joined = st.builds(lambda a, w, b: f"{a} {w} {b}", kids,
                           st.sampled_from(["and", "or", "AND", "Or"]), kids)
        return st.one_of(joined, joined, kids.map(lambda k: f"({k})"),
                         st.builds(lambda w, s, k: f"{w}{s}({k})", cased("not"), st.sampled_from(["", " "]), kids))
    return st.recursive(atoms, extend, max_leaves=8)


def sub_filter(path: Path) -> st.SearchStrategy[str]:
    """A filter inside `path[...]`: its sub-attributes by their bare names."""
    return combine(st.one_of([comparison(s.name, path[1], s) for s in path[1].sub_attributes]))


def value_filter(path: Path) -> st.SearchStrategy[str]:
    bracket = sub_filter(path).map(lambda f: f"{path[0]}[{f}]")
    entra = st.builds(lambda b, c: f"{b}.{c}", bracket,  # emails[type eq "work"].value eq "x"
                      st.one_of([comparison(s.name, path[1], s) for s in path[1].sub_attributes]))
    return st.one_of(bracket, entra)


@cache
def filters(rtype: ResourceType) -> st.SearchStrategy[str]:
    simple = st.one_of([comparison(*p) for p in top_paths(rtype)])
    valued = st.one_of([value_filter(p) for p in value_filtered(rtype)])
    return combine(st.one_of(simple, simple, valued))


@cache
def patch_paths(rtype: ResourceType) -> st.SearchStrategy[str]:
    plain = st.sampled_from([c for p in top_paths(rtype) for c in (p[0], p[0].upper())])
    valued = st.one_of([st.builds(
        lambda f, s, p=p: f"{p[0]}[{f}]{s}", sub_filter(p),
        st.sampled_from(["", *(f".{s.name}" for s in p[1].sub_attributes)]))
        for p in value_filtered(rtype)])
    return st.one_of(plain, valued)


# -- hostile text ---------------------------------------------------------------------------------

WORDS = ["(", ")", "[", "]", '"', '\\"', ".", ":", "and", "or", "not", "pr", "eq", "NE", "co", "sw",
         "ew", "gt", "ge", "lt", "le", "true", "False", "null", "0", "-1", "1.5", "1e999", "-1E400",
         "-0", "1.", ".5", "01", "9007199254740993", "1" * 5000, '"work"', '"\\u00e9"', '"\\ud83d"',
         '"\\u0000"', '"0001-01-01T00:30:00+01:00"', '"9999-12-31T23:30:00-01:00"', '"2020-06-01"',
         '"2020-W01-1"', "urn:", "urn:ietf:params:scim:schemas:core:2.0:", ".value", ".type", "$ref",
         "\x00", "\u2028", "\u00e9", "\ud800", "\ufeff", "\u0663", "not(", "emails[", "members["]


@cache
def soup(rtype: ResourceType) -> st.SearchStrategy[str]:
    words = st.one_of(st.sampled_from(WORDS), st.sampled_from([p[0] for p in top_paths(rtype)]),
                      st.text(max_size=3))
    return st.lists(st.tuples(words, st.sampled_from(["", " ", "  ", "\t"])), max_size=30).map(
        lambda ws: "".join(w + s for w, s in ws))


ANY_TEXT = st.one_of(st.text(), st.text(st.characters(codec=None, exclude_categories=())),
                     st.text(st.characters(max_codepoint=0x7f)))


@cache
def hostile(rtype: ResourceType, valid: Callable[[ResourceType], Any]) -> st.SearchStrategy[str]:
    """Any text, token soup, and valid text cut short or with a word of the soup put in."""
    broken = st.builds(lambda t, i, w: t[:i % (len(t) + 1)] + w + t[i % (len(t) + 1):] * (w != ""),
                       valid(rtype), st.integers(0, 300), st.sampled_from(["", *WORDS]))
    return st.one_of(ANY_TEXT, soup(rtype), broken)


def only_refused(parse: Callable[..., Any], text: str, render: Callable[[Any], str],
                 error: type[Exception], *roomy: Limits) -> None:
    """`parse(text)` raises `error` only, or gives a value that renders and parses back equal
    (under `roomy` limits: the rendering may be longer, and one parenthesis deeper)."""
    try:
        parsed = parse(text)
    except error:
        return
    assert parse(render(parsed), *roomy) == parsed


@pytest.mark.parametrize("rtype", RTYPES)
@fuzz_settings(100, 800)
@given(data=st.data())
def test_any_text_is_a_filter_or_invalid_filter(rtype: ResourceType, data: st.DataObject) -> None:
    text = data.draw(hostile(rtype, filters))
    only_refused(lambda t, *lim: parse_filter(rtype, t, *lim), text, render_filter, InvalidFilter, ROOMY)


@pytest.mark.parametrize("rtype", RTYPES)
@fuzz_settings(100, 800)
@given(data=st.data())
def test_any_text_is_a_path_or_invalid_path(rtype: ResourceType, data: st.DataObject) -> None:
    text = data.draw(hostile(rtype, patch_paths))
    only_refused(lambda t: parse_path(rtype, t), text, render_path, InvalidPath)


@pytest.mark.parametrize("rtype", RTYPES)
@fuzz_settings(60, 400)
@given(data=st.data())
def test_a_valid_filter_survives_render_and_reparse(rtype: ResourceType, data: st.DataObject) -> None:
    expr = parse_filter(rtype, data.draw(filters(rtype)), ROOMY)
    again = parse_filter(rtype, text := render_filter(expr), ROOMY)
    assert again == expr and render_filter(again) == text


@pytest.mark.parametrize("rtype", RTYPES)
@fuzz_settings(60, 400)
@given(data=st.data())
def test_a_valid_patch_path_survives_render_and_reparse(rtype: ResourceType, data: st.DataObject) -> None:
    path = parse_path(rtype, data.draw(patch_paths(rtype)))
    again = parse_path(rtype, text := render_path(path))
    assert again == path and render_path(again) == text


# -- what the fuzzing found, and the edges it leans on --------------------------------------------

@pytest.mark.parametrize("text", ["title eq 1e999", "title ne -1E400", "emails[value gt 1e309]"])
def test_a_number_beyond_any_float_renders_as_one_that_parses_back(text: str) -> None:
    """json.loads reads 1e999 as inf (accepted: tests/unit/test_filter_differential.py), which
    json.dumps writes as Infinity, no filter literal: the fuzz's first crash."""
    expr = parse_filter(REG.user, text)
    assert "1e999" in render_filter(expr) and parse_filter(REG.user, render_filter(expr)) == expr


def test_a_long_patch_path_is_refused_in_linear_time() -> None:
    """The tokenizer copied the rest of the text at every token: 400 KB took 15 s."""
    start = time.perf_counter()
    with pytest.raises(InvalidPath):
        parse_path(REG.user, "a " * 200_000)
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("text", ["(" * 5000, "not (" * 2000 + "id pr", 'emails[' + "(" * 5000,
                                  "(" * 33 + "id pr" + ")" * 33])
def test_deep_nesting_is_refused_before_recursion(text: str) -> None:
    with pytest.raises(InvalidFilter, match="filter_depth"):
        parse_filter(REG.user, text, Limits(filter_length=10**6))
    with pytest.raises(InvalidPath):
        parse_path(REG.user, text)


def spine(expr: Any) -> list[Any]:
    """A left-nested chain's nodes and leaves, walked in a loop (== recurses: 400 levels fail)."""
    out = []
    while isinstance(expr, And | Or):
        out += [type(expr), expr.right]
        expr = expr.left
    return [*out, expr]


@pytest.mark.parametrize("word", ["and", "or"])
def test_the_longest_chain_a_filter_holds_renders_and_parses_back(word: str) -> None:
    terms = (4096 + len(word) + 2) // (len(word) + 7)  # "id pr" and " word " each
    text = f" {word} ".join(["id pr"] * terms)
    expr = parse_filter(REG.user, text)
    assert render_filter(expr) == text and len(spine(expr)) == 2 * terms - 1
    assert spine(parse_filter(REG.user, render_filter(expr))) == spine(expr)


def test_render_refuses_what_no_filter_can_say() -> None:
    title, emails = resolve(REG.user, "title"), resolve(REG.user, "emails")
    typed = ValueFilter(emails, Present(resolve_sub(emails, "type")))
    for expr, why in [(Compare(title, "eq", float("nan")), "NaN"), (ValueFilter(emails, typed), "inside"),
                      (ValueFilter(emails, Present(title)), "not a sub-attribute")]:
        with pytest.raises(ValueError, match=why):
            render_filter(expr)
    with pytest.raises(ValueError, match="follows a value filter"):
        render_path(PatchPath(emails, None, resolve_sub(emails, "type")))


@pytest.mark.parametrize("text", ["userName.", "meta.", f"{REG.user.extensions[0][0].id}:manager."])
def test_a_trailing_dot_names_no_attribute(text: str) -> None:  # `userName. pr` was `userName pr`
    with pytest.raises(InvalidFilter, match="unknown sub-attribute"):
        parse_filter(REG.user, f"{text} pr")
    with pytest.raises(InvalidPath, match="unknown sub-attribute"):
        parse_path(REG.user, text)
