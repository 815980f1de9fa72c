"""/Groups over HTTP: members are existing Users, PUT semantics, and the User's read-only `groups`."""

from __future__ import annotations

import pytest

from tests.http.support import (
    GROUP_URN,
    PATCH_URN,
    assert_scim_error,
    create_group,
    create_user,
    get_json,
    group_body,
    member_ids,
    total,
)


class TestCreatingAGroup:
    def test_a_created_group_comes_back_with_201_location_etag_and_its_members(self, api):
        alice = create_user(api, "alice", displayName="Alice A")

        resp = api.post("/Groups", group_body("Admins", [alice["id"]], externalId="ext-g"))

        assert resp.status_code == 201
        body = resp.json
        assert body["schemas"] == [GROUP_URN] and body["displayName"] == "Admins"
        assert body["externalId"] == "ext-g"
        assert resp.headers["Location"] == body["meta"]["location"] == f"http://localhost/scim/v2/Groups/{body['id']}"
        assert resp.headers["ETag"] == body["meta"]["version"] == 'W/"1"'
        assert body["meta"]["resourceType"] == "Group"
        assert body["members"] == [{
            "value": alice["id"], "$ref": f"http://localhost/scim/v2/Users/{alice['id']}",
            "display": "Alice A", "type": "User",
        }]
        assert get_json(api, f"/Groups/{body['id']}") == body

    def test_a_group_without_members_has_no_members_attribute(self, api):
        body = create_group(api, "Empty", [])
        assert body.get("members", []) == []

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_display_name_is_required(self, api):
        assert_scim_error(api.post("/Groups", {"schemas": [GROUP_URN]}), 400, "invalidValue")
        assert_scim_error(api.post("/Groups", group_body("")), 400, "invalidValue")
        assert total(api, "/Groups") == 0

    def test_display_names_need_not_be_unique(self, api):
        first, second = create_group(api, "Twins"), create_group(api, "twins")
        assert first["id"] != second["id"]

    def test_a_member_without_a_type_is_a_user(self, api):
        u = create_user(api, "typeless")
        resp = api.post("/Groups", {"displayName": "G", "members": [{"value": u["id"], "display": "ignored"}]})
        assert resp.status_code == 201
        assert resp.json["members"][0]["type"] == "User"
        assert resp.json["members"][0]["value"] == u["id"]

    @pytest.mark.parametrize("kind", ["User", "user"])
    def test_a_member_typed_user_is_accepted(self, api, kind):
        u = create_user(api, "typed")
        resp = api.post("/Groups", {"displayName": "G", "members": [{"value": u["id"], "type": kind}]})
        assert resp.status_code == 201
        assert member_ids(resp.json) == {u["id"]}

    def test_a_member_listed_twice_is_a_member_once(self, api):
        u = create_user(api, "twice")
        body = create_group(api, "G", [u["id"], u["id"]])
        assert [m["value"] for m in body["members"]] == [u["id"]]

    def test_a_group_member_is_refused_with_400_invalid_value(self, api):
        inner = create_group(api, "Inner")
        resp = api.post("/Groups", {"displayName": "Outer", "members": [{"value": inner["id"], "type": "Group"}]})
        assert_scim_error(resp, 400, "invalidValue")
        assert total(api, "/Groups") == 1

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_a_member_of_an_unknown_type_is_refused(self, api):
        u = create_user(api, "device")
        resp = api.post("/Groups", {"displayName": "G", "members": [{"value": u["id"], "type": "Device"}]})
        assert_scim_error(resp, 400, "invalidValue")

    def test_an_unknown_member_id_is_400_invalid_value_and_nothing_is_written(self, api):
        u = create_user(api, "real")
        resp = api.post("/Groups", group_body("G", [u["id"], "no-such-user"]))
        err = assert_scim_error(resp, 400, "invalidValue")
        assert "no-such-user" in err["detail"]
        assert total(api, "/Groups") == 0
        assert "groups" not in get_json(api, f"/Users/{u['id']}")

    def test_a_group_id_given_as_a_user_member_is_unknown(self, api):
        other = create_group(api, "Other")
        assert_scim_error(api.post("/Groups", group_body("G", [other["id"]])), 400, "invalidValue")

    @pytest.mark.parametrize("member", [{"display": "no value"}, {"value": ""}, {"value": 5}, "uid"])
    def test_a_member_without_a_usable_value_is_400(self, client, member):
        resp = client.post("/Groups", {"displayName": "G", "members": [member]})
        assert_scim_error(resp, 400, "invalidValue")
        assert total(client, "/Groups") == 0


