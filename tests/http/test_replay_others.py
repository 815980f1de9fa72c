"""OneLogin, JumpCloud, Google Workspace and authentik, replayed as shared/idp-requests.md §4–§7 record them."""

from __future__ import annotations

import pytest

from tests.http.support import (
    ENTERPRISE_URN,
    GROUP_URN,
    LIST_URN,
    USER_URN,
    assert_scim_error,
    create_user,
    get_json,
    ids_of,
)

# Replays run on the in-memory backend; the classes marked both_backends run on SQLite too.
pytestmark = pytest.mark.memory_only

AUTHENTIK = {"User-Agent": "authentik@2025.10.1", "Accept": "application/scim+json",
             "Content-Type": "application/scim+json"}
ONELOGIN_CORE = {
    "schemas": ["urn:scim:schemas:core:1.0"],
    "userName": "onelogin-test-user01",
    "name": {"givenName": "Test", "familyName": "User01", "formatted": "Test User01"},
}
ONELOGIN_ENTERPRISE = {
    "schemas": ["urn:scim:schemas:core:1.0", "urn:scim:schemas:extension:enterprise:1.0"],
    "userName": "onelogin-test-user02",
    "name": {"familyName": "User02", "givenName": "Test", "formatted": "Test User02"},
    "emails": {"value": "test.user02@example.com", "type": "work", "primary": True},
    "title": "Engineer",
    "urn:scim:schemas:extension:enterprise:1.0": {"department": "R&D", "manager": {"managerId": "mgr-7"}},
}
GOOGLE_CREATE = {
    "schemas": ["urn:scim:schemas:core:1.0", USER_URN],
    "userName": "username@domain.com",
    "emails": [{"primary": True, "value": "username@domain.com", "type": "work"}],
    "displayName": "User Name", "name": {"givenName": "User", "familyName": "Name"}, "active": True,
}
A2_BODY = {
    "schemas": [USER_URN], "userName": "jdoe",
    "name": {"formatted": "Jane Doe", "givenName": "Jane", "familyName": "Doe"}, "displayName": "Jane Doe",
    "photos": [{"value": "https://authentik.example.com/media/avatars/jdoe.png", "type": "photo"}],
    "locale": "en", "active": True,
    "emails": [{"value": "jane@example.com", "type": "other", "primary": True}],
    "externalId": "8f1c3a52e4b9d0a7c6e5f4d3b2a19080",
}


class TestOneLogin:
    def test_l1_the_connection_test_for_a_user_that_does_not_exist_is_an_empty_200(self, api):
        body = get_json(api, "/Users?filter=userName+eq+%22onelogin-nonexistent-9f8e7d%22&")
        assert body["schemas"] == [LIST_URN] and body["totalResults"] == 0

    def test_l2_the_lookup_with_plus_for_space_and_a_trailing_ampersand_finds_the_user(self, api):
        created = create_user(api, "onelogin-test-user01")
        body = get_json(api, "/Users?filter=userName+eq+%22onelogin-test-user01%22&")
        assert ids_of(body) == [created["id"]]

    def test_l3_the_core_1_0_template_creates_the_user(self, api):
        resp = api.post("/Users", dict(ONELOGIN_CORE))
        assert resp.status_code == 201, resp.json
        body = resp.json
        assert body["id"] and body["userName"] == "onelogin-test-user01"
        assert body["name"] == {"formatted": "Test User01", "familyName": "User01", "givenName": "Test"}
        assert body["schemas"] == [USER_URN]

    def test_l3_the_enterprise_1_0_template_with_an_emails_object_creates_the_user(self, api):
        resp = api.post("/Users", dict(ONELOGIN_ENTERPRISE))
        assert resp.status_code == 201, resp.json
        body = resp.json
        assert body["emails"] == [{"value": "test.user02@example.com", "type": "work", "primary": True}]
        assert body["title"] == "Engineer"
        assert "urn:scim:schemas:extension:enterprise:1.0" not in body and ENTERPRISE_URN not in body

    def test_l5_update_with_a_trailing_question_mark_and_non_standard_2_0_urns(self, api):
        uid = api.post("/Users", dict(ONELOGIN_CORE)).json["id"]
        body = {"schemas": ["urn:scim:schemas:core:2.0", "urn:scim:schemas:extension:enterprise:2.0"],
                "userName": "onelogin-test-user01",
                "name": {"givenName": "Renamed", "familyName": "User01", "formatted": "Renamed User01"}}

        resp = api.put(f"/Users/{uid}?", body)

        assert resp.status_code == 200, resp.json
        assert resp.json["name"]["givenName"] == "Renamed"
        assert get_json(api, f"/Users/{uid}")["name"]["formatted"] == "Renamed User01"

    def test_the_1_0_urns_are_refused_under_the_reject_policy(self, make_client):
        strict = make_client(unknown="reject")
        assert_scim_error(strict.post("/Users", dict(ONELOGIN_CORE)), 400, "invalidValue")

    def test_deprovisioning_deletes_the_user(self, api):
        uid = api.post("/Users", dict(ONELOGIN_CORE)).json["id"]
        assert api.delete(f"/Users/{uid}").status_code == 204
        assert get_json(api, "/Users?filter=userName+eq+%22onelogin-test-user01%22&")["totalResults"] == 0


