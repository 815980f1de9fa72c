"""attributes / excludedAttributes over HTTP (RFC 7644 §3.4.2.5, §3.9) against each attribute's
`returned` characteristic (RFC 7643 §7), on GET one, list, POST, PUT and PATCH.

Which attributes a projection wants and how a resource is rendered with it are the domain's and
the renderer's (tests/unit/test_projection.py): those tests run on the memory backend. Tests of
what the store reads or writes with a projection (derived groups, members, lists, versions) run
on both backends (`both_backends`)."""

from __future__ import annotations

from typing import Any

import pytest

from app.settings import ExtensionAttributeSettings, ExtensionSettings
from tests.http.support import (
    ENTERPRISE_URN,
    GROUP_URN,
    LIST_URN,
    USER_URN,
    assert_scim_error,
    create_group,
    create_user,
    filter_url,
    get_json,
    group_body,
    ids_of,
    member_ids,
    patch_message,
    search,
    total,
    user_body,
)

pytestmark = pytest.mark.memory_only

ACME_URN = "urn:example:params:scim:schemas:extension:acme:2.0:User"
WORK = {"value": "bj@work.example", "type": "work", "primary": True}
HOME = {"value": "bj@home.example", "type": "home"}


@pytest.fixture
def bjensen(api) -> dict[str, Any]:
    return create_user(
        api, "bjensen", externalId="ext-bj", displayName="Barbara Jensen", active=True,
        name={"givenName": "Barbara", "familyName": "Jensen"}, emails=[WORK, HOME],
        password="S3cret-Passw0rd",
        **{ENTERPRISE_URN: {"department": "Tour Operations", "costCenter": "4130"}},
    )


@pytest.fixture
def staff(api, bjensen) -> dict[str, Any]:
    return create_group(api, "Staff", [bjensen["id"]])


def user_path(user: dict[str, Any], query: str) -> str:
    return f"/Users/{user['id']}?{query}"


