"""Okta's requests replayed as shared/idp-requests.md §2 records them (O1–O21, PATCH shapes excluded)."""

from __future__ import annotations

import copy

import pytest

from tests.http.support import (
    ERROR_URN,
    GROUP_URN,
    LIST_URN,
    SCIM_UTF8,
    USER_URN,
    assert_scim_error,
    get_json,
)

# Replays run on the in-memory backend; the classes marked both_backends run on SQLite too.
pytestmark = pytest.mark.memory_only

# Okta's published header set (2018 SCIM 2.0 page); Content-Type is sent on every request, DELETE too.
OKTA = {
    "User-Agent": "Okta SCIM Client 1.0.0",
    "Accept": "application/scim+json",
    "Accept-Charset": "utf-8",
    "Accept-Encoding": "gzip,deflate",
    "Content-Type": SCIM_UTF8,
}
SPEC_SUITE = {"User-Agent": "OKTA SCIM Integration", "Accept": "application/scim+json", "Content-Type": SCIM_UTF8}

O4_BODY = {
    "schemas": [USER_URN],
    "userName": "test.user@okta.local",
    "name": {"givenName": "Test", "familyName": "User"},
    "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
    "displayName": "Test User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [], "password": "1mz050nq", "active": True,
}


def okta_create(api, body=None) -> dict:
    resp = api.post("/Users", copy.deepcopy(body or O4_BODY), headers=OKTA)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.json  # type: ignore[no-any-return]


def okta_get(api, path: str) -> dict:
    resp = api.get(path, headers=OKTA)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.json  # type: ignore[no-any-return]


def assert_list_response(body: dict) -> None:
    assert body["schemas"] == [LIST_URN]
    for key in ("totalResults", "startIndex", "itemsPerPage"):
        assert type(body[key]) is int


class TestO1ConnectionTest:
    def test_the_test_button_lists_two_users_with_integer_paging_fields(self, api):
        for i in range(3):
            okta_create(api, {**O4_BODY, "userName": f"u{i}@okta.local", "externalId": f"00u{i}"})
        body = okta_get(api, "/Users?startIndex=1&count=2")
        assert_list_response(body)
        assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (3, 1, 2)

    def test_saving_to_app_settings_also_lists_groups(self, api):
        body = okta_get(api, "/Groups?startIndex=1&count=100")
        assert_list_response(body)
        assert body["totalResults"] == 0 and body["Resources"] == []

    def test_bad_credentials_are_a_401(self, api):
        resp = api.get("/Users?startIndex=1&count=2", auth=False,
                       headers={**OKTA, "Authorization": "Bearer wrong-token"})
        assert_scim_error(resp, 401)


class TestO2Import:
    def test_import_pages_by_100_until_total_results_and_sees_every_user_once(self, client):
        for i in range(105):
            resp = client.post("/Users", {"userName": f"user{i:03d}@okta.local"}, headers=OKTA)
            assert resp.status_code == 201
        fetched: list[str] = []
        start = 1
        while True:
            page = okta_get(client, f"/Users?startIndex={start}&count=100")
            assert_list_response(page)
            fetched += [r["id"] for r in page["Resources"]]
            start += 100
            if len(fetched) >= page["totalResults"]:
                break
        assert len(fetched) == len(set(fetched)) == 105
        small_pages = [r["id"] for s in range(1, 106, 35)
                       for r in okta_get(client, f"/Users?startIndex={s}&count=35")["Resources"]]
        assert small_pages == fetched

    def test_groups_import_lists_every_group(self, api):
        for name in ("Engineering", "Sales"):
            api.post("/Groups", {"schemas": [GROUP_URN], "displayName": name, "members": []}, headers=OKTA)
        body = okta_get(api, "/Groups?startIndex=1&count=100")
        assert sorted(g["displayName"] for g in body["Resources"]) == ["Engineering", "Sales"]


