"""Microsoft Entra ID's requests replayed as shared/idp-requests.md §3 records them (PATCH shapes excluded)."""

from __future__ import annotations

import pytest

from tests.http.support import (
    ENTERPRISE_URN,
    GROUP_URN,
    LIST_URN,
    SCIM_UTF8,
    USER_URN,
    assert_scim_error,
    create_group,
    create_user,
    get_json,
    ids_of,
)

# Replays run on the in-memory backend; the classes marked both_backends run on SQLite too.
pytestmark = pytest.mark.memory_only

ENTRA = {"Accept": "application/scim+json", "Content-Type": "application/scim+json"}
VALIDATOR = {"Accept": "application/scim+json", "Content-Type": SCIM_UTF8}
ADSCIM_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"

E4_BODY = {
    "schemas": [USER_URN, ENTERPRISE_URN],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
    "active": True,
    "emails": [{"primary": True, "type": "work",
                "value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"}],
    "meta": {"resourceType": "User"},
    "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
    "roles": [],
}


def entra_get(api, path: str) -> dict:
    resp = api.get(path, headers=ENTRA)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.json  # type: ignore[no-any-return]


def entra_create_user(api, **overrides) -> dict:
    resp = api.post("/Users", {**E4_BODY, **overrides}, headers=ENTRA)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.json  # type: ignore[no-any-return]


class TestE1TestConnection:
    def test_a_random_guid_user_name_is_an_empty_200_not_a_404(self, api):
        create_user(api, "someone")
        body = entra_get(api, "/Users?filter=userName%20eq%20%223c9a1f0e-7d1b-4c55-9f4e-2a6b8d0e1f23%22")
        assert body["schemas"] == [LIST_URN]
        assert body["totalResults"] == 0 and body["Resources"] == []

    def test_the_random_group_query_is_an_empty_200(self, api):
        create_group(api, "Existing")
        body = entra_get(api, "/Groups?excludedAttributes=members"
                              "&filter=displayName%20eq%20%223c9a1f0e-7d1b-4c55-9f4e-2a6b8d0e1f23%22")
        assert body["totalResults"] == 0 and body["Resources"] == []


class TestE3LookupBeforeCreate:
    def test_the_wire_form_without_paging_finds_the_user(self, api):
        created = create_user(api, "Fred.Smith@mydomain.com")
        body = entra_get(api, "/Users?filter=userName%20eq%20%22Fred.Smith%40mydomain.com%22")
        assert body["totalResults"] == 1 and body["startIndex"] == 1
        assert ids_of(body) == [created["id"]]

    def test_zero_hits_is_an_empty_list_response(self, api):
        body = entra_get(api, "/Users?filter=userName%20eq%20%22Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee%22")
        assert body["totalResults"] == 0 and body["Resources"] == [] and body["startIndex"] == 1

    def test_a_quoted_external_id_match_finds_the_user(self, api):
        created = create_user(api, "jyoung@contoso.com", externalId="jyoung")
        body = entra_get(api, "/Users?filter=externalId%20eq%20%22jyoung%22")
        assert ids_of(body) == [created["id"]]

    def test_the_documented_unquoted_external_id_is_a_clear_invalid_filter(self, api):
        create_user(api, "jyoung@contoso.com", externalId="jyoung")
        body = assert_scim_error(api.get("/Users?filter=externalId%20eq%20jyoung", headers=ENTRA), 400,
                                 "invalidFilter")
        assert "jyoung" in body["detail"]

    def test_a_work_email_value_filter_finds_the_user(self, api):
        created = create_user(api, "user", emails=[{"value": "user@contoso.com", "type": "work"}])
        create_user(api, "other", emails=[{"value": "user@contoso.com", "type": "home"}])
        body = entra_get(api, "/Users?filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22user%40contoso.com%22")
        assert ids_of(body) == [created["id"]]