class TestAttributesOnGetOne:
    def test_attributes_user_name_returns_id_schemas_and_user_name_only(self, api, bjensen):
        body = get_json(api, user_path(bjensen, "attributes=userName"))
        assert body == {"schemas": [USER_URN], "id": bjensen["id"], "userName": "bjensen"}

    def test_meta_is_absent_unless_it_is_requested(self, api, bjensen):
        assert "meta" not in get_json(api, user_path(bjensen, "attributes=displayName"))
        assert "meta" in get_json(api, user_path(bjensen, "attributes=displayName,meta"))

    def test_a_sub_attribute_of_a_complex_attribute_returns_the_parent_with_only_that_sub_attribute(self, api, bjensen):
        body = get_json(api, user_path(bjensen, "attributes=name.givenName"))
        assert body == {"schemas": [USER_URN], "id": bjensen["id"], "name": {"givenName": "Barbara"}}

    def test_a_sub_attribute_of_a_multi_valued_attribute_returns_each_element_with_only_that_sub_attribute(
            self, api, bjensen):
        body = get_json(api, user_path(bjensen, "attributes=emails.value"))
        assert set(body) == {"schemas", "id", "emails"}
        assert sorted(body["emails"], key=lambda e: e["value"]) == [
            {"value": "bj@home.example"}, {"value": "bj@work.example"}]

    def test_an_enterprise_attribute_by_its_urn_qualified_name_returns_only_that_extension_attribute(
            self, api, bjensen):
        body = get_json(api, user_path(bjensen, f"attributes={ENTERPRISE_URN}:department"))
        assert body == {
            "schemas": [USER_URN, ENTERPRISE_URN], "id": bjensen["id"],
            ENTERPRISE_URN: {"department": "Tour Operations"},
        }

    def test_the_enterprise_urn_alone_returns_the_whole_extension_and_nothing_else(self, api, bjensen):
        body = get_json(api, user_path(bjensen, f"attributes={ENTERPRISE_URN}"))
        assert body == {
            "schemas": [USER_URN, ENTERPRISE_URN], "id": bjensen["id"],
            ENTERPRISE_URN: {"department": "Tour Operations", "costCenter": "4130"},
        }

    def test_meta_last_modified_returns_meta_with_only_last_modified(self, api, bjensen):
        body = get_json(api, user_path(bjensen, "attributes=meta.lastModified"))
        assert body == {"schemas": [USER_URN], "id": bjensen["id"],
                        "meta": {"lastModified": bjensen["meta"]["lastModified"]}}

    def test_meta_as_a_whole_returns_every_meta_sub_attribute(self, api, bjensen):
        body = get_json(api, user_path(bjensen, "attributes=meta"))
        assert body["meta"] == bjensen["meta"]
        assert set(body) == {"schemas", "id", "meta"}

    @pytest.mark.parametrize("query", [
        "attributes=USERNAME,NAME.GIVENNAME",
        "attributes=username,name.givenname",
        f"attributes={USER_URN.upper()}:UserName,{USER_URN.lower()}:name.GivenName",
    ])
    def test_attribute_names_are_case_insensitive(self, api, bjensen, query):
        body = get_json(api, user_path(bjensen, query))
        assert body == {"schemas": [USER_URN], "id": bjensen["id"], "userName": "bjensen",
                        "name": {"givenName": "Barbara"}}

    def test_the_enterprise_urn_is_case_insensitive_too(self, api, bjensen):
        body = get_json(api, user_path(bjensen, f"attributes={ENTERPRISE_URN.upper()}:DEPARTMENT"))
        assert body[ENTERPRISE_URN] == {"department": "Tour Operations"}

    def test_several_names_separated_by_commas_with_spaces(self, api, bjensen):
        body = get_json(api, user_path(bjensen, "attributes=userName,%20displayName%20,externalId"))
        assert body == {"schemas": [USER_URN], "id": bjensen["id"], "userName": "bjensen",
                        "displayName": "Barbara Jensen", "externalId": "ext-bj"}

    def test_attributes_id_returns_id_and_schemas_only(self, api, bjensen):
        assert get_json(api, user_path(bjensen, "attributes=id")) == {"schemas": [USER_URN], "id": bjensen["id"]}

    def test_the_password_is_never_returned_even_when_requested(self, api, bjensen):
        body = get_json(api, user_path(bjensen, "attributes=password,userName"))
        assert "password" not in body
        assert body == {"schemas": [USER_URN], "id": bjensen["id"], "userName": "bjensen"}

    @pytest.mark.both_backends
    def test_attributes_groups_returns_the_derived_groups(self, api, bjensen, staff):
        body = get_json(api, user_path(bjensen, "attributes=groups"))
        assert set(body) == {"schemas", "id", "groups"}
        assert [g["value"] for g in body["groups"]] == [staff["id"]]

    @pytest.mark.both_backends
    def test_attributes_members_value_returns_the_member_ids_only(self, api, bjensen, staff):
        body = get_json(api, f"/Groups/{staff['id']}?attributes=members.value")
        assert body == {"schemas": [GROUP_URN], "id": staff["id"], "members": [{"value": bjensen["id"]}]}

    def test_an_empty_attributes_parameter_returns_the_default_set(self, api, bjensen):
        assert get_json(api, user_path(bjensen, "attributes=")) == get_json(api, f"/Users/{bjensen['id']}")

    def test_a_requested_attribute_without_a_value_is_simply_absent(self, api):
        plain = create_user(api, "plain")
        assert get_json(api, user_path(plain, "attributes=name.givenName,title")) == {
            "schemas": [USER_URN], "id": plain["id"]}


