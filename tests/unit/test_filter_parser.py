"""The filter parser: RFC 7644 §3.4.2.2 grammar into the domain AST; bad filters are InvalidFilter."""

import pytest

from domain.errors import InvalidFilter
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


def test_a_string_that_is_not_a_date_time_is_still_a_valid_filter_that_matches_nothing():
    assert p('meta.created gt "yesterday"').value == "yesterday"
