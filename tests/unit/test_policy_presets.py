"""The IdP tolerance presets (domain/idp/policy.py) and what each switch makes the PATCH engine do,
preset by preset; the configuration (`scim.policy`: file, environment, switches over a preset).
The HTTP shape of each switch (status, scimType, what is stored) is in tests/http/test_policy.py."""

from __future__ import annotations

from typing import Any

import pytest

from app.settings import ConfigError, PolicySettings, load_settings
from domain.errors import InvalidPath, InvalidValue, NoTarget
from domain.idp.policy import PRESETS, Policy, policy_for
from domain.patch.engine import PatchEngine, PatchOp, PatchResult
from domain.schema.registry import default_registry

REG = default_registry()
LENIENT = ["default", "okta", "entra"]
WORK_ONLY = 'emails[type eq "work"].value'


def op(name: str, path: str | None, value: Any = None, has_value: bool = True) -> PatchOp:
    return PatchOp(name, path, value, has_value)


def patch_user(policy: Policy, data: dict[str, Any], *ops: PatchOp) -> PatchResult:
    return PatchEngine(REG.user, policy).apply("u1", {"userName": "bjensen", **data}, list(ops))


def patch_group(policy: Policy, *ops: PatchOp) -> PatchResult:
    return PatchEngine(REG.group, policy).apply("g1", {"displayName": "Staff"}, list(ops))


class TestPresets:
    def test_the_presets_are_default_okta_entra_and_strict(self):
        assert set(PRESETS) == {"default", "okta", "entra", "strict"}

    @pytest.mark.parametrize("name", LENIENT)
    def test_the_lenient_presets_take_every_deviation_a_real_idp_sends(self, name):
        policy = policy_for(name)
        assert policy.unknown == "ignore" and policy.string_booleans is True
        assert policy.remove_value_list is True
        assert policy.unmatched_filter == ("create" if name == "entra" else "noTarget")  # RFC 7644 §3.5.2.3
        assert policy.unknown_members == "ignore-and-report" and policy.patch_response == 200

    def test_strict_takes_none(self):
        policy = policy_for("strict")
        assert policy.unknown == "reject" and policy.string_booleans is False
        assert policy.remove_value_list is False and policy.unmatched_filter == "noTarget"
        assert policy.unknown_members == "reject" and policy.patch_response == 200

    def test_the_default_preset_is_the_default_policy(self):
        assert policy_for() == Policy() == PolicySettings().effective()

    def test_switches_override_the_preset_and_none_means_the_presets_value(self):
        policy = policy_for("strict", string_booleans=True, unknown=None, patch_response=204)
        assert policy.string_booleans is True and policy.patch_response == 204
        assert policy.unknown == "reject" and policy.remove_value_list is False

    def test_settings_switches_override_their_preset(self):
        policy = PolicySettings(preset="strict", remove_value_list=True, unmatched_filter="create").effective()
        assert policy.remove_value_list is True and policy.unmatched_filter == "create"
        assert policy.unknown == "reject" and policy.string_booleans is False


class TestStringBooleans:
    @pytest.mark.parametrize("name", LENIENT)
    @pytest.mark.parametrize("operation", [op("Replace", "active", "False"), op("Replace", None, {"active": "False"})],
                             ids=["path", "path-less"])
    def test_the_lenient_presets_make_string_booleans_booleans(self, name, operation):
        assert patch_user(policy_for(name), {"active": True}, operation).data["active"] is False

    def test_strict_leaves_them_for_the_schema_check_to_refuse(self):
        assert patch_user(policy_for("strict"), {"active": True}, op("replace", "active", "False")).data["active"] == "False"

    def test_strict_with_string_booleans_on_makes_them_booleans(self):
        policy = policy_for("strict", string_booleans=True)
        assert patch_user(policy, {"active": True}, op("replace", "active", "False")).data["active"] is False


class TestRemoveWithAValueList:
    """Entra removes one member with {"op":"Remove","path":"members","value":[{"value":id}]}."""

    @pytest.mark.parametrize("name", LENIENT)
    def test_the_lenient_presets_remove_exactly_the_listed_members(self, name):
        result = patch_group(policy_for(name), op("Remove", "members", [{"value": "u2"}, {"value": "u3"}]))
        assert result.member_steps == [("remove", [{"value": "u2"}, {"value": "u3"}])]

    @pytest.mark.parametrize("value", [[], [{"value": "not-a-member"}]], ids=["empty-list", "non-member"])
    def test_a_value_list_never_becomes_a_removal_of_every_member(self, value):
        result = patch_group(Policy(), op("Remove", "members", value))
        assert result.member_steps == [("remove", value)]

    @pytest.mark.parametrize("name", LENIENT)
    def test_the_lenient_presets_remove_exactly_the_listed_value_of_a_user_attribute(self, name):
        emails = [{"value": "a@example.com"}, {"value": "b@example.com"}]
        result = patch_user(policy_for(name), {"emails": emails}, op("remove", "emails", [{"value": "a@example.com"}]))
        assert result.data["emails"] == [{"value": "b@example.com"}]

    @pytest.mark.parametrize("policy", [policy_for("strict"), Policy(remove_value_list=False)],
                             ids=["strict", "remove_value_list-off"])
    def test_without_remove_value_list_it_is_invalid_value(self, policy):
        with pytest.raises(InvalidValue):
            patch_group(policy, op("Remove", "members", [{"value": "u2"}]))
        with pytest.raises(InvalidValue):
            patch_user(policy, {"emails": [{"value": "a@example.com"}]},
                       op("remove", "emails", [{"value": "a@example.com"}]))

    def test_strict_still_removes_a_member_by_a_value_filter_path(self):
        result = patch_group(policy_for("strict"), op("remove", 'members[value eq "u2"]', has_value=False))
        assert result.member_steps == [("remove", [{"value": "u2"}])]

    def test_strict_with_remove_value_list_on_removes_the_listed_member(self):
        result = patch_group(policy_for("strict", remove_value_list=True), op("Remove", "members", [{"value": "u2"}]))
        assert result.member_steps == [("remove", [{"value": "u2"}])]


