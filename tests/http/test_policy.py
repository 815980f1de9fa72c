"""IdP tolerances as policy (domain/idp/policy.py, config `scim.policy`) over HTTP: what each
switch answers on the wire (status, scimType, 204) and stores, under a lenient preset, strict,
and a switch over a preset; on both backends where the store is involved (member ids, rollback).

What every preset sets, what each switch makes the PATCH engine do under each preset, and the
configuration file and environment: tests/unit/test_policy_presets.py."""

from __future__ import annotations

from typing import Any

import pytest

from app.settings import PolicySettings, load_settings
from tests.conftest import Client
from tests.http.support import (
    GROUP_URN,
    USER_URN,
    assert_scim_error,
    create_group,
    create_user,
    get_json,
    member_ids,
    search,
    total,
    user_body,
)
from tests.http.support import send_patch as send

# Every lenient preset sets the same switches (tests/unit/test_policy_presets.py): one stands for all.
LENIENT = ["entra"]


def preset(make_api, name: str, **switches: Any) -> Client:
    return make_api(policy=PolicySettings(preset=name, **switches))


def stored_members(api: Client, group: dict[str, Any]) -> set[str]:
    """The member ids of `group` as GET answers now."""
    return member_ids(get_json(api, f"/Groups/{group['id']}"))


def unchanged(api: Client, before: dict[str, Any]) -> None:
    """The resource is exactly as it was (same version, same body)."""
    endpoint = "/Groups" if before["schemas"] == [GROUP_URN] else "/Users"
    assert get_json(api, f"{endpoint}/{before['id']}") == before


@pytest.mark.memory_only  # the request loader, the engine and the schema's rules: no store involved
class TestStringBooleans:
    """Entra sends "True"/"False" for booleans."""

    @pytest.mark.parametrize("name", LENIENT)
    def test_a_string_boolean_in_post_is_accepted_as_a_boolean_by_the_lenient_presets(self, make_api, name):
        api = preset(make_api, name)
        created = create_user(api, "entra", active="False")
        assert created["active"] is False
        assert get_json(api, f"/Users/{created['id']}")["active"] is False

    @pytest.mark.parametrize("name", LENIENT)
    @pytest.mark.parametrize("operation", [
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Replace", "value": {"active": "False"}},
    ])
    def test_a_string_boolean_in_patch_is_accepted_as_a_boolean_by_the_lenient_presets(
            self, make_api, name, operation):
        api = preset(make_api, name)
        user = create_user(api, "entra", active=True)
        resp = send(api, f"/Users/{user['id']}", operation)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert resp.json["active"] is False
        assert get_json(api, f"/Users/{user['id']}")["active"] is False

    def test_a_string_boolean_in_a_sub_attribute_is_accepted_by_default(self, api):
        created = create_user(api, "entra", emails=[{"value": "e@example.com", "type": "work", "primary": "True"}])
        assert created["emails"][0]["primary"] is True

    @pytest.mark.parametrize("policy", [PolicySettings(preset="strict"), PolicySettings(string_booleans=False)],
                             ids=["strict", "string_booleans-off"])
    @pytest.mark.parametrize("attrs", [
        {"active": "False"},
        {"active": "true"},
        {"emails": [{"value": "e@example.com", "primary": "True"}]},
    ])
    def test_a_string_boolean_in_post_is_400_invalid_value_without_string_booleans(self, make_api, policy, attrs):
        api = make_api(policy=policy)
        assert_scim_error(api.post("/Users", user_body("entra", **attrs)), 400, "invalidValue")
        assert total(api, "/Users") == 0

    @pytest.mark.parametrize("policy", [PolicySettings(preset="strict"), PolicySettings(string_booleans=False)],
                             ids=["strict", "string_booleans-off"])
    @pytest.mark.parametrize("operation", [
        {"op": "replace", "path": "active", "value": "False"},
        {"op": "replace", "value": {"active": "False"}},
        {"op": "replace", "path": 'emails[type eq "work"].primary', "value": "False"},
        {"op": "add", "path": "emails", "value": [{"value": "n@example.com", "primary": "False"}]},
    ], ids=["path", "path-less", "value-filter", "complex-value"])
    def test_a_string_boolean_in_patch_is_400_invalid_value_without_string_booleans(
            self, make_api, policy, operation):
        api = make_api(policy=policy)
        user = create_user(api, "entra", active=True,
                           emails=[{"value": "e@example.com", "type": "work", "primary": True}])
        assert_scim_error(send(api, f"/Users/{user['id']}", operation), 400, "invalidValue")
        unchanged(api, user)

    def test_real_booleans_are_accepted_by_strict(self, make_api):
        api = preset(make_api, "strict")
        user = create_user(api, "strictly", active=True)
        resp = send(api, f"/Users/{user['id']}", {"op": "replace", "path": "active", "value": False})
        assert resp.status_code == 200 and resp.json["active"] is False

    def test_strict_with_string_booleans_on_accepts_them_in_post_and_patch(self, make_api):
        api = preset(make_api, "strict", string_booleans=True)
        user = create_user(api, "entra", active="True")
        assert user["active"] is True
        resp = send(api, f"/Users/{user['id']}", {"op": "replace", "path": "active", "value": "False"})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert resp.json["active"] is False


