"""PATCH engine rules beyond the basic operations: the exact error details, immutable and readOnly
attributes (with an admin-declared extension), explicit nulls, whole-extension paths, value lists
on simple multi-valued attributes and how member steps merge."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import InvalidPath, InvalidValue, Mutability, NoTarget
from domain.idp.policy import Policy
from domain.schema.attributes import COMPLEX, IMMUTABLE, INTEGER, READ_ONLY, Attribute, Schema
from domain.schema.core import ENTERPRISE_USER_SCHEMA as ENT
from domain.schema.registry import default_registry
from tests.unit.test_patch_engine import _ABSENT, RID, op, patch, user

BADGE = "urn:example:params:scim:schemas:badge:2.0:User"
BADGE_SCHEMA = Schema(BADGE, "Badge", "Badge data", (
    Attribute("badgeNumber", mutability=IMMUTABLE),
    Attribute("card", COMPLEX, sub_attributes=(Attribute("serial", mutability=IMMUTABLE), Attribute("color"))),
    Attribute("tags", multi_valued=True),
    Attribute("lockers", INTEGER, multi_valued=True),
    Attribute("keys", COMPLEX, multi_valued=True,
              sub_attributes=(Attribute("value"), Attribute("issuer", mutability=READ_ONLY))),
))
REG = default_registry(user_extensions=(BADGE_SCHEMA,))
USER, GROUP = REG.user, REG.group

WORK = {"value": "bj@work.example", "type": "work", "primary": True}
HOME = {"value": "bj@home.example", "type": "home"}


def group() -> dict[str, Any]:
    return {"displayName": "G"}


class TestErrorDetails:
    """The detail becomes the SCIM error's `detail`: clients and operators read it."""

    @pytest.mark.parametrize(("rtype", "data", "operation", "error", "detail"), [
        (USER, user(), op("remove", None), NoTarget, "'remove' needs a path"),
        (USER, user(), op("replace", 5, "x"), InvalidPath, "'path' must be a string"),
        (USER, user(), op("replace", ENT, "Retail"), InvalidValue, f"'{ENT}' needs an object value"),
        (USER, user(), op("replace", None, "text"), InvalidValue, "a path-less 'replace' needs an object value"),
        (USER, user(), op("replace", "id", "other"), Mutability, "'id' is readOnly"),
        (USER, user(), op("remove", "id", RID), Mutability, "'id' is readOnly"),
        (USER, user(), op("replace", "name", "Babs"), InvalidValue, "'name' needs an object value"),
        (USER, user(emails=[dict(WORK)]), op("replace", 'emails[type eq "work"]', "w@x"), InvalidValue,
         "'emails' needs an object value"),
        (USER, user(), op("replace", 'emails[value co "x"].display', "X"), NoTarget,
         "no value matches the filter, and it does not describe a value to create"),
        (USER, user(), op("remove", "groups"), Mutability, "'groups' is readOnly"),
        (USER, user(**{BADGE: {"badgeNumber": "7"}}), op("replace", f"{BADGE}:badgeNumber", "8"), Mutability,
         f"'{BADGE}:badgeNumber' is immutable"),
        (GROUP, group(), op("remove", 'members[value eq "u1"].display'), InvalidPath,
         "members can only be changed as a whole value"),
        (GROUP, group(), op("add", 'members[value eq "u1"]', {"value": "u1"}), InvalidPath,
         "a members value filter is only supported with 'remove'"),
        (GROUP, group(), op("remove", 'members[display eq "x"]'), InvalidPath,
         'members filters must be of the form members[value eq "<id>"]'),
        (GROUP, group(), op("remove", "members", [{"value": "u1"}]), InvalidValue,
         "'remove' on 'members' takes no value; use members[value eq \"<id>\"]"),
        (GROUP, group(), op("add", "members", [{"display": "x"}]), InvalidValue,
         "every member needs a 'value' (the member's id)"),
    ])
    def test_the_detail_says_what_is_wrong(self, rtype, data, operation, error, detail):
        # remove_value_list off for the members value list; create, so that a filter that
        # describes no value says so (under noTarget every unmatched filter is the same error)
        policy = Policy(remove_value_list=False, unmatched_filter="create")
        with pytest.raises(error) as caught:
            patch(rtype, data, operation, policy=policy)
        assert caught.value.detail == detail

    @pytest.mark.parametrize("path", ['members[value eq "u1" or display eq "x"]',
                                      'members[display eq "x" or value eq "u1"]'])
    def test_an_or_filter_must_name_ids_on_both_sides(self, path):
        with pytest.raises(InvalidPath) as caught:
            patch(GROUP, group(), op("remove", path))
        assert caught.value.detail == 'members filters must be of the form members[value eq "<id>"]'


