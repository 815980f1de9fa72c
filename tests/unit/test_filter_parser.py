"""The filter parser: RFC 7644 §3.4.2.2 grammar into the domain AST; bad filters are InvalidFilter."""

import pytest

from domain.errors import InvalidFilter
from domain.limits import Limits
from domain.query.ast import And, Compare, Not, Or, Present, ValueFilter
from domain.query.parser import parse_filter
from domain.schema.registry import default_registry

REG = default_registry()


def p(text, rtype=None):
    return parse_filter(rtype or REG.user, text)


def test_an_equality_on_user_name_resolves_the_attribute_case_insensitively():
    expr = p('USERNAME EQ "bjensen"')
    assert isinstance(expr, Compare) and expr.path.name == "userName" and expr.op == "eq"
    assert expr.value == "bjensen"


def test_and_binds_tighter_than_or():
    expr = p('userName eq "a" or userName eq "b" and active eq true')
    assert isinstance(expr, Or) and isinstance(expr.right, And)


def test_parentheses_and_not_group_expressions():
    expr = p('not (userName eq "a" or userName eq "b") and id pr')
    assert isinstance(expr, And) and isinstance(expr.left, Not) and isinstance(expr.right, Present)


@pytest.mark.parametrize(("literal", "value"), [
    ('"a\\"b"', 'a"b'), ('"\\u00e9"', "é"), ("true", True), ("False", False), ("null", None), ("12", 12),
    ("-1.5e2", -150.0),
])
def test_values_are_json_literals(literal, value):
    assert p(f"title eq {literal}").value == value


def test_a_complex_value_filter_with_a_sub_attribute_comparison():
    expr = p('emails[type eq "work" and value co "@example.com"]')
    assert isinstance(expr, ValueFilter) and expr.path.name == "emails"
    assert isinstance(expr.filter, And) and expr.filter.right.path.name == "emails.value"


def test_entras_value_filter_followed_by_a_sub_attribute():
    expr = p('emails[type eq "work"].value eq "x@y"')
    assert isinstance(expr, ValueFilter) and expr.filter.right.path.name == "emails.value"


def test_urn_qualified_extension_attributes_and_sub_attributes():
    expr = p('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m"')
    assert expr.path.extension and expr.path.name.endswith(":manager.value")


def test_members_eq_means_members_value_on_groups():
    expr = p('id eq "g" and members eq "u"', REG.group)
    assert expr.right.path.name == "members.value"


@pytest.mark.parametrize("bad", [
    "", "userName", 'userName eq', 'userName xx "a"', 'nosuch eq "a"', 'userName eq "a" and',
    '(userName eq "a"', 'userName eq a', 'active gt true', 'name.nosuch eq "a"', 'emails[type eq "w"',
    'userName eq "a" userName eq "b"', 'urn:bogus:Thing:x eq "1"', 'title lt null', 'userName eq "\x01"',
])
def test_bad_filters_are_invalid_filter_errors(bad):
    with pytest.raises(InvalidFilter):
        p(bad)


def test_the_error_points_at_the_problem():
    with pytest.raises(InvalidFilter, match="position 10"):
        p('userName xx "a"')


@pytest.mark.parametrize("bad", ['userName gt "a\\ud83d"', 'userName eq "\\u0000"',
                                 'meta.created gt "0001-01-01T00:30:00+01:00"',
                                 'meta.lastModified lt "9999-12-31T23:30:00-01:00"'])
def test_literals_no_store_can_compare_are_invalid_filters_not_server_errors(bad):
    with pytest.raises(InvalidFilter):
        p(bad)


@pytest.mark.parametrize("literal", ["yesterday", "2024-06-01", "20240601", "2024-W23-1", "2024-06-01T08:00:00"])
@pytest.mark.parametrize("op", ["eq", "ne", "gt", "ge", "lt", "le"])
def test_a_date_time_comparison_with_what_is_no_instant_is_invalid_not_a_silent_miss(op, literal):
    with pytest.raises(InvalidFilter, match=f"the dateTime '{literal}' in 'meta.created'"):
        p(f'meta.created {op} "{literal}"')