class TestRemoveWithAValueList:
    """Entra removes one member with {"op":"Remove","path":"members","value":[{"value":id}]}."""

    @pytest.fixture
    def trio(self):
        def build(api: Client) -> tuple[list[str], dict[str, Any]]:
            ids = [create_user(api, n)["id"] for n in ("ann", "bob", "cid")]
            return ids, create_group(api, "Staff", ids)
        return build

    @pytest.mark.parametrize("name", LENIENT)
    def test_it_removes_exactly_the_listed_member(self, make_api, trio, name):
        api = preset(make_api, name)
        (ann, bob, cid), group = trio(api)
        resp = send(api, f"/Groups/{group['id']}", {"op": "Remove", "path": "members", "value": [{"value": bob}]})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert member_ids(resp.json) == {ann, cid}
        assert stored_members(api, group) == {ann, cid}

    @pytest.mark.parametrize("name", LENIENT)
    def test_it_removes_several_listed_members(self, make_api, trio, name):
        api = preset(make_api, name)
        (ann, bob, cid), group = trio(api)
        resp = send(api, f"/Groups/{group['id']}",
                    {"op": "remove", "path": "members", "value": [{"value": ann}, {"value": cid}]})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert stored_members(api, group) == {bob}

    @pytest.mark.parametrize("value", [[], [{"value": "not-a-member"}]], ids=["empty-list", "non-member"])
    def test_it_never_empties_the_group(self, api, trio, value):
        ids, group = trio(api)
        resp = send(api, f"/Groups/{group['id']}", {"op": "Remove", "path": "members", "value": value})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert stored_members(api, group) == set(ids)

    def test_removing_the_last_listed_member_leaves_an_empty_group_only_when_all_are_listed(self, api, trio):
        ids, group = trio(api)
        resp = send(api, f"/Groups/{group['id']}",
                    {"op": "Remove", "path": "members", "value": [{"value": i} for i in ids]})
        assert resp.status_code == 200
        assert stored_members(api, group) == set()

    @pytest.mark.memory_only  # the engine's rule (tests/unit/test_policy_presets.py)
    def test_strict_answers_400_invalid_value_and_changes_nothing(self, make_api, trio):
        api = preset(make_api, "strict")
        ids, group = trio(api)
        resp = send(api, f"/Groups/{group['id']}", {"op": "Remove", "path": "members", "value": [{"value": ids[1]}]})
        assert_scim_error(resp, 400, "invalidValue")
        assert stored_members(api, group) == set(ids)
        unchanged(api, group)

    @pytest.mark.memory_only  # the engine's rule (tests/unit/test_policy_presets.py)
    def test_strict_still_removes_one_member_by_a_value_filter_path(self, make_api, trio):
        api = preset(make_api, "strict")
        (ann, bob, cid), group = trio(api)
        resp = send(api, f"/Groups/{group['id']}", {"op": "remove", "path": f'members[value eq "{bob}"]'})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert stored_members(api, group) == {ann, cid}

    @pytest.mark.memory_only  # the engine's rule (tests/unit/test_policy_presets.py)
    def test_strict_with_remove_value_list_on_removes_the_listed_member(self, make_api, trio):
        api = preset(make_api, "strict", remove_value_list=True)
        (ann, bob, cid), group = trio(api)
        resp = send(api, f"/Groups/{group['id']}", {"op": "Remove", "path": "members", "value": [{"value": bob}]})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert stored_members(api, group) == {ann, cid}

    @pytest.mark.memory_only  # the engine's rule (tests/unit/test_policy_presets.py)
    def test_remove_value_list_off_alone_rejects_it(self, make_api, trio):
        api = make_api(policy=PolicySettings(remove_value_list=False))
        ids, group = trio(api)
        resp = send(api, f"/Groups/{group['id']}", {"op": "Remove", "path": "members", "value": [{"value": ids[0]}]})
        assert_scim_error(resp, 400, "invalidValue")
        assert stored_members(api, group) == set(ids)

    @pytest.mark.memory_only  # the engine's rule (tests/unit/test_policy_presets.py)
    def test_on_a_multi_valued_user_attribute_it_removes_exactly_the_listed_value(self, api):
        user = create_user(api, "mails", emails=[{"value": "a@example.com"}, {"value": "b@example.com"}])
        resp = send(api, f"/Users/{user['id']}",
                    {"op": "remove", "path": "emails", "value": [{"value": "a@example.com"}]})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert [e["value"] for e in get_json(api, f"/Users/{user['id']}")["emails"]] == ["b@example.com"]

    @pytest.mark.memory_only  # the engine's rule (tests/unit/test_policy_presets.py)
    def test_on_a_multi_valued_user_attribute_strict_answers_400(self, make_api):
        api = preset(make_api, "strict")
        user = create_user(api, "mails", emails=[{"value": "a@example.com"}, {"value": "b@example.com"}])
        resp = send(api, f"/Users/{user['id']}",
                    {"op": "remove", "path": "emails", "value": [{"value": "a@example.com"}]})
        assert_scim_error(resp, 400, "invalidValue")
        unchanged(api, user)


