"""conform on plain attribute data (RFC 7643 §2, §3): names, unknown attributes, nulls, readOnly,
types, multi-valued shapes, primary, pruning, extensions, and the messages a client reads."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from domain.errors import InvalidValue
from domain.idp.policy import PRESETS, Policy
from domain.schema.attributes import (
    BINARY,
    BOOLEAN,
    COMPLEX,
    DATETIME,
    DECIMAL,
    INTEGER,
    READ_ONLY,
    Attribute,
    Schema,
)
from domain.schema.core import ENTERPRISE_USER_SCHEMA as ENT
from domain.schema.core import group_type, user_type
from domain.schema.validation import conform

THING = "urn:example:params:scim:schemas:extension:thing:2.0:User"
EXTENSION = Schema(THING, "Thing", "typed attributes for the tests", (
    Attribute("count", INTEGER), Attribute("ratio", DECIMAL), Attribute("seen", DATETIME),
    Attribute("blob", BINARY), Attribute("flag", BOOLEAN), Attribute("tags", multi_valued=True),
    Attribute("secret", mutability=READ_ONLY),
    Attribute("box", COMPLEX, sub_attributes=(Attribute("size", INTEGER), Attribute("label"))),
))
USER, GROUP = user_type((EXTENSION,)), group_type()
LENIENT, STRICT = Policy(), PRESETS["strict"]


def ok(data: dict[str, Any], policy: Policy = LENIENT, rtype: Any = USER) -> dict[str, Any]:
    return conform(rtype, data, policy)


def error(data: dict[str, Any], policy: Policy = LENIENT, rtype: Any = USER) -> str:
    with pytest.raises(InvalidValue) as caught:
        conform(rtype, data, policy)
    return caught.value.detail


class TestNames:
    def test_names_match_in_any_case_and_come_out_as_the_schema_spells_them(self) -> None:
        out = ok({"USERNAME": "bjensen", "name": {"GIVENNAME": "Barbara"}, ENT.upper(): {"Department": "R&D"}})
        assert out == {"userName": "bjensen", "name": {"givenName": "Barbara"}, ENT: {"department": "R&D"}}

    def test_the_result_follows_the_schema_order_core_then_external_id_then_extensions(self) -> None:
        out = ok({ENT: {"department": "d"}, "externalId": "e", "name": {"givenName": "B", "familyName": "J"},
                  "userName": "u"})
        assert list(out) == ["userName", "name", "externalId", ENT]
        assert list(out["name"]) == ["familyName", "givenName"]

    @pytest.mark.parametrize(("data", "name"), [
        ({"userName": "a", "USERNAME": "b"}, "userName"),
        ({"userName": "a", "name": {"givenName": "a", "givenname": "b"}}, "givenName"),
    ])
    def test_a_name_given_twice_is_refused(self, data: dict[str, Any], name: str) -> None:
        assert f"Attribute '{name}' given twice (names are case-insensitive)." in error(data)

    def test_a_null_or_read_only_first_spelling_is_no_repetition(self) -> None:
        assert ok({"userName": None, "USERNAME": "b", "groups": [], "Groups": []}) == {"userName": "b"}

    def test_the_input_is_never_changed(self) -> None:
        data = {"userName": "u", "emails": [{"value": "a", "primary": "True"}, {"value": "b", "primary": True}],
                "name": {}, "groups": [{"value": "g"}]}
        before = copy.deepcopy(data)
        out = ok(data)
        assert data == before and out["emails"] is not data["emails"]


class TestUnknownAttributes:
    def test_unknown_attributes_are_dropped_by_default(self) -> None:
        assert ok({"userName": "u", "favouriteColour": "blue", "name": {"nickname": "x"}}) == {"userName": "u"}

    @pytest.mark.parametrize(("data", "detail"), [
        ({"userName": "u", "favouriteColour": "blue"}, "Unknown attribute 'favouriteColour'."),
        ({"name": {"nickname": "x"}}, "name: Unknown attribute 'nickname' in 'name'."),
        ({"emails": [{"value": "a", "kind": "x"}]}, "emails[0]: Unknown attribute 'kind' in 'emails'."),
        ({ENT: {"manager": {"id": "x"}}}, f"{ENT}.manager: Unknown attribute 'id' in '{ENT}.manager'."),
    ])
    def test_the_reject_policy_names_the_unknown_attribute(self, data: dict[str, Any], detail: str) -> None:
        assert error(data, STRICT) == detail

    def test_the_common_attributes_are_known_and_id_and_meta_are_dropped(self) -> None:
        assert ok({"userName": "u", "id": "x", "meta": {"version": 1}, "externalId": "e"}, STRICT) == {
            "userName": "u", "externalId": "e"}


class TestDropped:
    def test_nulls_are_unassigned(self) -> None:
        assert ok({"userName": "u", "displayName": None, "emails": [None, {"value": "a", "type": None}]}) == {
            "userName": "u", "emails": [{"value": "a"}]}

    def test_read_only_attributes_are_dropped_whatever_their_value(self) -> None:
        data = {"userName": "u", "groups": 5, THING: {"secret": [1], "count": 1},
                ENT: {"manager": {"value": "m", "displayName": 7}}}
        assert ok(data) == {"userName": "u", ENT: {"manager": {"value": "m"}}, THING: {"count": 1}}

    def test_empty_objects_and_lists_are_pruned_at_every_level(self) -> None:
        data = {"userName": "u", "name": {}, "emails": [], "addresses": [{}, {"type": "work"}], ENT: {"manager": {}},
                THING: {"box": {}, "tags": []}}
        assert ok(data) == {"userName": "u", "addresses": [{"type": "work"}]}

    def test_password_and_members_are_left_for_the_caller_and_an_empty_member_list_is_kept(self) -> None:
        assert ok({"userName": "u", "password": ""}) == {"userName": "u", "password": ""}
        assert ok({"displayName": "g", "members": []}, rtype=GROUP) == {"displayName": "g", "members": []}
        assert ok({"displayName": "g", "members": [{}]}, rtype=GROUP)["members"] == [{}]


class TestTypes:
    @pytest.mark.parametrize(("attrs", "detail"), [
        ({"userName": 5}, "userName: Not a valid string."),
        ({"userName": ["a"]}, "userName: Not a valid string."),
        ({"externalId": 7}, "externalId: Not a valid string."),
        ({"name": {"givenName": 5}}, "name.givenName: Not a valid string."),
        ({"name": "Barbara"}, "name: Expected an object in 'name'."),
        ({"active": "maybe"}, "active: Not a valid boolean."),
        ({"active": 1}, "active: Not a valid boolean."),
        ({"emails": [{"value": "a", "primary": "maybe"}]}, "emails[0].primary: Not a valid boolean."),
        ({"emails": "a@example.com"}, "emails: Not a valid list."),
        ({"emails": [1]}, "emails[0]: Expected an object in 'emails'."),
        ({"x509Certificates": [{"value": "not base64!"}]}, "x509Certificates[0].value: Not valid base64."),
        ({THING: {"count": True}}, f"{THING}.count: Not a valid integer."),
        ({THING: {"count": 1.5}}, f"{THING}.count: Not a valid integer."),
        ({THING: {"ratio": "1"}}, f"{THING}.ratio: Not a valid number."),
        ({THING: {"ratio": float("inf")}}, f"{THING}.ratio: Not a valid number."),
        ({THING: {"seen": "yesterday"}}, f"{THING}.seen: Not a valid xsd:dateTime: expected a date, a time and "
                                         "an offset, e.g. 2024-06-01T08:30:00Z."),
        ({THING: {"seen": "2024-02-30T00:00:00Z"}}, f"{THING}.seen: Not a valid xsd:dateTime."),
        ({THING: {"seen": 2024}}, f"{THING}.seen: Not a valid string."),
        ({THING: {"tags": ["a", None, 3]}}, f"{THING}.tags[1]: Not a valid string."),
        ({THING: {"box": {"size": "big"}}}, f"{THING}.box.size: Not a valid integer."),
        ({ENT: "Retail"}, f"{ENT}: Expected an object in '{ENT}'."),
        ({ENT: {"department": 3}}, f"{ENT}.department: Not a valid string."),
    ])
    def test_a_value_of_the_wrong_type_is_named_with_its_path(self, attrs: dict[str, Any], detail: str) -> None:
        assert error({"userName": "u", **attrs}) == detail

    def test_every_wrong_value_is_named_in_schema_order(self) -> None:
        detail = error({"active": "maybe", "userName": ["list"], "emails": [{"value": 1}, 2]})
        assert detail == ("userName: Not a valid string.; active: Not a valid boolean.; "
                          "emails[0].value: Not a valid string.; emails[1]: Expected an object in 'emails'.")

    def test_values_of_every_type_pass_as_sent(self) -> None:
        thing = {"count": -3, "ratio": 0.5, "seen": "2024-05-01T12:00:00Z", "blob": "aGVsbG8=", "flag": False,
                 "tags": ["a", "b"], "box": {"size": 2, "label": "l"}}
        assert ok({"userName": "u", "profileUrl": "https://x", THING: thing})[THING] == thing

    def test_a_decimal_beyond_the_float_range_is_refused_not_a_crash(self) -> None:
        huge = 10**400  # math.isfinite(10**400) raises OverflowError
        assert "ratio: Not a decimal every store compares exactly" in error({"userName": "u", THING: {"ratio": huge}})

    def test_string_booleans_follow_the_policy(self) -> None:
        assert ok({"userName": "u", "active": "False", THING: {"flag": "TRUE"}}) == {
            "userName": "u", "active": False, THING: {"flag": True}}
        assert error({"userName": "u", "active": "False"}, Policy(string_booleans=False)) == (
            "active: Not a valid boolean.")


class TestMultiValued:
    def test_a_lone_object_is_a_list_of_one(self) -> None:
        assert ok({"userName": "u", "emails": {"value": "a@example.com"}})["emails"] == [{"value": "a@example.com"}]

    def test_null_elements_are_dropped_before_indexing(self) -> None:
        assert error({"userName": "u", "emails": [None, {"value": 1}]}) == "emails[0].value: Not a valid string."

    def test_only_the_first_primary_stays_primary(self) -> None:
        emails = [{"value": "a", "primary": "true"}, {"value": "b", "primary": True}, {"value": "c"}]
        assert ok({"userName": "u", "emails": emails})["emails"] == [
            {"value": "a", "primary": True}, {"value": "b", "primary": False}, {"value": "c"}]
