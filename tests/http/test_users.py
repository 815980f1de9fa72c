"""/Users over HTTP (RFC 7644 §3.3–3.6, §3.14): create, read, replace, delete, on both backends."""

from __future__ import annotations

import pytest

from tests.http.support import (
    ENTERPRISE_URN,
    PATCH_URN,
    USER_URN,
    assert_scim_error,
    create_user,
    get_json,
    search,
    total,
    user_body,
)


class TestCreatingAUser:
    def test_a_created_user_comes_back_with_201_its_id_a_location_and_an_etag(self, api):
        resp = api.post("/Users", user_body("bjensen", displayName="Barbara Jensen"))

        assert resp.status_code == 201
        assert resp.mimetype == "application/scim+json"
        body = resp.json
        assert body["id"] and body["userName"] == "bjensen" and body["displayName"] == "Barbara Jensen"
        assert body["schemas"] == [USER_URN]
        assert resp.headers["Location"] == body["meta"]["location"]
        assert body["meta"]["location"] == f"http://localhost/scim/v2/Users/{body['id']}"
        assert resp.headers["ETag"] == body["meta"]["version"] == 'W/"1"'
        assert body["meta"]["resourceType"] == "User"
        assert body["meta"]["created"] == body["meta"]["lastModified"]
        assert body["meta"]["created"].endswith("Z")

    def test_the_created_user_reads_back_the_same_from_its_location(self, api):
        created = create_user(api, "bjensen", name={"givenName": "Barbara", "familyName": "Jensen"},
                              emails=[{"value": "bj@example.com", "type": "work", "primary": True}],
                              active=True, externalId="ext-1")

        resp = api.get(created["meta"]["location"].removeprefix("http://localhost"))

        assert resp.status_code == 200
        assert resp.json == created
        assert resp.headers["ETag"] == created["meta"]["version"]

    def test_each_user_gets_its_own_id(self, api):
        ids = {create_user(api, f"user{i}")["id"] for i in range(3)}
        assert len(ids) == 3

    def test_a_password_is_accepted_but_never_returned(self, api):
        created = create_user(api, "secretive", password="s3cret!")
        assert "password" not in created
        assert "password" not in get_json(api, f"/Users/{created['id']}")
        assert all("password" not in r for r in get_json(api, "/Users")["Resources"])
        put = api.put(f"/Users/{created['id']}", user_body("secretive", password="other"))
        assert put.status_code == 200 and "password" not in put.json
        assert "s3cret" not in put.get_data(as_text=True)

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_read_only_id_meta_and_groups_in_the_body_are_ignored(self, api):
        resp = api.post("/Users", user_body(
            "okta.user", id="client-chosen", groups=[{"value": "g1"}],
            meta={"resourceType": "Group", "version": 'W/"99"', "created": "2001-01-01T00:00:00Z"},
        ))

        assert resp.status_code == 201
        body = resp.json
        assert body["id"] != "client-chosen"
        assert "groups" not in body
        assert body["meta"]["resourceType"] == "User" and body["meta"]["version"] == 'W/"1"'
        assert not body["meta"]["created"].startswith("2001")
        assert api.get("/Users/client-chosen").status_code == 404

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_attribute_names_are_case_insensitive_and_come_back_in_canonical_case(self, api):
        resp = api.post("/Users", {
            "Schemas": [USER_URN], "UserName": "pascal", "Active": True, "DisplayName": "Pascal Case",
            "NAME": {"GivenName": "Pascal", "FAMILYNAME": "Case"},
            "Emails": [{"Value": "p@example.com", "Type": "work", "Primary": True}],
            "EXTERNALID": "x-1",
        })

        assert resp.status_code == 201, resp.json
        body = resp.json
        assert body["userName"] == "pascal" and body["active"] is True
        assert body["displayName"] == "Pascal Case"
        assert body["name"] == {"givenName": "Pascal", "familyName": "Case"}
        assert body["emails"] == [{"value": "p@example.com", "type": "work", "primary": True}]
        assert body["externalId"] == "x-1"

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_extension_urn_keys_and_their_attributes_match_in_any_case(self, api):
        resp = api.post("/Users", {
            "schemas": [USER_URN, ENTERPRISE_URN.upper()], "userName": "ext.user",
            ENTERPRISE_URN.upper(): {"Department": "Retail", "EMPLOYEENUMBER": "42",
                                     "Manager": {"Value": "boss-id"}},
        })

        assert resp.status_code == 201, resp.json
        body = resp.json
        assert body["schemas"] == [USER_URN, ENTERPRISE_URN]
        assert body[ENTERPRISE_URN] == {"employeeNumber": "42", "department": "Retail",
                                        "manager": {"value": "boss-id"}}

    @pytest.mark.parametrize(("sent", "stored"), [("True", True), ("False", False), ("true", True),
                                                   ("FALSE", False), (True, True), (False, False)])
    def test_boolean_strings_are_accepted_for_boolean_attributes(self, client, sent, stored):
        body = create_user(client, "boolean", active=sent,
                           emails=[{"value": "b@example.com", "primary": sent}])
        assert body["active"] is stored
        assert body["emails"][0].get("primary", False) is stored

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_a_single_emails_object_is_taken_as_a_one_element_list(self, api):
        body = create_user(api, "onelogin", emails={"value": "o@example.com", "type": "work", "primary": True})
        assert body["emails"] == [{"value": "o@example.com", "type": "work", "primary": True}]

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_null_values_are_ignored_at_every_level(self, api):
        body = create_user(api, "nulls", displayName=None, title=None, addresses=None, phoneNumbers=None,
                           name={"givenName": "N", "familyName": None},
                           emails=[None, {"value": "n@example.com", "type": None}])
        assert "displayName" not in body and "title" not in body and "addresses" not in body
        assert body["name"] == {"givenName": "N"}
        assert body["emails"] == [{"value": "n@example.com"}]

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_empty_objects_and_lists_are_unassigned(self, api):
        body = create_user(api, "empties", roles=[], name={}, emails=[{}])
        assert "roles" not in body and "name" not in body and "emails" not in body

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_only_the_first_primary_true_survives(self, api):
        body = create_user(api, "twoprimaries", emails=[
            {"value": "a@example.com", "type": "work", "primary": True},
            {"value": "b@example.com", "type": "home", "primary": True},
        ])
        assert [e.get("primary") for e in body["emails"]] == [True, False]

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_unknown_attributes_and_schema_urns_are_ignored_by_default(self, api):
        body = create_user(api, "lenient", schemas=[USER_URN, "urn:example:unknown"], favouriteColour="blue",
                           name={"givenName": "L", "nickname": "x"})
        assert "favouriteColour" not in body
        assert body["name"] == {"givenName": "L"}
        assert body["schemas"] == [USER_URN]