class TestExcludedAttributesOnGetOne:
    @pytest.mark.both_backends
    def test_excluding_members_on_a_group_omits_them(self, api, staff):
        body = get_json(api, f"/Groups/{staff['id']}?excludedAttributes=members")
        assert "members" not in body
        assert body["displayName"] == "Staff" and body["id"] == staff["id"] and "meta" in body

    def test_excluding_name_and_emails_keeps_every_other_default_attribute(self, api, bjensen, staff):
        full = get_json(api, f"/Users/{bjensen['id']}")
        body = get_json(api, user_path(bjensen, "excludedAttributes=name,emails"))
        assert "name" not in body and "emails" not in body
        assert body == {k: v for k, v in full.items() if k not in ("name", "emails")}

    def test_excluding_id_has_no_effect_since_id_is_always_returned(self, api, bjensen):
        body = get_json(api, user_path(bjensen, "excludedAttributes=id"))
        assert body == get_json(api, f"/Users/{bjensen['id']}")
        assert body["id"] == bjensen["id"]

    def test_excluding_a_sub_attribute_keeps_its_siblings(self, api, bjensen):
        body = get_json(api, user_path(bjensen, "excludedAttributes=name.givenName,emails.type"))
        assert body["name"] == {"familyName": "Jensen"}
        assert all("type" not in e and "value" in e for e in body["emails"])

    def test_excluding_meta_and_external_id(self, api, bjensen):
        body = get_json(api, user_path(bjensen, "excludedAttributes=meta,externalId"))
        assert "meta" not in body and "externalId" not in body and body["userName"] == "bjensen"

    def test_excluding_the_enterprise_urn_drops_the_extension_and_its_schema_urn(self, api, bjensen):
        body = get_json(api, user_path(bjensen, f"excludedAttributes={ENTERPRISE_URN}"))
        assert ENTERPRISE_URN not in body and body["schemas"] == [USER_URN]
        assert body["userName"] == "bjensen"

    def test_excluding_one_enterprise_attribute_keeps_the_others(self, api, bjensen):
        body = get_json(api, user_path(bjensen, f"excludedAttributes={ENTERPRISE_URN}:costCenter"))
        assert body[ENTERPRISE_URN] == {"department": "Tour Operations"}

    @pytest.mark.both_backends
    def test_excluding_groups_on_a_user_omits_them(self, api, bjensen, staff):
        assert "groups" in get_json(api, f"/Users/{bjensen['id']}")
        assert "groups" not in get_json(api, user_path(bjensen, "excludedAttributes=groups"))

    def test_excluded_names_are_case_insensitive(self, api, staff):
        assert "members" not in get_json(api, f"/Groups/{staff['id']}?excludedAttributes=MEMBERS")

    @pytest.mark.both_backends
    def test_a_conditional_get_still_answers_304_with_a_projection(self, api, staff):
        resp = api.get(f"/Groups/{staff['id']}?excludedAttributes=members",
                       headers={"If-None-Match": staff["meta"]["version"]})
        assert resp.status_code == 304


class TestReturnedCharacteristicsOfExtensionAttributes:
    """An admin-declared extension with a `returned: request`, a `returned: always` and a
    `returned: default` attribute."""

    @pytest.fixture
    def acme(self, make_api):
        ext = ExtensionSettings(ACME_URN, "User", (
            ExtensionAttributeSettings("clearance", returned="request"),
            ExtensionAttributeSettings("badge", returned="always"),
            ExtensionAttributeSettings("floor"),
        ))
        return make_api(extensions=(ext,))

    @pytest.fixture
    def agent(self, acme) -> dict[str, Any]:
        return create_user(acme, "agent", displayName="Agent",
                           **{ACME_URN: {"clearance": "top", "badge": "B-7", "floor": "3"}})

    def test_a_request_attribute_is_not_in_the_default_set(self, acme, agent):
        assert get_json(acme, f"/Users/{agent['id']}")[ACME_URN] == {"badge": "B-7", "floor": "3"}

    def test_a_request_attribute_is_not_in_the_post_response(self, agent):
        assert "clearance" not in agent[ACME_URN]

    def test_a_request_attribute_comes_back_when_named_in_attributes(self, acme, agent):
        body = get_json(acme, f"/Users/{agent['id']}?attributes={ACME_URN}:clearance")
        assert body[ACME_URN]["clearance"] == "top"
        assert "floor" not in body[ACME_URN] and "userName" not in body

    def test_a_request_attribute_is_not_returned_when_another_attribute_is_named(self, acme, agent):
        body = get_json(acme, f"/Users/{agent['id']}?attributes=userName,{ACME_URN}:floor")
        assert "clearance" not in body[ACME_URN]

    @pytest.mark.both_backends
    def test_a_request_attribute_is_not_returned_by_a_list_without_attributes(self, acme, agent):
        listing = search(acme, "/Users", 'userName eq "agent"')
        assert "clearance" not in listing["Resources"][0][ACME_URN]

    @pytest.mark.both_backends
    def test_a_request_attribute_comes_back_in_a_list_when_named(self, acme, agent):
        listing = search(acme, "/Users", 'userName eq "agent"', attributes=f"{ACME_URN}:clearance")
        assert listing["Resources"][0][ACME_URN]["clearance"] == "top"

    def test_an_always_attribute_comes_back_when_other_attributes_are_named(self, acme, agent):
        body = get_json(acme, f"/Users/{agent['id']}?attributes=userName")
        assert body == {"schemas": [USER_URN, ACME_URN], "id": agent["id"], "userName": "agent",
                        ACME_URN: {"badge": "B-7"}}

    def test_an_always_attribute_cannot_be_excluded_by_name(self, acme, agent):
        body = get_json(acme, f"/Users/{agent['id']}?excludedAttributes={ACME_URN}:badge,{ACME_URN}:floor")
        assert body[ACME_URN] == {"badge": "B-7"}

    def test_an_always_attribute_survives_excluding_its_whole_extension(self, acme, agent):
        body = get_json(acme, f"/Users/{agent['id']}?excludedAttributes={ACME_URN}")
        assert body[ACME_URN] == {"badge": "B-7"} and ACME_URN in body["schemas"]