@pytest.mark.memory_only  # the engine's rule (tests/unit/test_policy_presets.py): no store involved
class TestUnmatchedValueFilter:
    """replace on emails[type eq "work"].value when the user has no work e-mail."""

    OPERATION = {"op": "replace", "path": 'emails[type eq "work"].value', "value": "w@example.com"}

    def home_only(self, api: Client) -> dict[str, Any]:
        return create_user(api, "homebody", emails=[{"value": "h@example.com", "type": "home"}])

    @pytest.mark.parametrize("name", LENIENT)
    def test_the_lenient_presets_create_the_matching_value(self, make_api, name):
        api = preset(make_api, name)
        user = self.home_only(api)
        resp = send(api, f"/Users/{user['id']}", self.OPERATION)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        emails = get_json(api, f"/Users/{user['id']}")["emails"]
        assert sorted((e["type"], e["value"]) for e in emails) == [
            ("home", "h@example.com"), ("work", "w@example.com")]

    @pytest.mark.parametrize("policy", [PolicySettings(preset="strict"), PolicySettings(unmatched_filter="noTarget")],
                             ids=["strict", "unmatched_filter-noTarget"])
    def test_no_target_policies_answer_400_no_target_and_change_nothing(self, make_api, policy):
        api = make_api(policy=policy)
        user = self.home_only(api)
        assert_scim_error(send(api, f"/Users/{user['id']}", self.OPERATION), 400, "noTarget")
        unchanged(api, user)

    def test_strict_with_unmatched_filter_create_creates_it(self, make_api):
        api = preset(make_api, "strict", unmatched_filter="create")
        user = self.home_only(api)
        resp = send(api, f"/Users/{user['id']}", self.OPERATION)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert {"value": "w@example.com", "type": "work"} in resp.json["emails"]