class TestRejectedCreates:
    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_a_missing_user_name_is_400_invalid_value(self, api):
        assert_scim_error(api.post("/Users", {"schemas": [USER_URN], "displayName": "x"}), 400, "invalidValue")

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_an_empty_user_name_is_400_invalid_value(self, api):
        assert_scim_error(api.post("/Users", user_body("")), 400, "invalidValue")

    @pytest.mark.parametrize("attrs", [
        {"userName": 123},
        {"userName": ["a"]},
        {"userName": "t", "active": "yes"},
        {"userName": "t", "active": 1},
        {"userName": "t", "displayName": {"a": 1}},
        {"userName": "t", "name": "Barbara"},
        {"userName": "t", "name": {"givenName": 5}},
        {"userName": "t", "emails": "a@example.com"},
        {"userName": "t", "emails": [1]},
        {"userName": "t", "emails": [{"value": "a@example.com", "primary": "maybe"}]},
        {"userName": "t", "x509Certificates": [{"value": "not base64!"}]},
        {"userName": "t", "schemas": "urn:not:a:list"},
        {"userName": "t", "externalId": 7},
        {"userName": "t", ENTERPRISE_URN: "Retail"},
        {"userName": "t", ENTERPRISE_URN: {"department": 3}},
    ], ids=lambda a: ",".join(f"{k}={v!r}" for k, v in a.items()))
    def test_a_value_of_the_wrong_type_is_400_invalid_value_and_nothing_is_written(self, client, attrs):
        assert_scim_error(client.post("/Users", attrs), 400, "invalidValue")
        assert total(client, "/Users") == 0

    @pytest.mark.memory_only  # tests/contract/test_resources.py TestUniqueness covers the stores
    def test_a_user_name_taken_in_another_case_is_409_uniqueness(self, api):
        create_user(api, "BJensen")

        err = assert_scim_error(api.post("/Users", user_body("bjensen")), 409, "uniqueness")

        assert "bjensen" in err["detail"].lower()
        assert total(api, "/Users") == 1

    @pytest.mark.memory_only  # tests/contract/test_resources.py TestUniqueness covers the stores
    @pytest.mark.parametrize(("first", "second"), [
        ("straße", "STRASSE"),  # casefold
        ("ﬁona", "fiona"),  # NFKC: the fi ligature
        ("ｂｊｅｎｓｅｎ", "bjensen"),  # NFKC: full-width letters
    ])
    def test_user_names_collide_after_unicode_normalisation_and_case_folding(self, api, first, second):
        create_user(api, first)
        assert_scim_error(api.post("/Users", user_body(second)), 409, "uniqueness")

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_unknown_attributes_are_rejected_under_the_reject_policy(self, make_api):
        strict = make_api(unknown="reject")
        err = assert_scim_error(strict.post("/Users", user_body("s", favouriteColour="blue")), 400, "invalidValue")
        assert "favouriteColour" in err["detail"]
        assert_scim_error(strict.post("/Users", user_body("s", name={"nickname": "x"})), 400, "invalidValue")
        assert total(strict, "/Users") == 0

    def test_unknown_schema_urns_are_rejected_under_the_reject_policy(self, make_client):
        strict = make_client(unknown="reject")
        body = user_body("s", schemas=[USER_URN, "urn:scim:schemas:core:1.0"])
        err = assert_scim_error(strict.post("/Users", body), 400, "invalidValue")
        assert "urn:scim:schemas:core:1.0" in err["detail"]

    def test_known_attributes_in_any_case_pass_the_reject_policy(self, make_client):
        strict = make_client(unknown="reject")
        resp = strict.post("/Users", {"SCHEMAS": [USER_URN.upper(), ENTERPRISE_URN], "UserName": "ok",
                                      ENTERPRISE_URN: {"Department": "R"}})
        assert resp.status_code == 201, resp.json

    def test_the_same_attribute_twice_in_different_case_is_400(self, client):
        resp = client.post("/Users", {"userName": "a", "UserName": "b"})
        assert_scim_error(resp, 400, "invalidValue")
        assert total(client, "/Users") == 0