@pytest.mark.both_backends  # lists come from the store's search, related data read per page
class TestListResponses:
    def test_attributes_with_a_filter_projects_each_resource(self, api, bjensen):
        create_user(api, "jsmith", displayName="John Smith")
        listing = search(api, "/Users", 'userName eq "bjensen"', attributes="userName")
        assert listing["schemas"] == [LIST_URN] and listing["totalResults"] == 1
        assert listing["Resources"] == [{"schemas": [USER_URN], "id": bjensen["id"], "userName": "bjensen"}]

    def test_attributes_without_a_filter_projects_every_resource(self, api, bjensen):
        other = create_user(api, "jsmith", displayName="John Smith")
        listing = get_json(api, "/Users?attributes=displayName")
        assert listing["Resources"] == [
            {"schemas": [USER_URN], "id": bjensen["id"], "displayName": "Barbara Jensen"},
            {"schemas": [USER_URN], "id": other["id"], "displayName": "John Smith"},
        ]

    def test_excluded_attributes_apply_to_every_listed_resource(self, api, bjensen):
        create_user(api, "jsmith", emails=[{"value": "js@example.com"}])
        listing = get_json(api, "/Users?excludedAttributes=emails,meta")
        assert len(listing["Resources"]) == 2
        assert all("emails" not in r and "meta" not in r and "userName" in r for r in listing["Resources"])

    def test_entra_membership_probe_with_attributes_id_returns_id_only(self, api, bjensen, staff):
        listing = search(api, "/Groups", f'id eq "{staff["id"]}" and members eq "{bjensen["id"]}"',
                         attributes="id")
        assert listing["totalResults"] == 1
        assert listing["Resources"] == [{"schemas": [GROUP_URN], "id": staff["id"]}]

    def test_entra_membership_probe_for_a_non_member_finds_nothing(self, api, bjensen, staff):
        outsider = create_user(api, "outsider")
        listing = search(api, "/Groups", f'id eq "{staff["id"]}" and members eq "{outsider["id"]}"',
                         attributes="id")
        assert listing["totalResults"] == 0 and listing["Resources"] == []

    def test_group_listing_with_excluded_members(self, api, bjensen, staff):
        create_group(api, "Empty")
        listing = get_json(api, "/Groups?excludedAttributes=members")
        assert {r["displayName"] for r in listing["Resources"]} == {"Staff", "Empty"}
        assert all("members" not in r for r in listing["Resources"])

    def test_group_listing_still_filters_on_members_when_members_are_not_returned(self, api, bjensen, staff):
        create_group(api, "Empty")
        listing = search(api, "/Groups", f'members[value eq "{bjensen["id"]}"]',
                         excludedAttributes="members")
        assert ids_of(listing) == [staff["id"]] and "members" not in listing["Resources"][0]

    def test_user_listing_with_attributes_groups_returns_each_users_groups(self, api, bjensen, staff):
        loner = create_user(api, "loner")
        listing = get_json(api, "/Users?attributes=groups")
        by_id = {r["id"]: r for r in listing["Resources"]}
        assert [g["value"] for g in by_id[bjensen["id"]]["groups"]] == [staff["id"]]
        assert by_id[loner["id"]] == {"schemas": [USER_URN], "id": loner["id"]}

    def test_paging_is_unchanged_by_a_projection(self, api, bjensen):
        create_user(api, "jsmith")
        create_user(api, "adoe")
        listing = get_json(api, "/Users?attributes=userName&startIndex=2&count=1")
        assert listing["totalResults"] == 3 and listing["startIndex"] == 2 and listing["itemsPerPage"] == 1
        assert list(listing["Resources"][0]) == ["schemas", "id", "userName"]