REJECTING = pytest.mark.parametrize(
    "policy", [PolicySettings(preset="strict"), PolicySettings(unknown_members="reject")],
    ids=["strict", "unknown_members-reject"])


class TestUnknownMembers:
    """An unknown member id in a PATCH add (Okta drops a whole group push on a 400)."""

    @pytest.fixture
    def setup(self):
        def build(api: Client) -> tuple[str, str, dict[str, Any]]:
            ann, bob = (create_user(api, n)["id"] for n in ("ann", "bob"))
            return ann, bob, create_group(api, "Staff", [ann])
        return build

    @pytest.mark.parametrize("name", LENIENT)
    def test_the_lenient_presets_add_the_known_members_and_ignore_the_unknown(self, make_api, setup, name):
        api = preset(make_api, name)
        ann, bob, group = setup(api)
        resp = send(api, f"/Groups/{group['id']}", {
            "op": "add", "path": "members", "value": [{"value": "ghost-1"}, {"value": bob}]})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert member_ids(resp.json) == {ann, bob}
        assert stored_members(api, group) == {ann, bob}

    def test_only_unknown_ids_change_nothing_by_default(self, api, setup):
        ann, _, group = setup(api)
        resp = send(api, f"/Groups/{group['id']}", {"op": "add", "path": "members", "value": [{"value": "ghost-1"}]})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert member_ids(resp.json) == {ann}
        unchanged(api, group)

    @REJECTING
    def test_rejecting_policies_answer_400_naming_the_id_and_apply_nothing(self, make_api, setup, policy):
        api = make_api(policy=policy)
        ann, bob, group = setup(api)
        resp = send(api, f"/Groups/{group['id']}", {
            "op": "add", "path": "members", "value": [{"value": bob}, {"value": "ghost-1"}]})
        body = assert_scim_error(resp, 400, "invalidValue")
        assert "ghost-1" in body["detail"]
        assert stored_members(api, group) == {ann}
        unchanged(api, group)

    @REJECTING
    def test_rejecting_rolls_back_earlier_operations_of_the_same_request(self, make_api, setup, policy):
        api = make_api(policy=policy)
        ann, bob, group = setup(api)
        resp = send(api, f"/Groups/{group['id']}",
                    {"op": "replace", "path": "displayName", "value": "Renamed"},
                    {"op": "add", "path": "members", "value": [{"value": bob}]},
                    {"op": "add", "path": "members", "value": [{"value": "ghost-2"}]})
        body = assert_scim_error(resp, 400, "invalidValue")
        assert "ghost-2" in body["detail"]
        after = get_json(api, f"/Groups/{group['id']}")
        assert after["displayName"] == "Staff" and member_ids(after) == {ann}
        unchanged(api, group)

    def test_strict_with_unknown_members_ignored_adds_the_known_ones(self, make_api, setup):
        api = preset(make_api, "strict", unknown_members="ignore-and-report")
        ann, bob, group = setup(api)
        resp = send(api, f"/Groups/{group['id']}", {
            "op": "add", "path": "members", "value": [{"value": "ghost-1"}, {"value": bob}]})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert stored_members(api, group) == {ann, bob}