class TestReadingAUser:
    def test_get_returns_the_user_and_its_etag(self, api):
        created = create_user(api, "reader")
        resp = api.get(f"/Users/{created['id']}")
        assert resp.status_code == 200 and resp.mimetype == "application/scim+json"
        assert resp.json == created
        assert resp.headers["ETag"] == 'W/"1"'

    @pytest.mark.parametrize("unknown", ["no-such-id", "010101001010101011001010101011"])
    def test_an_unknown_id_is_a_404_scim_error(self, api, unknown):
        assert_scim_error(api.get(f"/Users/{unknown}"), 404)

    @pytest.mark.parametrize("header", ['W/"1"', '"1"', '"7", W/"1"', "*"])
    def test_if_none_match_naming_the_current_etag_is_304_without_a_body(self, client, header):
        created = create_user(client, "cached")
        resp = client.get(f"/Users/{created['id']}", headers={"If-None-Match": header})
        assert resp.status_code == 304
        assert resp.headers["ETag"] == 'W/"1"'
        assert resp.get_data() == b""

    def test_if_none_match_with_a_stale_etag_returns_the_user(self, client):
        created = create_user(client, "changed")
        client.put(f"/Users/{created['id']}", user_body("changed", displayName="new"))
        resp = client.get(f"/Users/{created['id']}", headers={"If-None-Match": 'W/"1"'})
        assert resp.status_code == 200
        assert resp.json["displayName"] == "new" and resp.headers["ETag"] == 'W/"2"'


