"""domain.schema.values and domain.schema.rules: the value checks by data type (RFC 7643 §2.3)
and the whole-resource rules, with the exact message a client reads."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import Mutability
from domain.schema.attributes import IMMUTABLE, Attribute, ResourceType, Schema
from domain.schema.rules import check_immutable
from domain.schema.values import BadValue, binary, decimal

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
    assert decimal(1.5) == 1.5 and decimal(10**400) == 10**400


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
