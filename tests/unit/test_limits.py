"""The per-request limits where their rules live: schema validation (attributes, multi-valued
values, string length), the PATCH engine (operations), the projection (attribute lists); the
filter limits are in test_filter_parser.py. Each refusal names the limit and its config key."""

from __future__ import annotations

import pytest

from domain.errors import InvalidPath, InvalidValue
from domain.idp.policy import Policy, policy_for
from domain.limits import DEFAULT_LIMITS, Limits
from domain.patch.engine import PatchEngine, PatchOp
from domain.query.projection import projection
from domain.schema.registry import default_registry
from domain.schema.validation import conform

REG = default_registry()


def limited(**limits: int) -> Policy:
    return Policy(limits=Limits(**limits))


def test_the_limits_name_their_config_keys_and_every_preset_starts_from_the_defaults():
    assert Limits.key("json_depth") == "scim.limits.json_depth"
    assert Limits(attributes=7).exceeded("attributes", "too many") == "too many: at most 7 (scim.limits.attributes)"
    assert {policy_for(p).limits for p in ("default", "okta", "entra", "strict")} == {DEFAULT_LIMITS}
    assert policy_for("strict", limits=Limits(attributes=3)).limits.attributes == 3


class TestConform:
    def test_attributes_are_counted_at_every_level_unknown_ones_too(self):
        data = {"userName": "a", "name": {"givenName": "g", "familyName": "f"}}
        assert conform(REG.user, data, limited(attributes=4))["name"]["familyName"] == "f"
        with pytest.raises(InvalidValue, match=r"at most 3 \(scim.limits.attributes\)"):
            conform(REG.user, data, limited(attributes=3))
        with pytest.raises(InvalidValue, match="scim.limits.attributes"):
            conform(REG.user, {**data, "noSuchThing": 1}, limited(attributes=4))

    def test_values_of_a_multi_valued_attribute_are_counted(self):
        emails = [{"value": f"{i}@example.com"} for i in range(3)]
        assert len(conform(REG.user, {"userName": "a", "emails": emails}, limited(multi_valued=3))["emails"]) == 3
        with pytest.raises(InvalidValue, match=r"3 values of 'emails': at most 2 \(scim.limits.multi_valued\)"):
            conform(REG.user, {"userName": "a", "emails": emails}, limited(multi_valued=2))

    def test_members_count_against_neither_limit_the_member_cap_is_theirs(self):
        members = [{"value": f"u{i}", "display": "d"} for i in range(50)]
        out = conform(REG.group, {"displayName": "g", "members": members}, limited(multi_valued=2, attributes=2))
        assert len(out["members"]) == 50

    def test_strings_past_the_string_length_are_refused_the_indexed_ones_keep_theirs(self):
        assert conform(REG.user, {"userName": "a", "nickName": "x" * 5}, limited(string_length=5))
        with pytest.raises(InvalidValue, match=r"a string of 6 characters: at most 5 \(scim.limits.string_length\)"):
            conform(REG.user, {"userName": "a", "nickName": "x" * 6}, limited(string_length=5))
        with pytest.raises(InvalidValue, match="Longer than the 512 characters"):
            conform(REG.user, {"userName": "u" * 513}, Policy())


def test_the_patch_engine_refuses_more_operations_than_the_limit_before_applying_any():
    ops = [PatchOp("replace", "nickName", f"v{i}", True) for i in range(3)]
    data = {"userName": "a", "nickName": "before"}
    assert PatchEngine(REG.user, limited(patch_operations=3)).apply("id", data, ops).data["nickName"] == "v2"
    with pytest.raises(InvalidValue, match=r"3 operations in one PATCH: at most 2 \(scim.limits.patch_operations\)"):
        PatchEngine(REG.user, limited(patch_operations=2)).apply("id", data, ops)
    assert data["nickName"] == "before"


def test_a_patch_path_longer_than_a_filter_may_be_is_refused_before_it_is_parsed():
    long = "name." + "x" * 30
    with pytest.raises(InvalidPath, match=r"a path of 35 characters: at most 20 \(scim.limits.filter_length\)"):
        PatchEngine(REG.user, limited(filter_length=20)).apply("id", {"userName": "a"},
                                                              [PatchOp("replace", long, "v", True)])


@pytest.mark.parametrize("which", ["attributes", "excluded"])
def test_an_attribute_list_longer_than_the_limit_is_refused(which):
    names = "userName,nickName,title"
    args = (names, None) if which == "attributes" else (None, names)
    assert projection(REG.user, *args, limits=Limits(attribute_list=3))
    with pytest.raises(InvalidValue, match=r"3 names in attributes/excludedAttributes: at most 2"):
        projection(REG.user, *args, limits=Limits(attribute_list=2))
