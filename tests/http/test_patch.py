"""PATCH /Users and /Groups over HTTP (RFC 7644 §3.5.2): the PatchOp message as the HTTP adapter
reads it, the answers (status, ETag, body, SCIM errors), and what a PATCH does in the stores
(versions, If-Match, atomicity, memberships), on both backends.

The rules of the operations themselves (op names, paths, path-less values, multi-valued
attributes, removal, mutability, booleans, group member steps) are the PATCH engine's and are
tested there: tests/unit/test_patch_engine.py. Here one case per rule shows its SCIM error on
the wire. Tests marked `memory_only` check what is decided before any store is involved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from app.settings import PolicySettings
from tests.http.support import (
    ENTERPRISE_URN,
    PATCH_URN,
    USER_URN,
    assert_scim_error,
    create_group,
    create_user,
    get_json,
    member_ids,
    raw,
)
from tests.http.support import send_patch as send


def patched(api, path: str, *operations: dict[str, Any], **kw: Any) -> dict[str, Any]:
    resp = send(api, path, *operations, **kw)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "application/scim+json"
    assert resp.headers["ETag"] == resp.json["meta"]["version"]
    return resp.json  # type: ignore[no-any-return]


WORK = {"value": "bj@work.example", "type": "work", "primary": True}
HOME = {"value": "bj@home.example", "type": "home"}


@pytest.fixture
def bjensen(api) -> dict[str, Any]:
    return create_user(api, "bjensen", displayName="Barbara Jensen", active=True,
                       name={"givenName": "Barbara", "familyName": "Jensen"}, emails=[WORK, HOME],
                       password="0ld-Secret")


@pytest.fixture
def people(api) -> list[str]:
    return [create_user(api, n, displayName=n.title())["id"] for n in ("ann", "bob", "cid")]


@pytest.fixture
def people_of():
    return lambda api: [create_user(api, n, displayName=n.title())["id"] for n in ("ann", "bob", "cid")]


@pytest.mark.memory_only  # the request body is read by the HTTP adapter, before any store
class TestThePatchOpMessage:
    @pytest.mark.both_backends
    def test_a_patch_answers_200_with_the_full_resource_as_get_returns_it(self, api, bjensen):
        body = patched(api, f"/Users/{bjensen['id']}", {"op": "replace", "path": "title", "value": "Boss"})

        assert body["title"] == "Boss"
        assert body["userName"] == "bjensen" and body["name"] == bjensen["name"]
        assert sorted(e["value"] for e in body["emails"]) == sorted(e["value"] for e in bjensen["emails"])
        assert body["schemas"] == [USER_URN] and body["id"] == bjensen["id"]
        assert body == get_json(api, f"/Users/{bjensen['id']}")

    @pytest.mark.parametrize("schemas", [None, [], [USER_URN], PATCH_URN, ["urn:ietf:params:scim:api:messages:2.0:Patch"]])
    def test_without_the_patchop_schema_urn_it_is_400_invalid_syntax(self, api, bjensen, schemas):
        body: dict[str, Any] = {"Operations": [{"op": "replace", "path": "title", "value": "Boss"}]}
        if schemas is not None:
            body["schemas"] = schemas

        assert_scim_error(api.patch(f"/Users/{bjensen['id']}", body), 400, "invalidSyntax")
        assert get_json(api, f"/Users/{bjensen['id']}") == bjensen

    @pytest.mark.parametrize("operations", ["missing", [], None, {}, "replace", {"op": "replace"}])
    def test_missing_or_empty_operations_is_400_invalid_syntax(self, api, bjensen, operations):
        body: dict[str, Any] = {"schemas": [PATCH_URN]}
        if operations != "missing":
            body["Operations"] = operations

        assert_scim_error(api.patch(f"/Users/{bjensen['id']}", body), 400, "invalidSyntax")
        assert get_json(api, f"/Users/{bjensen['id']}") == bjensen

    @pytest.mark.parametrize("operation", ["replace", None, [], {"path": "title", "value": "x"}, {"op": 5}])
    def test_an_operation_that_is_not_an_object_with_an_op_is_400_invalid_syntax(self, api, bjensen, operation):
        assert_scim_error(send(api, f"/Users/{bjensen['id']}", operation), 400, "invalidSyntax")

    @pytest.mark.parametrize("body", [[], "text", 5])
    def test_a_body_that_is_not_an_object_is_400_invalid_syntax(self, api, bjensen, body):
        assert_scim_error(api.patch(f"/Users/{bjensen['id']}", body), 400, "invalidSyntax")

    def test_the_patchop_urn_and_member_names_are_matched_in_any_case(self, api, bjensen):
        body = {"SCHEMAS": [PATCH_URN.upper()],
                "operations": [{"OP": "replace", "Path": "title", "VALUE": "Boss"}]}
        resp = api.patch(f"/Users/{bjensen['id']}", body)
        assert resp.status_code == 200, resp.json
        assert resp.json["title"] == "Boss"

    def test_an_unknown_op_is_400_invalid_value_and_changes_nothing(self, api, bjensen):
        """Every op name the engine refuses: tests/unit/test_patch_engine.py TestOperationNames."""
        resp = send(api, f"/Users/{bjensen['id']}", {"op": "move", "path": "title", "value": "Boss"})
        assert_scim_error(resp, 400, "invalidValue")
        assert get_json(api, f"/Users/{bjensen['id']}") == bjensen

    @pytest.mark.parametrize("name", ["add", "replace"])
    def test_add_or_replace_without_a_value_is_400_invalid_value(self, api, bjensen, name):
        assert_scim_error(send(api, f"/Users/{bjensen['id']}", {"op": name, "path": "title"}), 400, "invalidValue")

    def test_a_null_value_is_a_value_that_unassigns(self, api, bjensen):
        body = patched(api, f"/Users/{bjensen['id']}", {"op": "replace", "path": "displayName", "value": None})
        assert "displayName" not in body

    def test_extra_keys_in_an_operation_are_ignored(self, api, bjensen):
        body = patched(api, f"/Users/{bjensen['id']}",
                       {"name": "setTitle", "op": "replace", "path": "title", "value": "Boss", "id": 7})
        assert body["title"] == "Boss"

    @pytest.mark.both_backends
    def test_a_patch_of_an_unknown_id_is_404(self, api):
        for endpoint in ("/Users", "/Groups"):
            resp = send(api, f"{endpoint}/no-such-id", {"op": "replace", "path": "displayName", "value": "x"})
            assert_scim_error(resp, 404)

    def test_a_malformed_json_body_is_400_invalid_syntax(self, api, bjensen):
        resp = raw(api, "PATCH", f"/Users/{bjensen['id']}", '{"schemas": ["' + PATCH_URN + '"], "Operations": [')
        assert_scim_error(resp, 400, "invalidSyntax")


@pytest.mark.memory_only  # the engine's rules (tests/unit/test_patch_engine.py), as answered on the wire
class TestEngineRulesOnTheWire:
    @pytest.mark.parametrize("path", ["nosuch", 'emails[type eq "work"].nosuch'])
    def test_an_unknown_path_is_400_invalid_path_and_changes_nothing(self, api, bjensen, path):
        resp = send(api, f"/Users/{bjensen['id']}", {"op": "replace", "path": "title", "value": "T"},
                    {"op": "replace", "path": path, "value": "x"})
        assert_scim_error(resp, 400, "invalidPath")
        assert get_json(api, f"/Users/{bjensen['id']}") == bjensen

    @pytest.mark.parametrize("path", ['emails[type eq "work"', 5], ids=["unclosed-filter", "not-a-string"])
    def test_a_malformed_path_is_400_invalid_path(self, api, bjensen, path):
        resp = send(api, f"/Users/{bjensen['id']}", {"op": "replace", "path": path, "value": "x"})
        assert_scim_error(resp, 400, "invalidPath")
        assert get_json(api, f"/Users/{bjensen['id']}") == bjensen

    def test_remove_without_a_path_is_400_no_target(self, api, bjensen):
        assert_scim_error(send(api, f"/Users/{bjensen['id']}", {"op": "remove"}), 400, "noTarget")
        assert get_json(api, f"/Users/{bjensen['id']}") == bjensen

    def test_changing_a_read_only_attribute_is_400_mutability_and_changes_nothing(self, api, bjensen):
        resp = send(api, f"/Users/{bjensen['id']}", {"op": "replace", "path": "id", "value": "another-id"})
        assert_scim_error(resp, 400, "mutability")
        assert get_json(api, f"/Users/{bjensen['id']}") == bjensen
        assert api.get("/Users/another-id").status_code == 404

    def test_an_unknown_key_is_400_invalid_path_under_the_reject_policy(self, make_api):
        api = make_api(unknown="reject")
        user = create_user(api, "strict")
        resp = send(api, f"/Users/{user['id']}", {"op": "add", "value": {"title": "T", "nosuch": "x"}})
        assert_scim_error(resp, 400, "invalidPath")
        assert get_json(api, f"/Users/{user['id']}") == user

    def test_a_string_boolean_is_stored_as_a_boolean(self, api, bjensen):
        body = patched(api, f"/Users/{bjensen['id']}", {"op": "Replace", "path": "active", "value": "False"})
        assert body["active"] is False
        assert get_json(api, f"/Users/{bjensen['id']}")["active"] is False


@pytest.mark.memory_only  # rendering and the schema's rules, before any store is involved
class TestTheResultingResource:
    def test_an_enterprise_attribute_adds_the_extension_urn_to_schemas(self, api, bjensen):
        body = patched(api, f"/Users/{bjensen['id']}",
                       {"op": "add", "path": f"{ENTERPRISE_URN}:department", "value": "Retail"})
        assert body[ENTERPRISE_URN] == {"department": "Retail"}
        assert body["schemas"] == [USER_URN, ENTERPRISE_URN]

    def test_the_enterprise_extension_as_a_whole_by_its_urn(self, api, bjensen):
        body = patched(api, f"/Users/{bjensen['id']}",
                       {"op": "replace", "path": ENTERPRISE_URN, "value": {"department": "Retail", "costCenter": "42"}})
        assert body[ENTERPRISE_URN] == {"department": "Retail", "costCenter": "42"}
        removed = patched(api, f"/Users/{bjensen['id']}", {"op": "remove", "path": ENTERPRISE_URN})
        assert ENTERPRISE_URN not in removed and removed["schemas"] == [USER_URN]

    def test_an_extension_urn_key_in_a_pathless_value_adds_the_extension_urn(self, api, bjensen, people):
        body = patched(api, f"/Users/{bjensen['id']}", {"op": "add", "value": {
            ENTERPRISE_URN: {"department": "Retail", "manager": {"value": people[1]}}}})
        assert body[ENTERPRISE_URN] == {"department": "Retail", "manager": {"value": people[1]}}
        assert ENTERPRISE_URN in body["schemas"]

    def test_removing_the_last_enterprise_attribute_drops_its_urn_from_schemas(self, api):
        uid = create_user(api, "ext", **{"schemas": [USER_URN, ENTERPRISE_URN], ENTERPRISE_URN: {"department": "D"}})["id"]
        body = patched(api, f"/Users/{uid}", {"op": "remove", "path": f"{ENTERPRISE_URN}:department"})
        assert ENTERPRISE_URN not in body and body["schemas"] == [USER_URN]

    def test_meta_and_schemas_in_a_pathless_value_are_not_taken(self, api, bjensen):
        body = patched(api, f"/Users/{bjensen['id']}", {"op": "replace", "value": {
            "schemas": [USER_URN], "meta": {"version": 'W/"99"', "resourceType": "Group"}, "title": "T"}})
        assert body["title"] == "T"
        assert body["meta"]["resourceType"] == "User" and body["meta"]["version"] == 'W/"2"'

    def test_removing_the_user_name_is_400_and_changes_nothing(self, api, bjensen):
        assert_scim_error(send(api, f"/Users/{bjensen['id']}", {"op": "remove", "path": "userName"}), 400, "invalidValue")
        assert get_json(api, f"/Users/{bjensen['id']}") == bjensen

    def test_a_non_boolean_active_is_400_invalid_value(self, api, bjensen):
        resp = send(api, f"/Users/{bjensen['id']}", {"op": "replace", "path": "active", "value": "no way"})
        assert_scim_error(resp, 400, "invalidValue")
        assert get_json(api, f"/Users/{bjensen['id']}") == bjensen

    def test_under_the_reject_policy_an_unknown_sub_attribute_in_a_value_is_refused_as_in_post(self, make_api):
        api = make_api(unknown="reject")
        post = api.post("/Users", {"schemas": [USER_URN], "userName": "strict",
                                   "emails": [{"value": "s@example.com", "nosuch": 1}]})
        assert post.status_code == 400
        user = create_user(api, "strict")
        resp = send(api, f"/Users/{user['id']}",
                    {"op": "add", "path": "emails", "value": [{"value": "s@example.com", "nosuch": 1}]})
        assert resp.status_code == 400, resp.json
        assert get_json(api, f"/Users/{user['id']}") == user


class TestPasswords:
    @pytest.mark.parametrize("operation", [
        {"op": "replace", "path": "password", "value": "n3w-Secret!"},
        {"op": "replace", "value": {"password": "n3w-Secret!"}},
    ])
    def test_a_patched_password_is_accepted_and_never_returned(self, api, bjensen, operation):
        resp = send(api, f"/Users/{bjensen['id']}", operation)
        assert resp.status_code == 200, resp.json
        assert "password" not in resp.json and "n3w-Secret" not in resp.get_data(as_text=True)
        assert resp.json["meta"]["version"] == 'W/"2"'
        got = api.get(f"/Users/{bjensen['id']}")
        assert "password" not in got.json and "n3w-Secret" not in got.get_data(as_text=True)

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_a_password_that_is_not_a_string_is_400_invalid_value(self, api, bjensen):
        resp = send(api, f"/Users/{bjensen['id']}", {"op": "replace", "path": "password", "value": 12345678})
        assert_scim_error(resp, 400, "invalidValue")
        assert get_json(api, f"/Users/{bjensen['id']}") == bjensen


class TestGroupMembers:
    def test_add_without_type_makes_them_members_and_bumps_the_group_version(self, api, people):
        group = create_group(api, "Staff")
        body = patched(api, f"/Groups/{group['id']}",
                       {"op": "add", "path": "members", "value": [{"value": people[0]}, {"value": people[1]}]})
        assert member_ids(body) == {people[0], people[1]}
        assert body["meta"]["version"] == 'W/"2"'
        assert {m["value"]: m.get("display") for m in body["members"]} == {people[0]: "Ann", people[1]: "Bob"}
        assert get_json(api, f"/Groups/{group['id']}") == body

    def test_a_users_groups_follow_patch_membership_changes(self, api, people):
        gid = create_group(api, "Staff")["id"]
        patched(api, f"/Groups/{gid}", {"op": "add", "path": "members", "value": [{"value": people[0]}]})
        assert [g["value"] for g in get_json(api, f"/Users/{people[0]}")["groups"]] == [gid]
        assert get_json(api, f"/Users/{people[0]}")["groups"][0]["display"] == "Staff"
        patched(api, f"/Groups/{gid}", {"op": "remove", "path": f'members[value eq "{people[0]}"]'})
        assert "groups" not in get_json(api, f"/Users/{people[0]}")

    def test_repeating_an_add_is_idempotent_and_keeps_the_version(self, api, people):
        group = create_group(api, "Staff", [people[0]])
        body = patched(api, f"/Groups/{group['id']}", {"op": "add", "path": "members", "value": [{"value": people[0]}]})
        assert member_ids(body) == {people[0]}
        assert body["meta"]["version"] == group["meta"]["version"]
        assert body["meta"]["lastModified"] == group["meta"]["lastModified"]

    def test_by_default_an_unknown_member_is_ignored_and_the_rest_applied(self, api, people):
        # Okta drops a whole group push on a 400: the default policy is ignore-and-report
        group = create_group(api, "Staff")
        resp = send(api, f"/Groups/{group['id']}",
                    {"op": "add", "path": "members", "value": [{"value": people[0]}, {"value": "no-such-user-7"}]})
        assert resp.status_code == 200
        assert [m["value"] for m in resp.get_json()["members"]] == [people[0]]

    def test_under_the_reject_policy_an_unknown_member_is_400_naming_it_and_nothing_is_applied(
            self, make_api, people_of):
        api = make_api(policy=PolicySettings(unknown_members="reject"))
        people = people_of(api)
        group = create_group(api, "Staff")
        resp = send(api, f"/Groups/{group['id']}",
                    {"op": "add", "path": "members", "value": [{"value": people[0]}, {"value": "no-such-user-7"}]})
        err = assert_scim_error(resp, 400, "invalidValue")
        assert "no-such-user-7" in err["detail"]
        assert get_json(api, f"/Groups/{group['id']}") == group

    def test_a_group_as_a_member_is_400_invalid_value(self, api, people):
        group, other = create_group(api, "Staff"), create_group(api, "Other")
        resp = send(api, f"/Groups/{group['id']}",
                    {"op": "add", "path": "members", "value": [{"value": other["id"], "type": "Group"}]})
        assert_scim_error(resp, 400, "invalidValue")
        assert get_json(api, f"/Groups/{group['id']}") == group

    def test_remove_with_a_value_list_removes_exactly_those_members(self, api, people):
        gid = create_group(api, "Staff", people)["id"]
        body = patched(api, f"/Groups/{gid}", {"op": "remove", "path": "members",
                                                "value": [{"value": people[0]}, {"value": people[2]}]})
        assert member_ids(body) == {people[1]}
        assert member_ids(get_json(api, f"/Groups/{gid}")) == {people[1]}

    def test_remove_through_a_value_filter_removes_that_member(self, api, people):
        gid = create_group(api, "Staff", people)["id"]
        body = patched(api, f"/Groups/{gid}", {"op": "remove", "path": f'members[value eq "{people[1]}"]'})
        assert member_ids(body) == {people[0], people[2]}

    def test_remove_of_members_without_a_value_removes_them_all(self, api, people):
        gid = create_group(api, "Staff", people)["id"]
        body = patched(api, f"/Groups/{gid}", {"op": "remove", "path": "members"})
        assert member_ids(body) == set()
        assert all("groups" not in get_json(api, f"/Users/{p}") for p in people)

    def test_removing_a_non_member_succeeds_and_keeps_the_version(self, api, people):
        group = create_group(api, "Staff", [people[0]])
        body = patched(api, f"/Groups/{group['id']}", {"op": "remove", "path": f'members[value eq "{people[1]}"]'},
                       {"op": "remove", "path": "members", "value": [{"value": "never-existed"}]})
        assert body == group

    def test_replace_makes_the_membership_exact(self, api, people):
        gid = create_group(api, "Staff", people[:2])["id"]
        body = patched(api, f"/Groups/{gid}", {"op": "replace", "path": "members",
                                                "value": [{"value": people[1]}, {"value": people[2]}]})
        assert member_ids(body) == {people[1], people[2]}

    def test_more_member_changes_than_allowed_is_413_and_nothing_is_applied(self, make_api):
        api = make_api(max_members_per_request=2)
        people = [create_user(api, f"user{i}")["id"] for i in range(3)]
        group = create_group(api, "Staff")
        resp = send(api, f"/Groups/{group['id']}", {"op": "replace", "path": "displayName", "value": "Renamed"},
                    {"op": "add", "path": "members", "value": [{"value": p} for p in people]})
        assert_scim_error(resp, 413)
        assert get_json(api, f"/Groups/{group['id']}") == group

    def test_the_limit_counts_member_changes_not_the_ids_sent(self, make_api):
        """As for PUT: a full push of an unchanged member list (Okta O16, JumpCloud's repeated adds)
        changes nothing, whatever the size of the list."""
        api = make_api(max_members_per_request=2)
        people = [create_user(api, f"user{i}")["id"] for i in range(3)]
        gid = create_group(api, "Staff")["id"]
        patched(api, f"/Groups/{gid}", {"op": "add", "path": "members", "value": [{"value": p} for p in people[:2]]})
        group = patched(api, f"/Groups/{gid}", {"op": "add", "path": "members", "value": [{"value": people[2]}]})

        for name in ("replace", "add"):
            body = patched(api, f"/Groups/{gid}", {"op": name, "path": "members", "value": [{"value": p} for p in people]})
            assert body == group

    def test_member_changes_up_to_the_limit_are_applied(self, make_api):
        api = make_api(max_members_per_request=2)
        people = [create_user(api, f"user{i}")["id"] for i in range(2)]
        gid = create_group(api, "Staff")["id"]
        body = patched(api, f"/Groups/{gid}", {"op": "add", "path": "members", "value": [{"value": p} for p in people]})
        assert member_ids(body) == set(people)


class TestGroupAttributes:
    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    @pytest.mark.parametrize("operation", [{"op": "remove", "path": "displayName"},
                                           {"op": "replace", "path": "displayName", "value": ""}])
    def test_a_group_cannot_lose_its_display_name(self, api, operation):
        group = create_group(api, "Staff")
        assert_scim_error(send(api, f"/Groups/{group['id']}", operation), 400, "invalidValue")
        assert get_json(api, f"/Groups/{group['id']}") == group

    def test_a_user_id_is_not_a_group_to_patch(self, api, bjensen):
        resp = send(api, f"/Groups/{bjensen['id']}", {"op": "replace", "path": "displayName", "value": "x"})
        assert_scim_error(resp, 404)
        assert get_json(api, f"/Users/{bjensen['id']}") == bjensen


class TestAtomicity:
    # A failure in the engine (any failing operation: tests/unit/test_patch_engine.py), in the
    # schema's rules, and in the store (the user name is taken: 409).
    @pytest.mark.parametrize("failing", [
        {"op": "replace", "path": "nosuch", "value": "x"},
        {"op": "replace", "path": "active", "value": "perhaps"},
        {"op": "replace", "path": "userName", "value": "ann"},
    ], ids=["engine", "schema", "store"])
    def test_when_a_later_operation_fails_no_earlier_one_is_applied(self, api, bjensen, people, failing):
        resp = send(api, f"/Users/{bjensen['id']}",
                    {"op": "replace", "path": "displayName", "value": "Changed"},
                    {"op": "add", "path": "emails", "value": [{"value": "new@example.com"}]},
                    {"op": "replace", "path": "password", "value": "n3w"},
                    {"op": "remove", "path": "name"},
                    failing)
        assert resp.status_code in (400, 409), resp.json
        assert get_json(api, f"/Users/{bjensen['id']}") == bjensen

    def test_a_failed_group_patch_changes_neither_attributes_nor_members_nor_version(self, make_api, people_of):
        api = make_api(policy=PolicySettings(unknown_members="reject"))
        people = people_of(api)
        group = create_group(api, "Staff", [people[0]])
        resp = send(api, f"/Groups/{group['id']}",
                    {"op": "replace", "value": {"displayName": "Renamed", "externalId": "ext-9"}},
                    {"op": "remove", "path": f'members[value eq "{people[0]}"]'},
                    {"op": "add", "path": "members", "value": [{"value": people[1]}]},
                    {"op": "add", "path": "members", "value": [{"value": "no-such-user"}]})
        assert_scim_error(resp, 400, "invalidValue")
        assert get_json(api, f"/Groups/{group['id']}") == group
        assert [g["value"] for g in get_json(api, f"/Users/{people[0]}")["groups"]] == [group["id"]]
        assert "groups" not in get_json(api, f"/Users/{people[1]}")

    def test_a_failed_group_patch_after_an_invalid_path_changes_nothing(self, api, people):
        group = create_group(api, "Staff", [people[0]])
        resp = send(api, f"/Groups/{group['id']}",
                    {"op": "add", "path": "members", "value": [{"value": people[1]}]},
                    {"op": "remove", "path": "members"},
                    {"op": "replace", "path": "description", "value": "x"})
        assert_scim_error(resp, 400, "invalidPath")
        assert get_json(api, f"/Groups/{group['id']}") == group


class TestVersions:
    @pytest.mark.parametrize("operation", [
        {"op": "replace", "path": "displayName", "value": "Barbara Jensen"},
        {"op": "replace", "value": {"displayName": "Barbara Jensen", "name.givenName": "Barbara"}},
        {"op": "add", "path": "emails", "value": [HOME]},
        {"op": "remove", "path": "title"},
        {"op": "replace", "path": "active", "value": "True"},
    ])
    def test_a_patch_that_changes_nothing_keeps_version_and_last_modified(self, api, bjensen, operation):
        body = patched(api, f"/Users/{bjensen['id']}", operation)
        assert body["meta"]["version"] == bjensen["meta"]["version"]
        assert body["meta"]["lastModified"] == bjensen["meta"]["lastModified"]
        assert get_json(api, f"/Users/{bjensen['id']}") == bjensen

    def test_a_change_bumps_the_version_and_last_modified_and_keeps_created(self, api, bjensen):
        resp = send(api, f"/Users/{bjensen['id']}", {"op": "replace", "path": "title", "value": "Boss"})
        body = resp.json
        assert resp.headers["ETag"] == body["meta"]["version"] == 'W/"2"'
        assert datetime.fromisoformat(body["meta"]["lastModified"]) > datetime.fromisoformat(bjensen["meta"]["lastModified"])
        assert body["meta"]["created"] == bjensen["meta"]["created"]
        again = patched(api, f"/Users/{bjensen['id']}", {"op": "replace", "path": "title", "value": "Chief"})
        assert again["meta"]["version"] == 'W/"3"'

    def test_a_stale_if_match_is_412_and_changes_nothing(self, api, bjensen):
        patched(api, f"/Users/{bjensen['id']}", {"op": "replace", "path": "title", "value": "Boss"})
        current = get_json(api, f"/Users/{bjensen['id']}")
        resp = send(api, f"/Users/{bjensen['id']}", {"op": "replace", "path": "title", "value": "Chief"},
                    headers={"If-Match": bjensen["meta"]["version"]})
        assert_scim_error(resp, 412)
        assert get_json(api, f"/Users/{bjensen['id']}") == current

    def test_a_stale_if_match_on_a_group_is_412_and_changes_no_members(self, api, people):
        group = create_group(api, "Staff")
        patched(api, f"/Groups/{group['id']}", {"op": "replace", "path": "displayName", "value": "Renamed"})
        current = get_json(api, f"/Groups/{group['id']}")
        resp = send(api, f"/Groups/{group['id']}", {"op": "add", "path": "members", "value": [{"value": people[0]}]},
                    headers={"If-Match": group["meta"]["version"]})
        assert_scim_error(resp, 412)
        assert get_json(api, f"/Groups/{group['id']}") == current

    @pytest.mark.parametrize("header", ["current", "*"])
    def test_a_current_if_match_is_accepted(self, api, bjensen, header):
        value = bjensen["meta"]["version"] if header == "current" else "*"
        body = patched(api, f"/Users/{bjensen['id']}", {"op": "replace", "path": "title", "value": "Boss"},
                       headers={"If-Match": value})
        assert body["title"] == "Boss"

    def test_member_add_and_remove_each_bump_the_group_version(self, api, people):
        gid = create_group(api, "Staff")["id"]
        added = patched(api, f"/Groups/{gid}", {"op": "add", "path": "members", "value": [{"value": people[0]}]})
        removed = patched(api, f"/Groups/{gid}", {"op": "remove", "path": "members", "value": [{"value": people[0]}]})
        assert (added["meta"]["version"], removed["meta"]["version"]) == ('W/"2"', 'W/"3"')
        assert get_json(api, f"/Groups/{gid}")["meta"]["version"] == 'W/"3"'


class TestDiscovery:
    @pytest.mark.memory_only
    def test_service_provider_config_reports_patch_supported(self, api):
        assert get_json(api, "/ServiceProviderConfig")["patch"] == {"supported": True}