@pytest.mark.memory_only  # decided by the request loader, before any store is involved
class TestUnknownAttributesAndSchemas:
    """Google and OneLogin send SCIM 1.0 schema URNs; many IdPs send attributes of their own."""

    SCIM1 = {"schemas": ["urn:scim:schemas:core:1.0"], "userName": "legacy", "displayName": "Legacy"}
    BOTH = {"schemas": [USER_URN, "urn:scim:schemas:core:1.0"], "userName": "legacy"}

    @pytest.mark.parametrize("name", LENIENT)
    @pytest.mark.parametrize("body", ["SCIM1", "BOTH"])
    def test_the_lenient_presets_ignore_scim_1_schema_urns(self, make_api, name, body):
        api = preset(make_api, name)
        resp = api.post("/Users", getattr(self, body))
        assert resp.status_code == 201, resp.get_data(as_text=True)
        assert resp.json["userName"] == "legacy" and resp.json["schemas"] == [USER_URN]

    @pytest.mark.parametrize("name", LENIENT)
    def test_the_lenient_presets_ignore_unknown_attributes(self, make_api, name):
        api = preset(make_api, name)
        resp = api.post("/Users", user_body("extra", favouriteColour="teal", name={"givenName": "E", "nick": "x"}))
        assert resp.status_code == 201, resp.get_data(as_text=True)
        assert "favouriteColour" not in resp.json and resp.json["name"] == {"givenName": "E"}

    @pytest.mark.parametrize("body", ["SCIM1", "BOTH"])
    def test_strict_answers_400_to_scim_1_schema_urns_and_creates_nothing(self, make_api, body):
        api = preset(make_api, "strict")
        resp = api.post("/Users", getattr(self, body))
        detail = assert_scim_error(resp, 400, "invalidValue")["detail"]
        assert "urn:scim:schemas:core:1.0" in detail
        assert total(api, "/Users") == 0

    @pytest.mark.parametrize("attrs", [{"favouriteColour": "teal"}, {"name": {"givenName": "E", "nick": "x"}}],
                             ids=["top-level", "sub-attribute"])
    def test_strict_answers_400_to_unknown_attributes_and_creates_nothing(self, make_api, attrs):
        api = preset(make_api, "strict")
        assert_scim_error(api.post("/Users", user_body("extra", **attrs)), 400, "invalidValue")
        assert total(api, "/Users") == 0

    def test_strict_answers_400_to_unknown_attributes_in_put(self, make_api):
        api = preset(make_api, "strict")
        user = create_user(api, "putter")
        resp = api.put(f"/Users/{user['id']}", user_body("putter", favouriteColour="teal"))
        assert_scim_error(resp, 400, "invalidValue")
        unchanged(api, user)

    def test_unknown_reject_alone_is_strict_about_unknown_attributes(self, make_api):
        api = make_api(policy=PolicySettings(unknown="reject"))
        assert_scim_error(api.post("/Users", self.SCIM1), 400, "invalidValue")

    def test_strict_with_unknown_ignored_accepts_them(self, make_api):
        api = preset(make_api, "strict", unknown="ignore")
        resp = api.post("/Users", self.SCIM1)
        assert resp.status_code == 201, resp.get_data(as_text=True)