class TestGroupsSeenFromUsers:
    def test_a_user_lists_its_groups_read_only(self, api):
        u = create_user(api, "member")
        g1, g2 = create_group(api, "One", [u["id"]]), create_group(api, "Two", [u["id"]])

        groups = get_json(api, f"/Users/{u['id']}")["groups"]

        assert sorted(groups, key=lambda g: g["display"]) == [
            {"value": g1["id"], "$ref": f"http://localhost/scim/v2/Groups/{g1['id']}", "display": "One",
             "type": "direct"},
            {"value": g2["id"], "$ref": f"http://localhost/scim/v2/Groups/{g2['id']}", "display": "Two",
             "type": "direct"},
        ]

    def test_a_users_groups_appear_in_listings_too(self, api):
        u = create_user(api, "listed")
        g = create_group(api, "Listed", [u["id"]])
        listed = get_json(api, "/Users")["Resources"][0]
        assert [x["value"] for x in listed["groups"]] == [g["id"]]

    def test_groups_sent_in_a_user_put_do_not_change_memberships(self, api):
        u = create_user(api, "sneaky")
        g = create_group(api, "Real", [u["id"]])
        other = create_group(api, "Other")
        body = {"userName": "sneaky", "groups": [{"value": other["id"]}]}
        assert api.put(f"/Users/{u['id']}", body).status_code == 200
        assert [x["value"] for x in get_json(api, f"/Users/{u['id']}")["groups"]] == [g["id"]]

    def test_a_member_display_follows_the_users_display_name(self, api):
        u = create_user(api, "renamed", displayName="Before")
        g = create_group(api, "G", [u["id"]])
        api.put(f"/Users/{u['id']}", {"userName": "renamed", "displayName": "After"})
        assert get_json(api, f"/Groups/{g['id']}")["members"][0]["display"] == "After"

    def test_deleting_a_user_removes_it_from_its_groups_and_bumps_their_version(self, api):
        u, stays = create_user(api, "leaving"), create_user(api, "staying")
        g = create_group(api, "G", [u["id"], stays["id"]])

        assert api.delete(f"/Users/{u['id']}").status_code == 204

        after = api.get(f"/Groups/{g['id']}")
        assert member_ids(after.json) == {stays["id"]}
        assert after.json["meta"]["version"] == after.headers["ETag"] == 'W/"2"'
        assert after.json["meta"]["lastModified"] > g["meta"]["lastModified"]
        assert after.json["displayName"] == "G"

    def test_the_groups_old_etag_is_stale_after_a_member_is_deleted(self, api):
        u = create_user(api, "gone")
        g = create_group(api, "G", [u["id"]])
        api.delete(f"/Users/{u['id']}")
        stale = api.put(f"/Groups/{g['id']}", group_body("Renamed"), headers={"If-Match": 'W/"1"'})
        assert_scim_error(stale, 412)
        assert get_json(api, f"/Groups/{g['id']}")["displayName"] == "G"

    def test_deleting_a_group_removes_the_users_memberships(self, api):
        u = create_user(api, "orphan")
        g, keep = create_group(api, "Doomed", [u["id"]]), create_group(api, "Kept", [u["id"]])

        before = get_json(api, f"/Users/{u['id']}")["meta"]["version"]
        assert api.delete(f"/Groups/{g['id']}").status_code == 204

        assert [x["value"] for x in get_json(api, f"/Users/{u['id']}")["groups"]] == [keep["id"]]
        assert get_json(api, f"/Users/{u['id']}")["meta"]["version"] != before  # its `groups` changed


    def test_a_conditional_get_of_a_user_is_not_304_once_its_groups_changed(self, api):
        u = create_user(api, "watched")
        etag = api.get(f"/Users/{u['id']}").headers["ETag"]
        g = create_group(api, "Joined", [u["id"]])
        resp = api.get(f"/Users/{u['id']}", headers={"If-None-Match": etag})
        assert resp.status_code == 200 and [x["value"] for x in resp.json["groups"]] == [g["id"]]
        etag = resp.headers["ETag"]
        assert api.patch(f"/Groups/{g['id']}", {"schemas": [PATCH_URN], "Operations": [
            {"op": "replace", "path": "displayName", "value": "Renamed"}]}).status_code == 200
        resp = api.get(f"/Users/{u['id']}", headers={"If-None-Match": etag})
        assert resp.status_code == 200 and resp.json["groups"][0]["display"] == "Renamed"
        assert api.get(f"/Users/{u['id']}", headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304


class TestReplacingAGroup:
    def test_put_without_members_keeps_the_members(self, api):
        u = create_user(api, "kept")
        g = create_group(api, "Old", [u["id"]])

        resp = api.put(f"/Groups/{g['id']}", group_body("New"))

        assert resp.status_code == 200
        assert resp.json["displayName"] == "New" and member_ids(resp.json) == {u["id"]}
        assert resp.headers["ETag"] == resp.json["meta"]["version"] == 'W/"2"'

    def test_put_with_null_members_keeps_the_members(self, api):
        u = create_user(api, "kept")
        g = create_group(api, "G", [u["id"]])
        resp = api.put(f"/Groups/{g['id']}", {"displayName": "G", "members": None})
        assert member_ids(resp.json) == {u["id"]}

    def test_put_with_members_makes_them_exact(self, api):
        a, b, c = (create_user(api, n) for n in ("a", "b", "c"))
        g = create_group(api, "G", [a["id"], b["id"]])

        resp = api.put(f"/Groups/{g['id']}", group_body("G", [b["id"], c["id"]]))

        assert member_ids(resp.json) == {b["id"], c["id"]}
        assert member_ids(get_json(api, f"/Groups/{g['id']}")) == {b["id"], c["id"]}
        assert "groups" not in get_json(api, f"/Users/{a['id']}")
        assert resp.json["meta"]["version"] == 'W/"2"'

    def test_put_with_an_empty_member_list_empties_the_group(self, api):
        u = create_user(api, "removed")
        g = create_group(api, "G", [u["id"]])
        resp = api.put(f"/Groups/{g['id']}", group_body("G", []))
        assert resp.status_code == 200 and resp.json.get("members", []) == []
        assert "groups" not in get_json(api, f"/Users/{u['id']}")

    def test_put_clears_an_omitted_external_id(self, api):
        g = create_group(api, "G", externalId="x")
        assert "externalId" not in api.put(f"/Groups/{g['id']}", group_body("G")).json

    def test_the_same_put_twice_changes_nothing_the_second_time(self, api):
        u = create_user(api, "idem")
        g = create_group(api, "G")
        first = api.put(f"/Groups/{g['id']}", group_body("G", [u["id"]])).json
        second = api.put(f"/Groups/{g['id']}", group_body("G", [u["id"]])).json
        assert first == second and second["meta"]["version"] == 'W/"2"'

    def test_put_with_an_unknown_member_is_400_and_changes_nothing(self, api):
        u = create_user(api, "member")
        g = create_group(api, "G", [u["id"]])
        resp = api.put(f"/Groups/{g['id']}", group_body("Renamed", ["nobody"]))
        assert_scim_error(resp, 400, "invalidValue")
        assert get_json(api, f"/Groups/{g['id']}") == g

    def test_put_with_a_group_member_is_400_and_changes_nothing(self, api):
        g, other = create_group(api, "G"), create_group(api, "Other")
        resp = api.put(f"/Groups/{g['id']}", {"displayName": "X", "members": [{"value": other["id"], "type": "Group"}]})
        assert_scim_error(resp, 400, "invalidValue")
        assert get_json(api, f"/Groups/{g['id']}") == g

    def test_put_may_echo_the_groups_own_id(self, api):
        g = create_group(api, "G")
        resp = api.put(f"/Groups/{g['id']}", group_body("G2", id=g["id"]))
        assert resp.status_code == 200 and resp.json["displayName"] == "G2"

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_an_id_in_the_body_that_differs_from_the_url_is_400_mutability(self, api):
        g, other = create_group(api, "G"), create_group(api, "Other")
        assert_scim_error(api.put(f"/Groups/{g['id']}", group_body("X", id=other["id"])), 400, "mutability")
        assert get_json(api, f"/Groups/{g['id']}") == g
        assert get_json(api, f"/Groups/{other['id']}") == other

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_put_without_display_name_is_400(self, api):
        g = create_group(api, "G")
        assert_scim_error(api.put(f"/Groups/{g['id']}", {"members": []}), 400, "invalidValue")

    def test_put_with_a_stale_if_match_is_412_and_changes_nothing(self, api):
        g = create_group(api, "G")
        api.put(f"/Groups/{g['id']}", group_body("G2"))
        assert_scim_error(api.put(f"/Groups/{g['id']}", group_body("G3"), headers={"If-Match": 'W/"1"'}), 412)
        assert get_json(api, f"/Groups/{g['id']}")["displayName"] == "G2"

    def test_put_with_the_current_if_match_succeeds(self, api):
        g = create_group(api, "G")
        resp = api.put(f"/Groups/{g['id']}", group_body("G2"), headers={"If-Match": g["meta"]["version"]})
        assert resp.status_code == 200

    def test_put_on_an_unknown_group_is_404(self, api):
        assert_scim_error(api.put("/Groups/nope", group_body("G")), 404)


class TestMemberLimit:
    """config.example.yaml: `max_members_per_request` — "more member changes in one request: 413"."""

    def test_a_create_with_more_members_than_the_limit_is_413_and_writes_nothing(self, make_api):
        api = make_api(max_members_per_request=2)
        ids = [create_user(api, f"m{i}")["id"] for i in range(3)]
        assert_scim_error(api.post("/Groups", group_body("Big", ids)), 413)
        assert total(api, "/Groups") == 0

    def test_a_put_adding_more_members_than_the_limit_is_413_and_changes_nothing(self, make_api):
        api = make_api(max_members_per_request=2)
        ids = [create_user(api, f"m{i}")["id"] for i in range(3)]
        g = create_group(api, "G")
        assert_scim_error(api.put(f"/Groups/{g['id']}", group_body("G", ids)), 413)
        assert get_json(api, f"/Groups/{g['id']}") == g

    def test_requests_within_the_limit_pass(self, make_api):
        api = make_api(max_members_per_request=2)
        ids = [create_user(api, f"m{i}")["id"] for i in range(3)]
        g = create_group(api, "G", ids[:2])
        resp = api.put(f"/Groups/{g['id']}", group_body("G", ids))  # one change: the third member
        assert resp.status_code == 200 and member_ids(resp.json) == set(ids)


class TestReadingAndDeletingAGroup:
    def test_an_unknown_group_is_404(self, api):
        assert_scim_error(api.get("/Groups/nope"), 404)

    def test_a_user_id_is_not_a_group_id(self, api):
        u = create_user(api, "notagroup")
        assert_scim_error(api.get(f"/Groups/{u['id']}"), 404)
        assert_scim_error(api.get(f"/Users/{create_group(api, 'G')['id']}"), 404)

    def test_if_none_match_with_the_current_etag_is_304(self, api):
        g = create_group(api, "G")
        resp = api.get(f"/Groups/{g['id']}", headers={"If-None-Match": g["meta"]["version"]})
        assert resp.status_code == 304 and resp.headers["ETag"] == g["meta"]["version"]

    def test_delete_is_204_then_404(self, api):
        g = create_group(api, "G")
        assert api.delete(f"/Groups/{g['id']}").status_code == 204
        assert_scim_error(api.get(f"/Groups/{g['id']}"), 404)
        assert_scim_error(api.delete(f"/Groups/{g['id']}"), 404)

    def test_delete_with_a_stale_if_match_is_412_and_keeps_the_group(self, api):
        u = create_user(api, "m")
        g = create_group(api, "G", [u["id"]])
        api.put(f"/Groups/{g['id']}", group_body("G2"))
        assert_scim_error(api.delete(f"/Groups/{g['id']}", headers={"If-Match": 'W/"1"'}), 412)
        assert member_ids(get_json(api, f"/Groups/{g['id']}")) == {u["id"]}

    def test_deleting_a_group_keeps_its_users(self, api):
        u = create_user(api, "survivor")
        g = create_group(api, "G", [u["id"]])
        api.delete(f"/Groups/{g['id']}")
        assert get_json(api, f"/Users/{u['id']}")["userName"] == "survivor"