@pytest.mark.both_backends
class TestO3LookupBeforeCreate:
    def test_no_match_is_an_empty_list_response(self, api):
        body = okta_get(api, "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100")
        assert body == {"schemas": [LIST_URN], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0,
                        "Resources": []}

    @pytest.mark.parametrize("query", [
        "filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100",
        "filter=userName+eq+%22test.user%40okta.local%22&startIndex=1&count=100",
        "filter=userName%20eq%20%22TEST.USER%40OKTA.LOCAL%22&startIndex=1&count=100",
    ], ids=["percent-encoded", "plus-for-space", "upper-cased"])
    def test_a_match_returns_the_user_with_its_id(self, api, query):
        created = okta_create(api)
        body = okta_get(api, f"/Users?{query}")
        assert body["totalResults"] == 1
        assert body["Resources"][0]["id"] == created["id"]
        assert body["Resources"][0]["userName"] == "test.user@okta.local"


@pytest.mark.both_backends
class TestO4CreateUser:
    def test_the_create_body_is_accepted_with_201_and_a_full_resource(self, api):
        resp = api.post("/Users", copy.deepcopy(O4_BODY), headers=OKTA)

        assert resp.status_code == 201
        body = resp.json
        assert body["id"]
        assert body["userName"] == "test.user@okta.local"
        assert body["name"] == {"givenName": "Test", "familyName": "User"}
        assert body["emails"] == [{"value": "test.user@okta.local", "type": "work", "primary": True}]
        assert (body["displayName"], body["locale"], body["active"]) == ("Test User", "en-US", True)
        assert body["externalId"] == "00ujl29u0le5T6Aj10h7"
        assert "password" not in body and "groups" not in body
        assert resp.headers["Location"] == body["meta"]["location"]

    def test_the_enterprise_variant_keeps_the_department(self, api):
        body = {**copy.deepcopy(O4_BODY), "locale": "en_US", "title": "Engineer",
                "schemas": [USER_URN, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Engineering"}}
        created = okta_create(api, body)
        assert created["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] == {"department": "Engineering"}
        assert created["title"] == "Engineer" and created["locale"] == "en_US"

    def test_creating_the_same_user_again_is_a_409_error(self, api):
        okta_create(api)
        again = {**copy.deepcopy(O4_BODY), "userName": "Test.User@OKTA.local"}
        resp = api.post("/Users", again, headers=OKTA)
        body = assert_scim_error(resp, 409, "uniqueness")
        assert body["schemas"] == [ERROR_URN] and body["status"] == "409"
        assert okta_get(api, "/Users?startIndex=1&count=100")["totalResults"] == 1


class TestO5GetUser:
    def test_get_returns_what_okta_reads(self, api):
        created = okta_create(api)
        body = okta_get(api, f"/Users/{created['id']}")
        assert body["id"] == created["id"] and body["userName"] == "test.user@okta.local"
        assert body["name"]["givenName"] == "Test" and body["active"] is True
        assert [e for e in body["emails"] if e.get("primary")] == [O4_BODY["emails"][0]]

    @pytest.mark.parametrize("uid", ["010101001010101011001010101011", "00919288221112222"])
    def test_the_spec_suites_unknown_ids_are_404_errors_with_a_detail(self, api, uid):
        resp = api.get(f"/Users/{uid}", headers=SPEC_SUITE)
        body = assert_scim_error(resp, 404)
        assert body["detail"]


@pytest.mark.both_backends
class TestO6ProfileUpdate:
    def test_get_then_put_with_echoed_id_meta_and_groups_updates_the_user(self, api):
        uid = okta_create(api)["id"]
        okta_get(api, f"/Users/{uid}")
        put = {
            "schemas": [USER_URN],
            "id": uid,
            "userName": "test.user@okta.local",
            "name": {"givenName": "Another", "middleName": "Excited", "familyName": "User"},
            "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work",
                        "display": "test.user@okta.local"}],
            "active": True, "groups": [], "meta": {"resourceType": "User"},
        }

        resp = api.put(f"/Users/{uid}", put, headers=OKTA)

        assert resp.status_code == 200
        body = resp.json
        assert body["id"] == uid
        assert body["name"] == {"givenName": "Another", "middleName": "Excited", "familyName": "User"}
        assert body["emails"][0]["display"] == "test.user@okta.local"
        assert body["meta"]["version"] == 'W/"2"'
        assert okta_get(api, f"/Users/{uid}") == body

    def test_the_2018_shape_with_server_meta_external_id_and_a_password_is_accepted(self, api):
        created = okta_create(api)
        put = {**copy.deepcopy(created), "password": "TkdFNVdIVkxhM2c9", "displayName": "Changed"}

        resp = api.put(f"/Users/{created['id']}", put, headers=OKTA)

        assert resp.status_code == 200
        assert resp.json["displayName"] == "Changed" and resp.json["externalId"] == "00ujl29u0le5T6Aj10h7"
        assert "password" not in resp.json
        assert resp.json["meta"]["created"] == created["meta"]["created"]


class TestO7DeactivateByPut:
    def test_aiw_deactivation_is_get_then_put_with_active_false_and_the_user_stays_readable(self, api):
        uid = okta_create(api)["id"]
        current = okta_get(api, f"/Users/{uid}")

        resp = api.put(f"/Users/{uid}", {**current, "active": False}, headers=OKTA)

        assert resp.status_code == 200 and resp.json["active"] is False
        assert okta_get(api, f"/Users/{uid}")["active"] is False
        found = okta_get(api, "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100")
        assert found["Resources"][0]["active"] is False


class TestO8ReactivateByPut:
    def test_reassignment_finds_the_inactive_user_and_reactivates_it_keeping_its_id(self, api):
        uid = okta_create(api, {**O4_BODY, "active": False})["id"]

        found = okta_get(api, "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100")
        assert [r["id"] for r in found["Resources"]] == [uid]
        current = okta_get(api, f"/Users/{uid}")
        resp = api.put(f"/Users/{uid}", {**current, "active": True}, headers=OKTA)

        assert resp.status_code == 200
        assert resp.json["id"] == uid and resp.json["active"] is True
        assert okta_get(api, f"/Users/{uid}")["active"] is True


class TestO11GroupCreate:
    def test_push_groups_creates_an_empty_group(self, api):
        resp = api.post("/Groups", {"schemas": [GROUP_URN], "displayName": "Test SCIMv2", "members": []},
                        headers=OKTA)
        assert resp.status_code == 201
        assert resp.json["id"] and resp.json["displayName"] == "Test SCIMv2"
        assert okta_get(api, f"/Groups/{resp.json['id']}") == resp.json

    def test_the_aiw_variant_creates_with_members_then_gets_and_puts_the_same_content(self, api):
        uid = okta_create(api)["id"]
        body = {"schemas": [GROUP_URN], "displayName": "Test SCIMv2",
                "members": [{"value": uid, "display": "test.user@okta.local"}]}

        created = api.post("/Groups", body, headers=OKTA)
        assert created.status_code == 201
        gid = created.json["id"]
        okta_get(api, f"/Groups/{gid}")
        again = api.put(f"/Groups/{gid}", body, headers=OKTA)

        assert again.status_code == 200
        assert [m["value"] for m in again.json["members"]] == [uid]
        assert again.json["meta"]["version"] == created.json["meta"]["version"]


class TestO13GetGroup:
    def test_members_come_back_with_value_and_display(self, api):
        uid = okta_create(api)["id"]
        gid = api.post("/Groups", {"schemas": [GROUP_URN], "displayName": "Test SCIMv2",
                                   "members": [{"value": uid, "display": "test.user@okta.local"}]},
                       headers=OKTA).json["id"]
        body = okta_get(api, f"/Groups/{gid}")
        assert body["members"][0]["value"] == uid
        assert body["members"][0]["display"] == "Test User"

    def test_a_deleted_group_is_404(self, api):
        assert_scim_error(api.get("/Groups/abf4dd94-a4c0-4f67-89c9-76b03340cb9b", headers=OKTA), 404)


@pytest.mark.both_backends
class TestO17AiwGroupUpdate:
    def _group(self, api, members: list[str]) -> str:
        body = {"schemas": [GROUP_URN], "displayName": "Test SCIMv2",
                "members": [{"value": m, "display": "x"} for m in members]}
        resp = api.post("/Groups", body, headers=OKTA)
        assert resp.status_code == 201
        return str(resp.json["id"])

    def test_put_with_the_full_member_list_makes_it_exact(self, api):
        a = okta_create(api)["id"]
        b = okta_create(api, {**O4_BODY, "userName": "second@okta.local"})["id"]
        gid = self._group(api, [a])
        body = {"schemas": [GROUP_URN], "displayName": "Test SCIMv2",
                "members": [{"value": b, "display": "second@okta.local"}]}

        resp = api.put(f"/Groups/{gid}", body, headers=OKTA)

        assert resp.status_code == 200
        assert [m["value"] for m in resp.json["members"]] == [b]

    def test_push_now_may_replay_a_stale_list_before_the_current_one(self, api):
        a = okta_create(api)["id"]
        b = okta_create(api, {**O4_BODY, "userName": "second@okta.local"})["id"]
        gid = self._group(api, [a])

        for members in ([a], [a, b]):
            body = {"schemas": [GROUP_URN], "displayName": "Test SCIMv2",
                    "members": [{"value": m, "display": "x"} for m in members]}
            assert api.put(f"/Groups/{gid}", body, headers=OKTA).status_code == 200

        assert {m["value"] for m in okta_get(api, f"/Groups/{gid}")["members"]} == {a, b}

    def test_the_2018_shape_with_the_groups_id_and_its_own_name_is_not_a_conflict(self, api):
        a = okta_create(api)["id"]
        gid = self._group(api, [a])
        api.post("/Groups", {"schemas": [GROUP_URN], "displayName": "Test SCIMv2"}, headers=OKTA)
        body = {"schemas": [GROUP_URN], "id": gid, "displayName": "Test SCIMv2",
                "members": [{"value": a, "display": "test.user@okta.local"}]}
        resp = api.put(f"/Groups/{gid}", body, headers=OKTA)
        assert resp.status_code == 200 and resp.json["id"] == gid


class TestO18DeleteGroup:
    def test_a_bodiless_delete_with_a_json_content_type_is_204(self, api):
        gid = api.post("/Groups", {"schemas": [GROUP_URN], "displayName": "Test SCIMv2"}, headers=OKTA).json["id"]
        resp = api.delete(f"/Groups/{gid}", headers=OKTA)
        assert resp.status_code == 204
        assert_scim_error(api.get(f"/Groups/{gid}", headers=OKTA), 404)


class TestO21SpecSuite:
    def test_the_spec_suite_passes_end_to_end(self, api):
        okta_create(api)
        listed = get_json(api, "/Users?count=1&startIndex=1")
        first = listed["Resources"][0]
        assert first["id"] and first["name"]["familyName"] and first["userName"]
        assert first["active"] is True and first["emails"][0]["value"]
        assert get_json(api, f"/Users/{first['id']}")["id"] == first["id"]
        for miss in ("not.there@example.com", "also.missing@example.com"):
            assert get_json(api, f"/Users?filter=userName%20eq%20%22{miss}%22")["totalResults"] == 0
        assert_scim_error(api.get("/Users/010101001010101011001010101011", headers=SPEC_SUITE), 404)

        spec_user = {"schemas": [USER_URN], "userName": "spec.user@example.com",
                     "name": {"givenName": "Spec", "familyName": "User"},
                     "emails": [{"primary": True, "value": "spec.user@example.com", "type": "work"}],
                     "active": True, "password": "Spec123!"}
        json_headers = {**SPEC_SUITE, "Content-Type": "application/json"}
        assert api.post("/Users", spec_user, headers=json_headers).status_code == 201
        assert_scim_error(api.post("/Users", spec_user, headers=json_headers), 409, "uniqueness")
        upper = get_json(api, "/Users?filter=userName%20eq%20%22SPEC.USER%40EXAMPLE.COM%22")
        assert upper["totalResults"] == 1

        assert api.get("/Groups", headers=SPEC_SUITE).status_code == 200
        denied = api.get("/Users", auth=False, headers={**SPEC_SUITE, "Authorization": "non-token"})
        body = assert_scim_error(denied, 401)
        assert body["status"] == "401" and body["detail"]