@pytest.mark.memory_only  # the answer's shape, whatever the store
class TestPatchResponse:
    def test_patch_response_204_answers_204_with_an_etag_and_no_body_and_applies_the_change(self, make_api):
        api = make_api(policy=PolicySettings(patch_response=204))
        user = create_user(api, "quiet", title="Clerk")
        resp = send(api, f"/Users/{user['id']}", {"op": "replace", "path": "title", "value": "Boss"})
        assert resp.status_code == 204
        assert resp.get_data() == b""
        after = get_json(api, f"/Users/{user['id']}")
        assert after["title"] == "Boss"
        assert resp.headers["ETag"] == after["meta"]["version"] == 'W/"2"'

    def test_patch_response_204_on_a_group_applies_the_member_change(self, make_api):
        api = make_api(policy=PolicySettings(patch_response=204))
        ann, bob = (create_user(api, n)["id"] for n in ("ann", "bob"))
        group = create_group(api, "Staff", [ann])
        resp = send(api, f"/Groups/{group['id']}", {"op": "add", "path": "members", "value": [{"value": bob}]})
        assert resp.status_code == 204 and resp.get_data() == b""
        after = get_json(api, f"/Groups/{group['id']}")
        assert member_ids(after) == {ann, bob} and resp.headers["ETag"] == after["meta"]["version"]

    def test_patch_response_204_honours_if_match(self, make_api):
        api = make_api(policy=PolicySettings(patch_response=204))
        user = create_user(api, "quiet")
        ok = send(api, f"/Users/{user['id']}", {"op": "replace", "path": "title", "value": "A"},
                  headers={"If-Match": 'W/"1"'})
        assert ok.status_code == 204 and ok.headers["ETag"] == 'W/"2"'
        stale = send(api, f"/Users/{user['id']}", {"op": "replace", "path": "title", "value": "B"},
                     headers={"If-Match": 'W/"1"'})
        assert stale.status_code == 412

    def test_patch_response_204_still_reports_errors_as_scim_errors(self, make_api):
        api = make_api(policy=PolicySettings(patch_response=204))
        user = create_user(api, "quiet")
        assert_scim_error(send(api, f"/Users/{user['id']}", {"op": "frobnicate", "path": "title", "value": "x"}),
                          400, "invalidValue")

    def test_the_default_patch_response_is_200_with_the_resource(self, api):
        user = create_user(api, "loud")
        resp = send(api, f"/Users/{user['id']}", {"op": "replace", "path": "title", "value": "Boss"})
        assert resp.status_code == 200 and resp.json["title"] == "Boss"
        assert resp.headers["ETag"] == resp.json["meta"]["version"]

    def test_patch_response_204_does_not_affect_other_writes(self, make_api):
        api = make_api(policy=PolicySettings(patch_response=204))
        resp = api.post("/Users", user_body("poster"))
        assert resp.status_code == 201 and resp.json["userName"] == "poster"
        put = api.put(f"/Users/{resp.json['id']}", user_body("poster", title="T"))
        assert put.status_code == 200 and put.json["title"] == "T"


class TestConfiguration:
    """An app built from the loaded settings applies them (loading itself: tests/unit/test_policy_presets.py)."""

    @pytest.fixture
    def config(self, policy_config):
        return policy_config

    def test_an_app_built_from_the_loaded_settings_applies_the_environment_preset(self, config, make_app):
        settings = load_settings(config({"preset": "entra"}), env={"SCIM_POLICY_PRESET": "strict"})
        api = Client(make_app(settings))
        assert_scim_error(api.post("/Users", user_body("entra", active="False")), 400, "invalidValue")
        assert api.post("/Users", user_body("strictly", active=False)).status_code == 201

    def test_an_app_built_from_the_file_preset_accepts_entra_requests(self, config, make_app):
        api = Client(make_app(load_settings(config({"preset": "entra"}), env={})))
        created = create_user(api, "entra", active="False")
        assert created["active"] is False
        assert search(api, "/Users", 'userName eq "entra"')["totalResults"] == 1


class TestSchemasAgainstTheEndpoint:
    """`schemas` naming another resource type's schema contradicts the endpoint on every preset;
    a missing `schemas` is tolerated by the lenient presets and refused by `strict`."""

    @pytest.mark.parametrize(("endpoint", "body"), [
        ("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "userName": "contradiction"}),
        ("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                                "urn:ietf:params:scim:schemas:core:2.0:Group"], "userName": "both"}),
        ("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "displayName": "g"}),
        ("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
                                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"], "displayName": "g"}),
    ])
    def test_another_types_schema_is_400_invalid_value_and_nothing_is_written(self, make_client, endpoint, body):
        for preset in ("default", "okta", "entra", "strict"):
            api = make_client(policy=PolicySettings(preset))
            detail = assert_scim_error(api.post(endpoint, body), 400, "invalidValue")["detail"]
            assert "not a schema of" in detail and endpoint in detail
            assert api.get(endpoint).json["totalResults"] == 0

    def test_a_missing_schemas_is_tolerated_by_the_lenient_presets_and_refused_by_strict(self, make_client):
        for preset in ("default", "okta", "entra"):
            assert make_client(policy=PolicySettings(preset)).post("/Users", {"userName": "bare"}).status_code == 201
        strict = make_client(policy=PolicySettings("strict"))
        assert "'schemas' is required" in assert_scim_error(strict.post("/Users", {"userName": "bare"}),
                                                            400, "invalidValue")["detail"]