class TestWriteResponses:
    def test_post_user_with_attributes_returns_the_projection_and_still_the_location(self, api):
        resp = api.post("/Users?attributes=userName", user_body("fresh", displayName="Fresh"))
        assert resp.status_code == 201, resp.get_data(as_text=True)
        body = resp.json
        assert body == {"schemas": [USER_URN], "id": body["id"], "userName": "fresh"}
        assert resp.headers["Location"].endswith(f"/scim/v2/Users/{body['id']}")
        assert resp.headers["ETag"] == 'W/"1"'

    def test_post_user_with_meta_excluded_is_201_with_a_location(self, api):
        resp = api.post("/Users?excludedAttributes=meta", user_body("nometa"))
        assert resp.status_code == 201, resp.get_data(as_text=True)
        assert "meta" not in resp.json and resp.json["userName"] == "nometa"
        assert resp.headers["Location"].endswith(f"/Users/{resp.json['id']}")

    def test_post_user_with_only_some_meta_sub_attributes_is_201_with_a_location(self, api):
        resp = api.post("/Users?attributes=meta.resourceType", user_body("partial"))
        assert resp.status_code == 201, resp.get_data(as_text=True)
        assert resp.json["meta"] == {"resourceType": "User"}
        assert resp.headers["Location"].endswith(f"/Users/{resp.json['id']}")

    @pytest.mark.both_backends
    def test_post_group_with_attributes_id_is_201_with_a_location(self, api, bjensen):
        resp = api.post("/Groups?attributes=id", group_body("Ops", [bjensen["id"]]))
        assert resp.status_code == 201, resp.get_data(as_text=True)
        assert resp.json == {"schemas": [GROUP_URN], "id": resp.json["id"]}
        assert resp.headers["Location"].endswith(f"/Groups/{resp.json['id']}")

    @pytest.mark.both_backends
    def test_post_group_with_excluded_members_omits_them_but_stores_them(self, api, bjensen):
        resp = api.post("/Groups?excludedAttributes=members", group_body("Ops", [bjensen["id"]]))
        assert resp.status_code == 201, resp.get_data(as_text=True)
        assert "members" not in resp.json and resp.json["displayName"] == "Ops"
        assert resp.headers["Location"] == resp.json["meta"]["location"]
        assert member_ids(get_json(api, f"/Groups/{resp.json['id']}")) == {bjensen["id"]}

    def test_put_user_with_attributes_returns_the_projection(self, api, bjensen):
        resp = api.put(f"/Users/{bjensen['id']}?attributes=displayName,meta.version",
                       user_body("bjensen", displayName="Babs"))
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert resp.json == {"schemas": [USER_URN], "id": bjensen["id"], "displayName": "Babs",
                             "meta": {"version": 'W/"2"'}}
        assert resp.headers["ETag"] == 'W/"2"'

    @pytest.mark.both_backends
    def test_put_group_with_excluded_members_omits_them_but_replaces_them(self, api, bjensen, staff):
        other = create_user(api, "jsmith")
        resp = api.put(f"/Groups/{staff['id']}?excludedAttributes=members",
                       group_body("Staff", [other["id"]]))
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert "members" not in resp.json and resp.json["displayName"] == "Staff"
        assert member_ids(get_json(api, f"/Groups/{staff['id']}")) == {other["id"]}

    def test_patch_user_with_attributes_returns_the_projection(self, api, bjensen):
        resp = api.patch(f"/Users/{bjensen['id']}?attributes=title",
                         patch_message({"op": "replace", "path": "title", "value": "Boss"}))
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert resp.json == {"schemas": [USER_URN], "id": bjensen["id"], "title": "Boss"}
        assert resp.headers["ETag"] == 'W/"2"'

    def test_patch_user_with_excluded_attributes(self, api, bjensen):
        resp = api.patch(f"/Users/{bjensen['id']}?excludedAttributes=emails,{ENTERPRISE_URN}",
                         patch_message({"op": "replace", "path": "title", "value": "Boss"}))
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert "emails" not in resp.json and ENTERPRISE_URN not in resp.json
        assert resp.json["schemas"] == [USER_URN] and resp.json["title"] == "Boss"

    @pytest.mark.both_backends
    def test_patch_group_with_excluded_members_omits_them_but_applies_the_change(self, api, bjensen, staff):
        other = create_user(api, "jsmith")
        resp = api.patch(f"/Groups/{staff['id']}?excludedAttributes=members",
                         patch_message({"op": "add", "path": "members", "value": [{"value": other["id"]}]}))
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert "members" not in resp.json and resp.json["meta"]["version"] == 'W/"2"'
        assert member_ids(get_json(api, f"/Groups/{staff['id']}")) == {bjensen["id"], other["id"]}

    @pytest.mark.both_backends
    def test_patch_group_with_attributes_members_returns_the_new_members(self, api, bjensen, staff):
        other = create_user(api, "jsmith")
        resp = api.patch(f"/Groups/{staff['id']}?attributes=members.value",
                         patch_message({"op": "add", "path": "members", "value": [{"value": other["id"]}]}))
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert set(resp.json) == {"schemas", "id", "members"}
        assert member_ids(resp.json) == {bjensen["id"], other["id"]}