@pytest.mark.both_backends
class TestE4CreateUser:
    def test_the_tutorial_body_with_meta_and_empty_roles_is_201_with_an_id(self, api):
        resp = api.post("/Users", dict(E4_BODY), headers=ENTRA)

        assert resp.status_code == 201
        body = resp.json
        assert body["id"] and body["userName"] == E4_BODY["userName"]
        assert body["externalId"] == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
        assert body["active"] is True and body["emails"] == [{"value": E4_BODY["emails"][0]["value"],
                                                               "type": "work", "primary": True}]
        assert body["name"]["formatted"] == "givenName familyName"
        assert "roles" not in body
        assert body["meta"]["resourceType"] == "User" and body["meta"]["version"] == 'W/"1"'

    def test_the_older_sample_with_nulls_and_a_malformed_urn_is_accepted(self, api):
        older = {
            "schemas": [USER_URN, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
            "externalId": "jdoe", "userName": "jdoe@contoso.com", "active": True,
            "addresses": None, "displayName": "John Doe",
            "emails": [{"primary": True, "type": "work", "value": "jdoe@contoso.com"}],
            "meta": {"resourceType": "User"},
            "name": {"familyName": "Doe", "givenName": "John"},
            "phoneNumbers": None, "preferredLanguage": None, "title": None,
            "department": None, "manager": None,
        }
        resp = api.post("/Users", older, headers=ENTRA)
        assert resp.status_code == 201, resp.json
        body = resp.json
        for absent in ("addresses", "phoneNumbers", "preferredLanguage", "title", "department", "manager"):
            assert absent not in body
        assert body["schemas"] == [USER_URN]

    def test_a_repeated_create_after_a_lost_response_is_409_and_the_lookup_finds_the_user(self, api):
        created = entra_create_user(api)
        assert_scim_error(api.post("/Users", dict(E4_BODY), headers=ENTRA), 409, "uniqueness")
        body = entra_get(api, "/Users?filter=userName%20eq%20%22Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee%22")
        assert ids_of(body) == [created["id"]]

    def test_the_test_collections_pascal_case_body_with_string_booleans_is_accepted(self, api):
        body = {"UserName": "UserName123", "Active": "True", "DisplayName": "BobIsAmazing",
                "schemas": [USER_URN, ENTERPRISE_URN], "externalId": "${Entra-ExternalId}",
                "name": {"formatted": "Ryan Leenay", "familyName": "Leenay", "givenName": "Ryan"},
                "emails": [{"Primary": True, "type": "work", "value": "testing@bob.com"},
                           {"Primary": False, "type": "home", "value": "testinghome@bob.com"}],
                ENTERPRISE_URN: {"Department": "Tech Infrastructure", "Manager": {"Value": "SuzzyQ"}}}
        resp = api.post("/Users", body, headers=VALIDATOR)
        assert resp.status_code == 201, resp.json
        created = resp.json
        assert (created["userName"], created["active"], created["displayName"]) == ("UserName123", True,
                                                                                    "BobIsAmazing")
        assert created[ENTERPRISE_URN] == {"department": "Tech Infrastructure", "manager": {"value": "SuzzyQ"}}
        found = entra_get(api, "/Users?filter=DisplayName+eq+%22BobIsAmazing%22")
        assert ids_of(found) == [created["id"]]


class TestE5GetUser:
    def test_get_returns_the_user(self, api):
        created = entra_create_user(api)
        assert entra_get(api, f"/Users/{created['id']}") == created

    def test_an_inactive_user_is_still_returned(self, api):
        created = entra_create_user(api, active="False")
        body = entra_get(api, f"/Users/{created['id']}")
        assert body["active"] is False

    def test_an_unknown_id_is_404_with_status_as_a_string(self, api):
        body = assert_scim_error(api.get("/Users/5d48a0a8e9f04aa38008", headers=ENTRA), 404)
        assert body["status"] == "404"


class TestE10DeleteUser:
    def test_delete_is_204_and_later_gets_are_404(self, api):
        created = entra_create_user(api)
        resp = api.delete(f"/Users/{created['id']}", headers={"Accept": "application/scim+json"})
        assert resp.status_code == 204
        assert_scim_error(api.get(f"/Users/{created['id']}", headers=ENTRA), 404)
        body = entra_get(api, "/Users?filter=userName%20eq%20%22Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee%22")
        assert body["totalResults"] == 0


class TestE11GroupLookup:
    def test_a_display_name_lookup_returns_what_entra_reads(self, api):
        u = create_user(api, "member")
        group = create_group(api, "displayName", [u["id"]], externalId="8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159")
        create_group(api, "another")

        body = entra_get(api, "/Groups?excludedAttributes=members&filter=displayName%20eq%20%22displayName%22")

        assert body["totalResults"] == 1
        found = body["Resources"][0]
        assert found["id"] == group["id"] and found["displayName"] == "displayName"
        assert found["externalId"] == "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"
        assert found["meta"]["resourceType"] == "Group"


class TestE12GroupCreate:
    def test_the_group_body_with_the_adscim_urn_and_meta_is_201_with_an_id(self, api):
        body = {"schemas": [GROUP_URN, ADSCIM_GROUP], "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                "displayName": "displayName", "meta": {"resourceType": "Group"}}

        resp = api.post("/Groups", body, headers=ENTRA)

        assert resp.status_code == 201
        created = resp.json
        assert created["id"] and created["displayName"] == "displayName"
        assert created["externalId"] == "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"
        assert created.get("members", []) == []
        assert created["schemas"] == [GROUP_URN]

    def test_the_adscim_urn_is_refused_under_the_reject_policy(self, make_client):
        strict = make_client(unknown="reject")
        body = {"schemas": [GROUP_URN, ADSCIM_GROUP], "displayName": "displayName"}
        assert_scim_error(strict.post("/Groups", body, headers=ENTRA), 400, "invalidValue")


class TestE18DeleteGroup:
    def test_delete_is_204(self, api):
        gid = create_group(api, "displayName")["id"]
        assert api.delete(f"/Groups/{gid}", headers={"Accept": "application/scim+json"}).status_code == 204
        assert_scim_error(api.get(f"/Groups/{gid}", headers=ENTRA), 404)


@pytest.mark.both_backends
class TestE19MembershipProbe:
    @pytest.fixture
    def group_with_member(self, api):
        member, outsider = create_user(api, "member"), create_user(api, "outsider")
        group = create_group(api, "Probe", [member["id"]])
        create_group(api, "Other", [member["id"], outsider["id"]])
        return api, group["id"], member["id"], outsider["id"]

    def test_the_quoted_probe_returns_the_group_when_the_user_is_a_member(self, group_with_member):
        api, gid, member, _ = group_with_member
        body = entra_get(api, f"/Groups?filter=id%20eq%20%22{gid}%22%20and%20members%20eq%20%22{member}%22"
                              "&attributes=id")
        assert ids_of(body) == [gid]

    def test_the_quoted_probe_returns_nothing_when_the_user_is_not_a_member(self, group_with_member):
        api, gid, _, outsider = group_with_member
        body = entra_get(api, f"/Groups?filter=id%20eq%20%22{gid}%22%20and%20members%20eq%20%22{outsider}%22"
                              "&attributes=id")
        assert body["totalResults"] == 0 and body["Resources"] == []

    def test_the_unquoted_wire_form_is_a_clear_invalid_filter(self, group_with_member):
        api, gid, member, _ = group_with_member
        resp = api.get(f"/Groups?filter=id eq {gid} and members eq {member}&attributes=id", headers=ENTRA)
        assert_scim_error(resp, 400, "invalidFilter")

    def test_the_probe_sees_a_membership_removed_by_put(self, group_with_member):
        api, gid, member, _ = group_with_member
        api.put(f"/Groups/{gid}", {"schemas": [GROUP_URN], "displayName": "Probe", "members": []})
        body = entra_get(api, f"/Groups?filter=id%20eq%20%22{gid}%22%20and%20members%20eq%20%22{member}%22")
        assert body["totalResults"] == 0


class TestE13GroupGet:
    def test_get_group_returns_it(self, api):
        group = create_group(api, "Readable")
        assert get_json(api, f"/Groups/{group['id']}?excludedAttributes=members")["id"] == group["id"]
