"""domain.schema.values and domain.schema.rules: the value checks by data type (RFC 7643 §2.3)
and the whole-resource rules, with the exact message a client reads."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import Mutability
from domain.schema.attributes import IMMUTABLE, Attribute, ResourceType, Schema
from domain.schema.rules import check_immutable
from domain.schema.values import BadValue, binary, date_time, decimal, integer

BADGE = "urn:example:badge"


@pytest.mark.parametrize(("check", "value", "message"), [
    (decimal, True, "Not a valid number."),  # a boolean is no number
    (decimal, float("inf"), "Not a valid number."),
    (decimal, "1.5", "Not a valid number."),
    (binary, "aGk=!", "Not valid base64."),  # a character outside the alphabet is not skipped
    (binary, "aG k=", "Not valid base64."),
    (binary, "aGk", "Not valid base64."),
])
def test_a_value_not_of_its_type_is_refused_with_its_message(check: Any, value: Any, message: str) -> None:
    with pytest.raises(BadValue) as caught:
        check(value)
    assert str(caught.value) == message


def test_valid_values_are_kept_as_written() -> None:
    assert binary("aGk=") == "aGk="
    assert decimal(1.5) == 1.5 and decimal(2**53 - 1) == 2**53 - 1 and decimal(1e30) == 1e30


@pytest.mark.parametrize("value", [2**53, -(2**53), 10**30, 10**400])
def test_an_integer_a_double_would_round_is_no_decimal_every_store_compares(value: int) -> None:
    with pytest.raises(BadValue, match="beyond ±9007199254740991"):
        decimal(value)


@pytest.mark.parametrize("text", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"])
def test_a_date_time_outside_years_1_to_9999_in_utc_is_refused_as_filters_refuse_it(text: str) -> None:
    with pytest.raises(BadValue, match="within years 1 to 9999 in UTC"):
        date_time(text)
    assert date_time("0001-01-01T00:30:00Z") and date_time("9999-12-31T23:30:00+01:00")


def device_type() -> ResourceType:
    """A type with an immutable attribute in its core schema and in an extension."""
    core = Schema("urn:example:device", "Device", "", (Attribute("serial", mutability=IMMUTABLE), Attribute("label")))
    badge = Schema(BADGE, "Badge", "", (Attribute("number", mutability=IMMUTABLE),))
    return ResourceType("Device", "/Devices", "", core, ((badge, False),))


@pytest.mark.parametrize(("after", "detail"), [
    ({"serial": "s2", BADGE: {"number": 1}}, "'serial' is immutable"),
    ({"serial": "s1", BADGE: {"number": 2}}, f"'{BADGE}:number' is immutable"),
    ({"serial": "s1"}, f"'{BADGE}:number' is immutable"),  # dropping the extension removes its value
])
def test_an_immutable_value_may_not_change(after: dict[str, Any], detail: str) -> None:
    with pytest.raises(Mutability) as caught:
        check_immutable(device_type(), {"serial": "s1", BADGE: {"number": 1}}, after)
    assert caught.value.detail == detail


def test_unchanged_immutable_values_and_a_first_value_pass() -> None:
    before = {"serial": "s1", "label": "a", BADGE: {"number": 1}}
    check_immutable(device_type(), before, {"serial": "s1", "label": "b", BADGE: {"number": 1}})
    check_immutable(device_type(), {"label": "a"}, {"serial": "s1", BADGE: {"number": 1}})


@pytest.mark.parametrize("text", [
    "2024-06-01T08:30:00Z", "2024-06-01T08:30:00+02:00", "2024-06-01T08:30:00.5Z",
    "2024-06-01T08:30:00.123456789-05:30", "1999-12-31T23:59:59+14:00",
])
def test_an_xsd_datetime_with_a_time_and_an_offset_is_kept_as_written(text: str) -> None:
    assert date_time(text) == text


@pytest.mark.parametrize("text", [
    "2024-06-01", "20240601", "2024-W01-1", "2024-153", "2024-06-01T08:30:00", "2024-06-01 08:30:00Z",
    "2024-06-01T08:30Z", "2024-06-01T08:30:00+0200", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z",
    "2024-06-01T24:00:01Z", "2024-06-01T08:30:00z", " 2024-06-01T08:30:00Z", "",
])
def test_anything_else_is_refused_as_it_would_never_match_a_filter_or_sort_right(text: str) -> None:
    """RFC 7643 §2.3.5: a date alone, basic or week dates, a missing offset are not xsd:dateTime
    as SCIM uses it; stored, they would compare as text against the instants filters use."""
    with pytest.raises(BadValue, match="xsd:dateTime"):
        date_time(text)


@pytest.mark.parametrize("value", [2**53, -(2**53), 10**20])
def test_an_integer_beyond_what_every_store_compares_exactly_is_refused(value: int) -> None:
    with pytest.raises(BadValue, match="the range every store compares exactly"):
        integer(value)


def test_the_largest_exact_integers_are_kept() -> None:
    assert integer(2**53 - 1) == 2**53 - 1 and integer(-(2**53 - 1)) == -(2**53 - 1)