class TestUnmatchedValueFilter:
    """replace on emails[type eq "work"].value when the user has no work e-mail."""

    HOME = {"emails": [{"value": "h@example.com", "type": "home"}]}

    def test_the_entra_preset_creates_the_value_the_filter_describes(self):
        data = patch_user(policy_for("entra"), self.HOME, op("replace", WORK_ONLY, "w@example.com")).data
        assert sorted((e["type"], e["value"]) for e in data["emails"]) == [
            ("home", "h@example.com"), ("work", "w@example.com")]

    @pytest.mark.parametrize("policy", [policy_for("strict"), policy_for("default"), policy_for("okta"),
                                        Policy(unmatched_filter="noTarget")],
                             ids=["strict", "default", "okta", "unmatched_filter-noTarget"])
    def test_no_target_policies_answer_no_target(self, policy):
        with pytest.raises(NoTarget):
            patch_user(policy, self.HOME, op("replace", WORK_ONLY, "w@example.com"))

    def test_a_matching_value_is_replaced_under_strict(self):
        data = patch_user(policy_for("strict"), {"emails": [{"value": "old@example.com", "type": "work"}]},
                          op("replace", WORK_ONLY, "w@example.com")).data
        assert data["emails"] == [{"value": "w@example.com", "type": "work"}]

    def test_strict_with_unmatched_filter_create_creates_it(self):
        data = patch_user(policy_for("strict", unmatched_filter="create"), self.HOME,
                          op("replace", WORK_ONLY, "w@example.com")).data
        assert {"value": "w@example.com", "type": "work"} in data["emails"]


class TestUnknownAttributes:
    @pytest.mark.parametrize("name", LENIENT)
    def test_the_lenient_presets_ignore_an_unknown_key(self, name):
        data = patch_user(policy_for(name), {}, op("add", None, {"title": "T", "favouriteColour": "teal"})).data
        assert data == {"userName": "bjensen", "title": "T"}

    def test_strict_refuses_it(self):
        with pytest.raises(InvalidPath):
            patch_user(policy_for("strict"), {}, op("add", None, {"title": "T", "favouriteColour": "teal"}))

    def test_strict_with_unknown_ignored_ignores_it(self):
        data = patch_user(policy_for("strict", unknown="ignore"), {}, op("add", None, {"favouriteColour": "teal"})).data
        assert data == {"userName": "bjensen"}


class TestConfiguration:
    @pytest.fixture
    def config(self, policy_config):
        return policy_config  # tests/conftest.py

    def test_the_preset_comes_from_the_yaml_file(self, config):
        settings = load_settings(config({"preset": "entra"}), env={})
        assert settings.scim.policy.preset == "entra"
        assert settings.scim.policy.effective().string_booleans is True

    def test_the_environment_wins_over_the_file(self, config):
        settings = load_settings(config({"preset": "entra"}), env={"SCIM_POLICY_PRESET": "strict"})
        assert settings.scim.policy.preset == "strict"
        policy = settings.scim.policy.effective()
        assert policy.unknown == "reject" and policy.string_booleans is False
        assert policy.unmatched_filter == "noTarget" and policy.unknown_members == "reject"
        assert policy.remove_value_list is False

    def test_switches_in_the_file_override_the_preset(self, config):
        policy = load_settings(config({"preset": "strict", "string_booleans": True, "patch_response": 204}),
                               env={}).scim.policy.effective()
        assert policy.string_booleans is True and policy.patch_response == 204 and policy.unknown == "reject"

    def test_switches_from_the_environment_override_the_preset(self, config):
        policy = load_settings(config({"preset": "strict"}), env={
            "SCIM_POLICY_UNKNOWN_MEMBERS": "ignore-and-report", "SCIM_POLICY_PATCH_RESPONSE": "204",
        }).scim.policy.effective()
        assert policy.unknown_members == "ignore-and-report" and policy.patch_response == 204
        assert policy.string_booleans is False

    def test_an_unknown_preset_in_the_file_names_the_key(self, config):
        with pytest.raises(ConfigError, match=r"scim\.policy\.preset") as caught:
            load_settings(config({"preset": "azure"}), env={})
        assert "azure" in str(caught.value) and "strict" in str(caught.value)

    def test_an_unknown_preset_in_the_environment_names_the_key_and_the_variable(self, config):
        with pytest.raises(ConfigError, match=r"scim\.policy\.preset") as caught:
            load_settings(config({"preset": "entra"}), env={"SCIM_POLICY_PRESET": "azure"})
        assert "SCIM_POLICY_PRESET" in str(caught.value)

    @pytest.mark.parametrize("policy", [{"unmatched_filter": "explode"}, {"patch_response": 201},
                                        {"unknown_members": "drop"}, {"unknown": "maybe"}])
    def test_an_invalid_switch_value_names_its_key(self, config, policy):
        key = next(iter(policy))
        with pytest.raises(ConfigError, match=rf"scim\.policy\.{key}"):
            load_settings(config(policy), env={})