class TestImmutable:
    """An immutable attribute (RFC 7643 §7) may be set once and then only to the same value;
    an immutable sub-attribute of a single-valued complex attribute too."""

    @pytest.mark.parametrize(("path", "data", "stored"), [
        (f"{BADGE}:badgeNumber", {"badgeNumber": "7"}, {"badgeNumber": "7"}),
        (f"{BADGE}:card.serial", {"card": {"serial": "7"}}, {"card": {"serial": "7"}}),
    ])
    def test_an_unset_immutable_value_can_be_set(self, path, data, stored):
        assert patch(USER, user(), op("add", path, "7")).data[BADGE] == stored

    @pytest.mark.parametrize("path", [f"{BADGE}:badgeNumber", f"{BADGE}:card.serial"])
    def test_the_same_value_again_is_accepted(self, path):
        data = user(**{BADGE: {"badgeNumber": "7", "card": {"serial": "7", "color": "red"}}})
        assert patch(USER, data, op("replace", path, "7")).data == data

    @pytest.mark.parametrize(("path", "name"), [(f"{BADGE}:badgeNumber", f"{BADGE}:badgeNumber"),
                                                 (f"{BADGE}:card.serial", f"{BADGE}:card.serial")])
    @pytest.mark.parametrize("operation", ["replace", "remove"])
    def test_changing_or_removing_a_set_value_is_mutability(self, path, name, operation):
        data = user(**{BADGE: {"badgeNumber": "7", "card": {"serial": "7", "color": "red"}}})
        with pytest.raises(Mutability) as caught:
            patch(USER, data, op(operation, path, "8") if operation == "replace" else op(operation, path))
        assert caught.value.detail == f"'{name}' is immutable"

    def test_a_sibling_of_an_immutable_sub_attribute_can_change(self):
        data = user(**{BADGE: {"card": {"serial": "7", "color": "red"}}})
        assert patch(USER, data, op("replace", f"{BADGE}:card.color", "blue")).data[BADGE] == {
            "card": {"serial": "7", "color": "blue"}}


class TestReadOnly:
    """Stored data never holds readOnly values (they are dropped when written), so only a null
    passes; any other value or a remove is refused."""

    @pytest.mark.parametrize("path", ["groups", "meta", f"{ENT}:manager.displayName"])
    def test_a_null_for_a_read_only_attribute_is_ignored(self, path):
        data = user(**{ENT: {"manager": {"value": "m"}}})
        assert patch(USER, data, op("replace", path, None)).data == data

    @pytest.mark.parametrize("path", ["groups", "meta", "meta.version", f"{ENT}:manager.displayName"])
    def test_removing_a_read_only_attribute_is_mutability(self, path):
        with pytest.raises(Mutability, match="readOnly"):
            patch(USER, user(**{ENT: {"manager": {"value": "m"}}}), op("remove", path))

    def test_a_read_only_sub_attribute_through_a_value_filter_is_mutability(self):
        data = user(**{BADGE: {"keys": [{"value": "k1"}]}})
        with pytest.raises(Mutability, match="readOnly"):
            patch(USER, data, op("replace", f'{BADGE}:keys[value eq "k1"].issuer', "acme"))


class TestNullValues:
    """A null in add or replace unassigns (RFC 7643 §2.5), whatever the kind of attribute."""

    DATA = user(name={"givenName": "B", "familyName": "J"}, emails=[dict(WORK), dict(HOME)],
                **{ENT: {"manager": {"value": "m"}, "department": "D"}})

    @pytest.mark.parametrize(("path", "changed"), [
        ("name", {"name": _ABSENT}),
        ("name.givenName", {"name": {"familyName": "J"}}),
        ("emails", {"emails": _ABSENT}),
        ('emails[type eq "work"]', {"emails": [HOME]}),
        (f"{ENT}:manager", {ENT: {"department": "D"}}),
    ])
    @pytest.mark.parametrize("name", ["add", "replace"])
    def test_a_null_unassigns(self, name, path, changed):
        expected = {**self.DATA, **changed}
        expected = {k: v for k, v in expected.items() if v is not _ABSENT}
        assert patch(USER, self.DATA, op(name, path, None)).data == expected

    @pytest.mark.parametrize("policy", [Policy(), Policy(remove_value_list=False)])
    def test_remove_with_an_explicit_null_removes_the_whole_attribute(self, policy):
        data = patch(USER, user(emails=[dict(WORK), dict(HOME)]), op("remove", "emails", None), policy=policy).data
        assert data == user()

    def test_remove_of_members_with_an_explicit_null_removes_every_member(self):
        assert patch(GROUP, group(), op("remove", "members", None)).member_steps == [("replace", [])]