class TestJumpCloud:
    def test_j1_the_connection_test_creates_and_deletes_a_test_user_and_group(self, api):
        user = api.post("/Users", {"schemas": [USER_URN], "userName": "jc-test@example.com",
                                   "emails": [{"value": "jc-test@example.com", "type": "work", "primary": True}],
                                   "active": True})
        assert user.status_code == 201
        group = api.post("/Groups", {"schemas": [GROUP_URN], "displayName": "JumpCloud Test Group",
                                     "members": [{"value": user.json["id"]}]})
        assert group.status_code == 201

        assert api.delete(f"/Users/{user.json['id']}").status_code == 204
        assert api.delete(f"/Groups/{group.json['id']}").status_code == 204
        assert get_json(api, "/Users")["totalResults"] == 0
        assert get_json(api, "/Groups")["totalResults"] == 0


class TestGoogleWorkspace:
    def test_the_first_request_lists_users_without_parameters(self, api):
        create_user(api, "someone@domain.com")
        body = get_json(api, "/Users")
        assert body["schemas"] == [LIST_URN] and body["totalResults"] == 1 and body["startIndex"] == 1

    def test_the_lookup_has_start_index_but_no_count(self, api):
        created = create_user(api, "username@domain.com")
        body = get_json(api, "/Users?filter=userName%20eq%20%22username%40domain.com%22&startIndex=1")
        assert ids_of(body) == [created["id"]]
        miss = get_json(api, "/Users?filter=userName%20eq%20%22other%40domain.com%22&startIndex=1")
        assert miss["totalResults"] == 0

    def test_create_with_1_0_and_2_0_urns_is_201(self, api):
        resp = api.post("/Users", dict(GOOGLE_CREATE))
        assert resp.status_code == 201, resp.json
        body = resp.json
        assert body["id"] and body["userName"] == "username@domain.com"
        assert body["emails"] == [{"value": "username@domain.com", "type": "work", "primary": True}]
        assert body["displayName"] == "User Name" and body["active"] is True
        assert body["name"] == {"familyName": "Name", "givenName": "User"}


