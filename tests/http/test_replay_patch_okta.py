"""Okta's PATCH requests (OIN template apps), replayed as ../shared/idp-requests.md records them:
O7 deactivate, O8 reactivate, O9 password sync, O13–O16 group push. Bodies are sent as the JSON
text Okta puts on the wire, with Okta's headers; placeholders (<uid>, <gid>) become real ids."""

from __future__ import annotations

from typing import Any

import pytest

from tests.http.support import assert_scim_error, get_json, member_ids, raw, search

OKTA_HEADERS = {
    "User-Agent": "Okta SCIM Client 1.0.0",
    "Accept": "application/scim+json",
    "Accept-Charset": "utf-8",
    "Accept-Encoding": "gzip,deflate",
}
OKTA_CONTENT_TYPE = "application/scim+json; charset=utf-8"


def okta(api, method: str, path: str, body: str, **ids: str):
    """One Okta request: `body` is the JSON text from the catalog, `<name>` placeholders filled in."""
    for name, value in ids.items():
        body = body.replace(f"<{name}>", value)
    return raw(api, method, path, body.encode(), content_type=OKTA_CONTENT_TYPE, headers=OKTA_HEADERS)


def ok(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.json  # type: ignore[no-any-return]


# O4: what Okta POSTs on assignment (`password` is always sent; `groups` is echoed empty).
O4_CREATE = """{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
 "userName":"<userName>",
 "name":{"givenName":"Test","familyName":"User"},
 "emails":[{"primary":true,"value":"<userName>","type":"work"}],
 "displayName":"<displayName>","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7",
 "groups":[],"password":"1mz050nq","active":true}"""


def okta_user(api, user_name: str = "test.user@okta.local", display_name: str = "Test User") -> dict[str, Any]:
    resp = okta(api, "POST", "/Users", O4_CREATE, userName=user_name, displayName=display_name)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.json  # type: ignore[no-any-return]


def okta_group(api, display_name: str = "Test SCIMv2", members: tuple[str, ...] = ()) -> dict[str, Any]:
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": display_name,
            "members": [{"value": m, "display": "test.user@okta.local"} for m in members]}
    resp = api.post("/Groups", body, headers=OKTA_HEADERS)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.json  # type: ignore[no-any-return]


O7_DEACTIVATE = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations":[{"op":"replace","value":{"active":false}}]}"""
O8_REACTIVATE = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}"""
O9_PASSWORD_PATHLESS = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"<password>"}}]}"""
O9_PASSWORD_PATH = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"password","value":"<password>"}]}"""
O14_RENAME = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations":[{"op":"replace","value":{"id":"<gid>","displayName":"<displayName>"}}]}"""
O15_MEMBERS = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations":[
  {"op":"remove","path":"members[value eq \\"<removed>\\"]"},
  {"op":"add","path":"members","value":[{"value":"<added>","display":"test.user@okta.local"}]}]}"""
O16_REPLACE = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations":[{"op":"replace","path":"members","value":[
   {"value":"<first>","display":"test.user@okta.local"},
   {"value":"<second>","display":"test.user@okta.local"}]}]}"""


class TestO7Deactivate:
    def test_the_pathless_replace_of_active_deactivates_and_answers_with_the_user(self, api):
        user = okta_user(api)

        body = ok(okta(api, "PATCH", f"/Users/{user['id']}", O7_DEACTIVATE))

        assert body["id"] == user["id"] and body["active"] is False
        assert body["userName"] == user["userName"] and body["emails"] == user["emails"]
        assert "password" not in body

    def test_the_deactivated_user_stays_readable_by_id_and_by_user_name(self, api):
        user = okta_user(api)
        ok(okta(api, "PATCH", f"/Users/{user['id']}", O7_DEACTIVATE))

        got = get_json(api, f"/Users/{user['id']}")
        assert got["active"] is False and got["name"] == user["name"]
        found = search(api, "/Users", 'userName eq "test.user@okta.local"', startIndex=1, count=100)
        assert found["totalResults"] == 1 and found["Resources"][0]["active"] is False

    def test_deactivating_twice_succeeds_and_changes_nothing_the_second_time(self, api):
        user = okta_user(api)
        first = ok(okta(api, "PATCH", f"/Users/{user['id']}", O7_DEACTIVATE))
        second = ok(okta(api, "PATCH", f"/Users/{user['id']}", O7_DEACTIVATE))
        assert second == first


class TestO8Reactivate:
    def test_reactivation_keeps_the_id_and_sets_active(self, api):
        user = okta_user(api)
        ok(okta(api, "PATCH", f"/Users/{user['id']}", O7_DEACTIVATE))

        body = ok(okta(api, "PATCH", f"/Users/{user['id']}", O8_REACTIVATE))

        assert body["id"] == user["id"] and body["active"] is True
        assert get_json(api, f"/Users/{user['id']}")["active"] is True


class TestO9PasswordSync:
    @pytest.mark.parametrize("template", [O9_PASSWORD_PATHLESS, O9_PASSWORD_PATH], ids=["pathless", "path"])
    def test_a_synced_password_is_accepted_and_never_returned(self, api, template):
        user = okta_user(api)

        resp = okta(api, "PATCH", f"/Users/{user['id']}", template, password="Sync3d-Pa55!")

        body = ok(resp)
        assert "password" not in body and "Sync3d-Pa55" not in resp.get_data(as_text=True)
        assert body["meta"]["version"] != user["meta"]["version"]
        got = api.get(f"/Users/{user['id']}")
        assert "password" not in got.json and "Sync3d-Pa55" not in got.get_data(as_text=True)