class TestReplacingAUser:
    def test_put_replaces_the_user_and_clears_omitted_attributes(self, api):
        created = create_user(api, "replaced", displayName="Old", title="Boss", nickName="nick",
                              emails=[{"value": "old@example.com"}], externalId="e1",
                              **{ENTERPRISE_URN: {"department": "R"}})

        resp = api.put(f"/Users/{created['id']}", user_body("replaced", displayName="New"))

        assert resp.status_code == 200
        body = resp.json
        assert body["displayName"] == "New"
        for gone in ("title", "nickName", "emails", "externalId", ENTERPRISE_URN):
            assert gone not in body
        assert body["schemas"] == [USER_URN]
        assert get_json(api, f"/Users/{created['id']}") == body

    def test_put_keeps_active_when_it_is_omitted(self, api):
        created = create_user(api, "inactive", active=False)
        body = api.put(f"/Users/{created['id']}", user_body("inactive", displayName="x")).json
        assert body["active"] is False

    def test_put_can_deactivate_and_reactivate(self, api):
        uid = create_user(api, "toggle", active=True)["id"]
        assert api.put(f"/Users/{uid}", user_body("toggle", active=False)).json["active"] is False
        assert get_json(api, f"/Users/{uid}")["active"] is False
        assert api.put(f"/Users/{uid}", user_body("toggle", active="True")).json["active"] is True

    def test_put_bumps_the_version_and_last_modified_and_keeps_created(self, api):
        created = create_user(api, "versioned")
        resp = api.put(f"/Users/{created['id']}", user_body("versioned", title="t"))
        meta = resp.json["meta"]
        assert resp.headers["ETag"] == meta["version"] == 'W/"2"'
        assert meta["created"] == created["meta"]["created"]
        assert meta["lastModified"] > created["meta"]["lastModified"]

    def test_a_put_that_changes_nothing_keeps_the_version(self, api):
        created = create_user(api, "same", displayName="Same", active=True)
        resp = api.put(f"/Users/{created['id']}", user_body("same", displayName="Same"))
        assert resp.status_code == 200
        assert resp.json == created

    def test_a_put_echoing_the_stored_password_is_not_a_change(self, api):
        """shared/idp-requests.md Δ8: "never treat an echoed password as a change"."""
        created = create_user(api, "echoed", password="same-secret")
        resp = api.put(f"/Users/{created['id']}", user_body("echoed", password="same-secret"))
        assert resp.status_code == 200
        assert resp.json["meta"]["version"] == 'W/"1"'
        assert resp.json["meta"]["lastModified"] == created["meta"]["lastModified"]

    def test_a_put_with_a_new_password_is_a_change(self, api):
        created = create_user(api, "rotated", password="old-secret")
        resp = api.put(f"/Users/{created['id']}", user_body("rotated", password="new-secret"))
        assert resp.json["meta"]["version"] == 'W/"2"'

    def test_put_ignores_an_echoed_id_meta_and_groups(self, api):
        created = create_user(api, "echo")
        echoed = {**created, "displayName": "Echoed", "groups": [{"value": "whatever"}]}
        resp = api.put(f"/Users/{created['id']}", echoed)
        assert resp.status_code == 200, resp.json
        assert resp.json["displayName"] == "Echoed" and resp.json["id"] == created["id"]
        assert "groups" not in resp.json

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_an_id_in_the_body_that_differs_from_the_url_is_400_mutability_and_changes_nothing(self, api):
        created = create_user(api, "mutable")
        other = create_user(api, "other")
        resp = api.put(f"/Users/{created['id']}", user_body("mutable", id=other["id"], title="x"))
        assert_scim_error(resp, 400, "mutability")
        assert get_json(api, f"/Users/{created['id']}") == created
        assert get_json(api, f"/Users/{other['id']}") == other

    def test_put_with_a_stale_if_match_is_412_and_changes_nothing(self, api):
        created = create_user(api, "raced")
        api.put(f"/Users/{created['id']}", user_body("raced", title="first"))
        resp = api.put(f"/Users/{created['id']}", user_body("raced", title="second"),
                       headers={"If-Match": 'W/"1"'})
        assert_scim_error(resp, 412)
        assert get_json(api, f"/Users/{created['id']}")["title"] == "first"

    def test_put_with_a_matching_if_match_succeeds(self, api):
        created = create_user(api, "matched")
        for version, header in enumerate(['W/"1"', '"2"', "*"], start=1):
            resp = api.put(f"/Users/{created['id']}", user_body("matched", title=f"t{version}"),
                           headers={"If-Match": header})
            assert resp.status_code == 200 and resp.json["title"] == f"t{version}", header

    def test_an_if_match_list_matches_when_any_listed_etag_is_current(self, api):
        """RFC 9110 §13.1.1: "the condition is true if any of the listed tags match"."""
        created = create_user(api, "listed")
        resp = api.put(f"/Users/{created['id']}", user_body("listed", title="t"),
                       headers={"If-Match": 'W/"7", W/"1"'})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert api.delete(f"/Users/{created['id']}", headers={"If-Match": '"5", "2"'}).status_code == 204

    def test_put_with_an_unparseable_if_match_is_412(self, client):
        created = create_user(client, "garbage")
        resp = client.put(f"/Users/{created['id']}", user_body("garbage", title="t"),
                          headers={"If-Match": "not-an-etag"})
        assert_scim_error(resp, 412)
        assert "title" not in get_json(client, f"/Users/{created['id']}")

    def test_put_on_an_unknown_id_is_404(self, api):
        assert_scim_error(api.put("/Users/nope", user_body("ghost")), 404)
        assert total(api, "/Users") == 0

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    def test_put_without_a_user_name_is_400_and_changes_nothing(self, api):
        created = create_user(api, "keepme")
        assert_scim_error(api.put(f"/Users/{created['id']}", {"displayName": "x"}), 400, "invalidValue")
        assert get_json(api, f"/Users/{created['id']}") == created

    @pytest.mark.memory_only  # tests/contract/test_resources.py TestUniqueness covers the stores
    def test_renaming_to_a_taken_user_name_is_409_and_changes_nothing(self, api):
        create_user(api, "taken")
        mine = create_user(api, "mine")
        assert_scim_error(api.put(f"/Users/{mine['id']}", user_body("TAKEN")), 409, "uniqueness")
        assert get_json(api, f"/Users/{mine['id']}") == mine
        assert search(api, "/Users", 'userName eq "mine"')["totalResults"] == 1

    def test_renaming_frees_the_old_user_name(self, api):
        mine = create_user(api, "before")
        assert api.put(f"/Users/{mine['id']}", user_body("after")).status_code == 200
        assert create_user(api, "before")["id"] != mine["id"]

    @pytest.mark.memory_only  # tests/contract/test_resources.py TestUniqueness covers the stores
    def test_a_user_may_change_the_case_of_its_own_user_name(self, api):
        mine = create_user(api, "casey")
        resp = api.put(f"/Users/{mine['id']}", user_body("CASEY"))
        assert resp.status_code == 200 and resp.json["userName"] == "CASEY"