@pytest.mark.both_backends
class TestAuthentik:
    def test_a1_service_provider_config_tells_authentik_what_to_use(self, api):
        body = get_json(api, "/ServiceProviderConfig")
        assert body["filter"]["supported"] is True
        # authentik chunks its member PATCHes by bulk.maxOperations (A6)
        assert body["bulk"] == {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576}
        assert isinstance(body["patch"]["supported"], bool)

    def test_a2_create_user_is_201_with_an_id(self, api):
        resp = api.post("/Users", dict(A2_BODY), headers=AUTHENTIK)
        assert resp.status_code == 201
        body = resp.json
        assert body["id"]
        assert body["emails"] == [{"value": "jane@example.com", "type": "other", "primary": True}]
        assert body["photos"] == [{"value": A2_BODY["photos"][0]["value"], "type": "photo"}]
        assert body["locale"] == "en" and body["externalId"] == A2_BODY["externalId"]

    def test_a2_after_a_409_the_unquoted_fallback_lookup_is_a_clear_invalid_filter(self, api):
        api.post("/Users", dict(A2_BODY), headers=AUTHENTIK)
        assert_scim_error(api.post("/Users", dict(A2_BODY), headers=AUTHENTIK), 409, "uniqueness")

        err = assert_scim_error(api.get("/Users?filter=userName+eq+jdoe", headers=AUTHENTIK), 400,
                                "invalidFilter")
        assert "jdoe" in err["detail"]

    def test_a3_update_is_a_put_with_the_id_in_the_body(self, api):
        uid = api.post("/Users", dict(A2_BODY), headers=AUTHENTIK).json["id"]
        body = {**A2_BODY, "displayName": "Jane Q. Doe", "id": uid}

        resp = api.put(f"/Users/{uid}", body, headers=AUTHENTIK)

        assert resp.status_code == 200 and resp.json["displayName"] == "Jane Q. Doe"

    def test_a3_deactivation_is_the_same_put_with_active_false(self, api):
        uid = api.post("/Users", dict(A2_BODY), headers=AUTHENTIK).json["id"]
        resp = api.put(f"/Users/{uid}", {**A2_BODY, "active": False, "id": uid}, headers=AUTHENTIK)
        assert resp.status_code == 200 and resp.json["active"] is False
        assert get_json(api, f"/Users/{uid}")["active"] is False

    def test_a4_delete_user_is_204(self, api):
        uid = api.post("/Users", dict(A2_BODY), headers=AUTHENTIK).json["id"]
        assert api.delete(f"/Users/{uid}", headers=AUTHENTIK).status_code == 204
        assert_scim_error(api.get(f"/Users/{uid}", headers=AUTHENTIK), 404)

    def test_a5_create_group_and_its_fallback_lookup(self, api):
        body = {"schemas": [GROUP_URN], "displayName": "Admins", "externalId": "42"}
        resp = api.post("/Groups", body, headers=AUTHENTIK)
        assert resp.status_code == 201 and resp.json["externalId"] == "42"

        found = get_json(api, "/Groups?filter=displayName+eq+%22Admins%22")
        assert ids_of(found) == [resp.json["id"]]

    @pytest.mark.parametrize("final", [["jdoe"], []], ids=["one-member", "empty-list"])
    def test_a7_without_patch_group_updates_are_puts_with_the_full_member_list(self, api, final):
        users = {name: api.post("/Users", {**A2_BODY, "userName": name, "externalId": name},
                                headers=AUTHENTIK).json["id"] for name in ("jdoe", "asmith")}
        gid = api.post("/Groups", {"schemas": [GROUP_URN], "displayName": "Admins", "externalId": "42",
                                   "members": [{"value": users["asmith"]}]}, headers=AUTHENTIK).json["id"]
        body = {"schemas": [GROUP_URN], "displayName": "Admins", "externalId": "42",
                "members": [{"value": users[n]} for n in final]}

        resp = api.put(f"/Groups/{gid}", body, headers=AUTHENTIK)

        assert resp.status_code == 200
        assert {m["value"] for m in resp.json.get("members", [])} == {users[n] for n in final}
        assert "groups" not in get_json(api, f"/Users/{users['asmith']}")

    def test_a8_delete_group_is_204(self, api):
        gid = api.post("/Groups", {"schemas": [GROUP_URN], "displayName": "Admins"}, headers=AUTHENTIK).json["id"]
        assert api.delete(f"/Groups/{gid}", headers=AUTHENTIK).status_code == 204
        assert_scim_error(api.get(f"/Groups/{gid}"), 404)

    def test_a9_discovery_pages_through_groups_by_start_index(self, api):
        ids = [api.post("/Groups", {"displayName": f"g{i}"}, headers=AUTHENTIK).json["id"] for i in range(3)]
        first = get_json(api, "/Groups")
        assert ids_of(first) == ids
        rest = get_json(api, f"/Groups?startIndex={first['itemsPerPage'] + 1}")
        assert rest["Resources"] == [] and rest["totalResults"] == 3
