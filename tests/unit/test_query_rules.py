"""domain.query: the exact errors clients read (parser, PATCH paths, sort and cursor positions)
and the time rules every store shares (domain.query.values)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.errors import InvalidFilter, InvalidPath, InvalidValue
from domain.query.ordering import position_time, position_value, sort_target
from domain.query.parser import parse_filter, parse_path
from domain.query.paths import resolve
from domain.query.values import FLAG, NUMBER, TEXT, TIME, as_time, comparable, time_text
from domain.schema.attributes import Attribute
from domain.schema.registry import default_registry

NOT_A_POSITION = "the cursor does not hold a position of this sort order"


@pytest.mark.parametrize(("text", "detail"), [
    ("userName eq", "incomplete filter at the end of the filter"),
    ('emails[type eq "work"', "expected ']' at the end of the filter"),
])
def test_a_filter_cut_short_says_so(text: str, detail: str) -> None:
    with pytest.raises(InvalidFilter) as caught:
        parse_filter(default_registry().user, text)
    assert caught.value.detail == detail


@pytest.mark.parametrize(("text", "detail"), [
    ("", "empty path"),
    ("   ", "empty path"),
    ('userName[value eq "x"]', "'userName' is not a multi-valued attribute"),
    ('emails.value[type eq "work"]', "'emails.value' is not a multi-valued attribute"),
    ("userName x", "unexpected text in path at 'x' (position 10)"),
    ('emails[type eq "work"] x', "unexpected text in path at 'x' (position 24)"),
])
def test_a_bad_patch_path_is_invalid_path_with_its_reason(text: str, detail: str) -> None:
    with pytest.raises(InvalidPath) as caught:
        parse_path(default_registry().user, text)
    assert caught.value.detail == detail


def test_a_complex_attribute_without_a_value_cannot_be_sorted_by() -> None:
    with pytest.raises(InvalidValue) as caught:
        sort_target(resolve(default_registry().user, "name"))
    assert caught.value.detail == (
        "cannot sort by 'name': it is a complex attribute without a value; sort by one of its sub-attributes"
    )


@pytest.mark.parametrize(("kind", "value"), [
    (NUMBER, "2024-01-31T08:00:00Z"),  # a time string is no number position
    (FLAG, "true"),
    (TEXT, 5),
    (TIME, "yesterday"),
    (TIME, 5),
])
def test_a_position_of_another_kind_is_refused(kind: str, value: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        position_value(kind, value)
    assert caught.value.detail == NOT_A_POSITION


@pytest.mark.parametrize("value", ["2024-01-31T08:00:00", "yesterday", 5, None])
def test_an_unsorted_position_needs_a_time_with_an_offset(value: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        position_time(value)
    assert caught.value.detail == NOT_A_POSITION


def test_an_unsorted_position_is_its_instant() -> None:
    assert position_time("2024-01-31T09:00:00+01:00") == datetime(2024, 1, 31, 8, tzinfo=UTC)


def test_a_naive_time_names_no_instant() -> None:
    assert as_time(datetime(2024, 1, 31, 8)) is None
    assert as_time("2024-01-31T08:00:00") is None
    assert comparable(Attribute("created", "dateTime"), datetime(2024, 1, 31, 8)) is None


def test_an_aware_time_compares_as_its_utc_text() -> None:
    at = datetime(2024, 1, 31, 9, tzinfo=timezone(timedelta(hours=1)))
    assert comparable(Attribute("created", "dateTime"), at) == "2024-01-31T08:00:00.000000Z"
    assert comparable(Attribute("hired", "dateTime"), "2024-01-31T09:00:00+01:00") == "2024-01-31T08:00:00.000000Z"
    assert comparable(Attribute("hired", "dateTime"), "") is None


@pytest.fixture
def local_zone_new_york(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("local_zone_new_york")
def test_time_text_is_utc_whatever_the_servers_local_zone() -> None:
    at = datetime(2024, 1, 31, 9, tzinfo=timezone(timedelta(hours=1)))
    assert time_text(at) == "2024-01-31T08:00:00.000000Z"