class TestDeletingAUser:
    def test_delete_is_204_and_the_user_is_then_404(self, api):
        created = create_user(api, "doomed")
        resp = api.delete(f"/Users/{created['id']}")
        assert resp.status_code == 204 and resp.get_data() == b""
        assert_scim_error(api.get(f"/Users/{created['id']}"), 404)
        assert_scim_error(api.delete(f"/Users/{created['id']}"), 404)
        assert total(api, "/Users") == 0

    def test_a_deleted_user_name_can_be_used_again(self, api):
        created = create_user(api, "reused")
        api.delete(f"/Users/{created['id']}")
        assert create_user(api, "REUSED")["id"] != created["id"]

    def test_delete_with_a_stale_if_match_is_412_and_keeps_the_user(self, api):
        created = create_user(api, "kept")
        api.put(f"/Users/{created['id']}", user_body("kept", title="v2"))
        assert_scim_error(api.delete(f"/Users/{created['id']}", headers={"If-Match": 'W/"1"'}), 412)
        assert get_json(api, f"/Users/{created['id']}")["title"] == "v2"

    def test_delete_with_the_current_if_match_succeeds(self, api):
        created = create_user(api, "matched")
        assert api.delete(f"/Users/{created['id']}", headers={"If-Match": 'W/"1"'}).status_code == 204

    def test_delete_of_an_unknown_id_is_404(self, api):
        assert_scim_error(api.delete("/Users/unknown"), 404)


class TestPatchAgreesWithDiscovery:
    def test_patch_does_what_service_provider_config_announces(self, client):
        """PATCH is being implemented: whichever way `patch.supported` points, the endpoint agrees
        (supported: the change is applied; not supported: 501 SCIM error and nothing changed)."""
        supported = get_json(client, "/ServiceProviderConfig")["patch"]["supported"]
        user = create_user(client, "patched", active=True)
        ops = {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "value": {"active": False}}]}

        resp = client.patch(f"/Users/{user['id']}", ops)

        if supported:
            assert resp.status_code in (200, 204)
            assert get_json(client, f"/Users/{user['id']}")["active"] is False
        else:
            assert_scim_error(resp, 501)
            assert get_json(client, f"/Users/{user['id']}") == user