@pytest.mark.parametrize("op", ["co", "sw", "ew"])
def test_substring_operators_on_a_date_time_compare_its_text(op):
    assert p(f'meta.created {op} "2024-06"').value == "2024-06"


# Filters IdPs and scanners send that are not valid SCIM filters (tests/http/test_listing.py
# sends a few of them over HTTP for the 400 invalidFilter answer).
IDP_BAD_FILTERS = [
    'userName eq',
    'userName eq alice',
    'userName eq jdoe@example.com',
    'bogus eq "x"',
    'userName xx "a"',
    '(userName eq "a"',
    'userName eq "a")',
    'userName eq "a" and',
    'userName eq "a" userName eq "b"',
    'active gt true',
    'userName gt null',
    'emails[value eq "x"',
    'name[givenName eq "x"]',
    'name.bogus eq "x"',
    'urn:example:unknown:1.0:User:attr eq "x"',
    'userName eq "unterminated',
    '"x" eq userName',
    'name eq "x"',
    'userName eq "a" ; drop table users',
    'userName eq "\u0000"',
    "eq",
    "()",
    'not userName eq "a"',
]


@pytest.mark.parametrize("bad", IDP_BAD_FILTERS)
def test_malformed_or_unknown_filters_idps_send_are_invalid_filter_errors(bad):
    with pytest.raises(InvalidFilter):
        p(bad)


def test_a_user_attribute_is_not_a_group_attribute():
    with pytest.raises(InvalidFilter):
        p('userName eq "x"', REG.group)


def test_a_filter_longer_than_the_limit_is_invalid_and_the_detail_names_the_limit():
    with pytest.raises(InvalidFilter, match=r"7596 characters: at most 4096 \(scim.limits.filter_length\)"):
        p(" or ".join(['userName eq "x"'] * 400))


def test_the_filter_limits_are_the_callers():
    text = " or ".join(['userName eq "x"'] * 4)
    with pytest.raises(InvalidFilter, match="filter_length"):
        parse_filter(REG.user, text, Limits(filter_length=len(text) - 1))
    assert parse_filter(REG.user, text, Limits(filter_length=len(text)))
    nested = '((userName eq "x"))'
    with pytest.raises(InvalidFilter, match=r"at most 1 \(scim.limits.filter_depth\)"):
        parse_filter(REG.user, nested, Limits(filter_depth=1))
    assert parse_filter(REG.user, nested, Limits(filter_depth=2))


@pytest.mark.parametrize(("opener", "depth"), [("(", 600), ("not (", 400)])
def test_deeply_nested_parentheses_are_invalid_not_a_recursion_error(opener, depth):
    expr = opener * depth + 'userName eq "x"' + ")" * depth
    assert len(expr) <= 4096
    with pytest.raises(InvalidFilter, match="nested"):
        p(expr)


@pytest.mark.parametrize("joiner", [" or ", " and "])
def test_a_long_flat_chain_of_conditions_parses(joiner):
    expr = joiner.join(["id pr"] * 400)
    assert len(expr) <= 4096
    assert isinstance(p(expr), Or if joiner == " or " else And)


@pytest.mark.parametrize("literal", ["9007199254740992", "-9007199254740992", "100000000000000000000", "-" + "9" * 500])
def test_an_integer_beyond_what_every_store_compares_exactly_is_an_invalid_filter(literal: str) -> None:
    """SQLite compares JSON numbers as 64-bit floats, PostgreSQL as numerics: past 2^53 their
    answers would differ, so such a literal is refused on both."""
    with pytest.raises(InvalidFilter, match="every store compares exactly"):
        p(f"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq {literal}")


def test_the_largest_exact_integers_are_accepted() -> None:
    for literal in ("9007199254740991", "-9007199254740991"):
        assert isinstance(p(f"userName eq {literal}"), Compare)