class TestUnknownNames:
    @pytest.mark.parametrize("query", [
        "attributes=bogus",
        "excludedAttributes=bogus",
        "excludedAttributes=name.bogus",
        "attributes=urn:example:unknown:1.0:User:thing",
    ])
    def test_an_unknown_name_alone_is_ignored_by_default(self, api, bjensen, query):
        assert get_json(api, user_path(bjensen, query)) == get_json(api, f"/Users/{bjensen['id']}")

    def test_an_unknown_name_beside_known_ones_is_ignored_by_default(self, api, bjensen):
        body = get_json(api, user_path(bjensen, "attributes=bogus,userName,name.nothing"))
        assert body == {"schemas": [USER_URN], "id": bjensen["id"], "userName": "bjensen"}

    def test_an_unknown_name_on_a_list_is_ignored_by_default(self, api, bjensen):
        listing = get_json(api, "/Users?attributes=userName,bogus")
        assert listing["Resources"] == [{"schemas": [USER_URN], "id": bjensen["id"], "userName": "bjensen"}]

    @pytest.fixture
    def strict(self, make_api):
        return make_api(unknown="reject")

    @pytest.mark.parametrize("query", [
        "attributes=bogus",
        "attributes=userName,bogus",
        "excludedAttributes=bogus",
        "excludedAttributes=name.bogus",
        "attributes=urn:example:unknown:1.0:User:thing",
    ])
    def test_an_unknown_name_on_get_one_is_400_invalid_value_when_rejecting(self, strict, query):
        user = create_user(strict, "bjensen")
        body = assert_scim_error(strict.get(user_path(user, query)), 400, "invalidValue")
        assert "bogus" in body["detail"] or "thing" in body["detail"]

    def test_an_unknown_name_on_a_list_is_400_invalid_value_when_rejecting(self, strict):
        create_user(strict, "bjensen")
        assert_scim_error(strict.get(filter_url("/Users", 'userName eq "bjensen"', attributes="bogus")),
                          400, "invalidValue")
        assert_scim_error(strict.get("/Groups?excludedAttributes=bogus"), 400, "invalidValue")

    def test_an_unknown_name_on_post_is_400_and_creates_nothing_when_rejecting(self, strict):
        assert_scim_error(strict.post("/Users?attributes=bogus", user_body("nobody")), 400, "invalidValue")
        assert total(strict, "/Users") == 0

    def test_an_unknown_name_on_patch_is_400_and_changes_nothing_when_rejecting(self, strict):
        user = create_user(strict, "bjensen", title="Clerk")
        resp = strict.patch(f"/Users/{user['id']}?excludedAttributes=bogus",
                            patch_message({"op": "replace", "path": "title", "value": "Boss"}))
        assert_scim_error(resp, 400, "invalidValue")
        after = get_json(strict, f"/Users/{user['id']}")
        assert after["title"] == "Clerk" and after["meta"]["version"] == 'W/"1"'

    def test_known_names_still_work_when_rejecting(self, strict):
        user = create_user(strict, "bjensen", displayName="B")
        assert get_json(strict, user_path(user, "attributes=UserName")) == {
            "schemas": [USER_URN], "id": user["id"], "userName": "bjensen"}