class TestO13ToO16GroupPush:
    def test_o14_rename_with_the_groups_own_id_in_the_value(self, api):
        group = okta_group(api, "Old name")

        body = ok(okta(api, "PATCH", f"/Groups/{group['id']}", O14_RENAME, gid=group["id"], displayName="Test SCIMv2"))

        assert body["id"] == group["id"] and body["displayName"] == "Test SCIMv2"
        assert get_json(api, f"/Groups/{group['id']}")["displayName"] == "Test SCIMv2"

    def test_o14_sent_again_with_an_unchanged_name_changes_nothing(self, api):
        user = okta_user(api)
        group = okta_group(api, "Test SCIMv2", (user["id"],))

        body = ok(okta(api, "PATCH", f"/Groups/{group['id']}", O14_RENAME, gid=group["id"], displayName="Test SCIMv2"))

        assert body == group

    def test_o14_with_another_groups_id_is_refused_and_changes_nothing(self, api):
        group, other = okta_group(api, "Mine"), okta_group(api, "Other")
        resp = okta(api, "PATCH", f"/Groups/{group['id']}", O14_RENAME, gid=other["id"], displayName="Stolen")
        assert_scim_error(resp, 400, "mutability")
        assert get_json(api, f"/Groups/{group['id']}") == group

    def test_o15_removes_one_member_and_adds_another_without_type(self, api):
        leaving = okta_user(api, "leaving@okta.local", "Leaving")
        joining = okta_user(api, "joining@okta.local", "Joining")
        group = okta_group(api, members=(leaving["id"],))

        body = ok(okta(api, "PATCH", f"/Groups/{group['id']}", O15_MEMBERS,
                       removed=leaving["id"], added=joining["id"]))

        assert member_ids(body) == {joining["id"]}
        assert [m.get("type") for m in body["members"]] == ["User"]
        assert "groups" not in get_json(api, f"/Users/{leaving['id']}")
        assert [g["value"] for g in get_json(api, f"/Users/{joining['id']}")["groups"]] == [group["id"]]

    def test_o15_several_removes_and_several_adds_in_one_request(self, api):
        users = [okta_user(api, f"u{i}@okta.local", f"U{i}")["id"] for i in range(4)]
        group = okta_group(api, members=(users[0], users[1]))
        body = (
            '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":['
            '{"op":"remove","path":"members[value eq \\"<u0>\\"]"},'
            '{"op":"remove","path":"members[value eq \\"<u1>\\"]"},'
            '{"op":"add","path":"members","value":[{"value":"<u2>","display":"u2@okta.local"},'
            '{"value":"<u3>","display":"u3@okta.local"}]}]}'
        )

        result = ok(okta(api, "PATCH", f"/Groups/{group['id']}", body,
                         **{f"u{i}": u for i, u in enumerate(users)}))

        assert member_ids(result) == {users[2], users[3]}

    def test_o15_one_change_split_over_several_patches_ends_in_the_same_state(self, api):
        users = [okta_user(api, f"u{i}@okta.local", f"U{i}")["id"] for i in range(3)]
        group = okta_group(api, members=(users[0],))
        add_one = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations":[{"op":"add","path":"members","value":[{"value":"<uid>","display":"x@okta.local"}]}]}"""
        remove_one = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations":[{"op":"remove","path":"members[value eq \\"<uid>\\"]"}]}"""

        ok(okta(api, "PATCH", f"/Groups/{group['id']}", add_one, uid=users[1]))
        ok(okta(api, "PATCH", f"/Groups/{group['id']}", remove_one, uid=users[0]))
        ok(okta(api, "PATCH", f"/Groups/{group['id']}", add_one, uid=users[2]))

        assert member_ids(get_json(api, f"/Groups/{group['id']}")) == {users[1], users[2]}

    def test_o15_removing_a_member_that_already_left_succeeds(self, api):
        user = okta_user(api)
        group = okta_group(api)
        body = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations":[{"op":"remove","path":"members[value eq \\"<uid>\\"]"}]}"""
        assert ok(okta(api, "PATCH", f"/Groups/{group['id']}", body, uid=user["id"])) == group

    def test_o16_replace_leaves_exactly_the_pushed_members(self, api):
        users = [okta_user(api, f"u{i}@okta.local", f"U{i}")["id"] for i in range(3)]
        group = okta_group(api, members=(users[0], users[2]))

        body = ok(okta(api, "PATCH", f"/Groups/{group['id']}", O16_REPLACE, first=users[0], second=users[1]))

        assert member_ids(body) == {users[0], users[1]}
        assert "groups" not in get_json(api, f"/Users/{users[2]}")

    def test_o16_repeated_changes_nothing_the_second_time(self, api):
        users = [okta_user(api, f"u{i}@okta.local", f"U{i}")["id"] for i in range(2)]
        group = okta_group(api)
        first = ok(okta(api, "PATCH", f"/Groups/{group['id']}", O16_REPLACE, first=users[0], second=users[1]))
        second = ok(okta(api, "PATCH", f"/Groups/{group['id']}", O16_REPLACE, first=users[0], second=users[1]))
        assert second == first

    def test_o13_get_after_the_push_reads_members_with_value_and_display(self, api):
        user = okta_user(api, "test.user@okta.local", "Test User")
        group = okta_group(api)
        ok(okta(api, "PATCH", f"/Groups/{group['id']}", O16_REPLACE, first=user["id"], second=user["id"]))

        got = api.get(f"/Groups/{group['id']}", headers=OKTA_HEADERS)

        assert got.status_code == 200
        assert [(m["value"], m["display"]) for m in got.json["members"]] == [(user["id"], "Test User")]
        assert got.headers["ETag"] == got.json["meta"]["version"]