class TestValueFilters:
    def test_replace_through_a_filter_drops_the_sub_attributes_it_does_not_name(self):
        data = patch(USER, user(emails=[dict(WORK), dict(HOME)]),
                     op("replace", 'emails[type eq "work"]', {"value": "w2@work.example", "type": "work"})).data
        assert sorted(data["emails"], key=lambda e: e["type"]) == [HOME, {"value": "w2@work.example", "type": "work"}]

    def test_removing_an_unset_sub_attribute_through_a_filter_changes_nothing(self):
        data = user(emails=[dict(WORK), dict(HOME)])
        assert patch(USER, data, op("remove", 'emails[type eq "home"].display')).data == data


class TestRemoveValueLists:
    def test_values_are_matched_case_insensitively(self):
        data = patch(USER, user(emails=[dict(WORK), dict(HOME)]),
                     op("remove", "emails", [{"value": "BJ@Home.Example"}])).data
        assert data["emails"] == [WORK]

    def test_bare_values_name_the_values_to_remove(self):
        data = patch(USER, user(emails=[dict(WORK), dict(HOME)]), op("remove", "emails", [HOME["value"]])).data
        assert data["emails"] == [WORK]

    @pytest.mark.parametrize(("name", "stored", "removed", "left"), [
        ("tags", ["a", "b"], ["A"], ["b"]),
        ("lockers", [3, 5], [3], [5]),
    ])
    def test_a_multi_valued_attribute_of_simple_values(self, name, stored, removed, left):
        data = patch(USER, user(**{BADGE: {name: stored}}), op("remove", f"{BADGE}:{name}", removed)).data
        assert data[BADGE] == {name: left}


class TestTheExtensionAsAPath:
    def test_replace_replaces_a_multi_valued_attribute_of_the_value(self):
        data = patch(USER, user(**{BADGE: {"tags": ["a"]}}), op("replace", BADGE, {"tags": ["b"]})).data
        assert data[BADGE] == {"tags": ["b"]}

    def test_add_appends_to_a_multi_valued_attribute_of_the_value(self):
        data = patch(USER, user(**{BADGE: {"tags": ["a"]}}), op("add", BADGE, {"tags": ["b"]})).data
        assert data[BADGE] == {"tags": ["a", "b"]}

    def test_remove_drops_the_whole_extension_even_with_a_value(self):
        data = user(**{ENT: {"department": "D", "employeeNumber": "7"}})
        assert patch(USER, data, op("remove", ENT, {"department": "D"})).data == user()

    def test_removing_an_absent_extension_changes_nothing(self):
        assert patch(USER, user(title="T"), op("remove", ENT)).data == user(title="T")

    def test_the_operations_after_it_are_applied(self):
        data = patch(USER, user(), op("add", ENT, {"department": "D"}), op("add", "title", "T")).data
        assert data == user(title="T", **{ENT: {"department": "D"}})


class TestPathlessValues:
    def test_replace_of_an_extension_object_replaces_its_multi_valued_attributes(self):
        data = patch(USER, user(**{BADGE: {"tags": ["a"]}}), op("replace", None, {BADGE: {"tags": ["b"]}})).data
        assert data[BADGE] == {"tags": ["b"]}

    def test_the_keys_after_an_extension_object_are_applied(self):
        data = patch(USER, user(), op("add", None, {ENT: {"department": "D"}, "title": "T"})).data
        assert data == user(title="T", **{ENT: {"department": "D"}})

    def test_schemas_and_meta_are_ignored_even_under_the_reject_policy(self):
        value = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "meta": None, "title": "T"}
        data = patch(USER, user(), op("replace", None, value), policy=Policy(unknown="reject")).data
        assert data == user(title="T")

    @pytest.mark.parametrize("text", ["True", "false"])
    def test_a_string_attribute_keeps_a_boolean_looking_string(self, text):
        assert patch(USER, user(), op("replace", None, {"title": text})).data["title"] == text


class TestMemberSteps:
    """Consecutive adds or removes merge into one step; replaces never do (the last one wins)."""

    @pytest.mark.parametrize("name", ["add", "remove"])
    def test_consecutive_adds_or_removes_merge(self, name):
        ops = [op(name, "members", [{"value": "u1"}]), op(name, "members", [{"value": "u2"}])]
        assert patch(GROUP, group(), *ops).member_steps == [(name, [{"value": "u1"}, {"value": "u2"}])]

    def test_consecutive_filtered_removes_merge(self):
        result = patch(GROUP, group(), op("remove", 'members[value eq "u1"]'), op("remove", 'members[value eq "u2"]'))
        assert result.member_steps == [("remove", [{"value": "u1"}, {"value": "u2"}])]

    def test_consecutive_replaces_stay_separate(self):
        result = patch(GROUP, group(), op("replace", "members", [{"value": "u1"}]),
                       op("replace", "members", [{"value": "u2"}]))
        assert result.member_steps == [("replace", [{"value": "u1"}]), ("replace", [{"value": "u2"}])]

