"""Microsoft Entra ID's PATCH requests, replayed as ../shared/idp-requests.md records them:
E6 profile updates (default job and `aadOptscim062020`), manager (Δ9), app roles, E7/E8
(de)activation, E14 rename, E15/E16 members, and the test-collection shapes of E22. Bodies are the
JSON text Entra sends; placeholders (<uid>, <gid>, <mid>) become real ids."""

from __future__ import annotations

from typing import Any

import pytest

from app.settings import PolicySettings
from tests.http.support import ENTERPRISE_URN, get_json, member_ids, raw, search

ENTRA_CONTENT_TYPE = "application/scim+json"
VALIDATOR_CONTENT_TYPE = "application/scim+json; charset=utf-8"


@pytest.fixture
def api(make_api):
    """Entra's requests are served as an Entra deployment is: with the entra preset."""
    return make_api(policy=PolicySettings("entra", unknown="ignore"))


def entra(api, method: str, path: str, body: str, content_type: str = ENTRA_CONTENT_TYPE, **ids: str):
    for name, value in ids.items():
        body = body.replace(f"<{name}>", value)
    return raw(api, method, path, body.encode(), content_type=content_type)


def ok(resp: Any) -> dict[str, Any]:
    """Entra takes 200 with the resource or 204; this service answers 200 with the resource."""
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.json  # type: ignore[no-any-return]


# E4: the create Entra sends (meta, empty roles, both URNs in schemas).
E4_CREATE = """{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
 "externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
 "userName":"<userName>",
 "active":true,
 "emails":[{"primary":true,"type":"work","value":"<userName>@testuser.com"}],
 "meta":{"resourceType":"User"},
 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
 "roles":[]}"""

# E12: the group create (no members; a non-2.0 schema URN).
E12_CREATE = """{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group",
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
 "externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"<displayName>",
 "meta":{"resourceType":"Group"}}"""


def entra_user(api, user_name: str = "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee") -> dict[str, Any]:
    resp = entra(api, "POST", "/Users", E4_CREATE, userName=user_name)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.json  # type: ignore[no-any-return]


def entra_group(api, display_name: str = "displayName", members: tuple[str, ...] = ()) -> dict[str, Any]:
    resp = entra(api, "POST", "/Groups", E12_CREATE, displayName=display_name)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    group = resp.json
    if members:
        add = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[' \
              + ",".join(f'{{"$ref":null,"value":"{m}"}}' for m in members) + "]}]}"
        group = ok(entra(api, "PATCH", f"/Groups/{group['id']}", add))
    return group  # type: ignore[no-any-return]


def emails_by_type(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e.get("type"): e for e in body.get("emails", [])}


class TestE6ProfileUpdateDefaultJob:
    E6_DEFAULT = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations":[
  {"op":"Replace","path":"displayName","value":"Pvlo"},
  {"op":"Replace","path":"emails[type eq \\"work\\"].value","value":"TestBcwqnm@test.microsoft.com"},
  {"op":"Replace","path":"name.givenName","value":"Gtfd"},
  {"op":"Replace","path":"name.familyName","value":"Pkqf"},
  {"op":"Replace","path":"externalId","value":"Eqpj"},
  {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"Eqpj"}]}"""

    def test_one_capitalised_replace_per_attribute(self, api):
        user = entra_user(api)

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", self.E6_DEFAULT))

        assert body["displayName"] == "Pvlo"
        assert body["emails"] == [{"primary": True, "type": "work", "value": "TestBcwqnm@test.microsoft.com"}]
        assert body["name"] == {"formatted": "givenName familyName", "givenName": "Gtfd", "familyName": "Pkqf"}
        assert body["externalId"] == "Eqpj"
        assert body[ENTERPRISE_URN] == {"employeeNumber": "Eqpj"}
        assert body == get_json(api, f"/Users/{user['id']}")

    def test_the_updated_user_is_found_by_its_new_external_id(self, api):
        user = entra_user(api)
        ok(entra(api, "PATCH", f"/Users/{user['id']}", self.E6_DEFAULT))
        assert [r["id"] for r in search(api, "/Users", 'externalId eq "Eqpj"')["Resources"]] == [user["id"]]


class TestE6ProfileUpdateWithTheComplianceFlag:
    def test_filter_paths_and_a_pathless_replace_with_dotted_and_urn_keys(self, api):
        user = entra_user(api)
        body_text = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations":[
  {"op":"replace","path":"emails[type eq \\"work\\"].value","value":"TestMhvaes@test.microsoft.com"},
  {"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","name.familyName":"Unua",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq"}}]}"""

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", body_text))

        assert emails_by_type(body)["work"]["value"] == "TestMhvaes@test.microsoft.com"
        assert body["displayName"] == "Bjfe"
        assert body["name"] == {"formatted": "givenName familyName", "givenName": "Kkom", "familyName": "Unua"}
        assert body[ENTERPRISE_URN] == {"employeeNumber": "Aklq"}


class TestE6FurtherShapes:
    @pytest.mark.parametrize("name", ["Add", "add"])
    def test_a_single_value_add(self, api, name):
        user = entra_user(api)
        text = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"<op>","path":"nickName","value":"Babs"}]}'
        assert ok(entra(api, "PATCH", f"/Users/{user['id']}", text, op=name))["nickName"] == "Babs"

    def test_a_user_name_rename_is_found_by_the_new_name(self, api):
        user = entra_user(api)
        text = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"userName","value":"5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}]}'

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", text))

        assert body["userName"] == "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
        found = search(api, "/Users", 'userName eq "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"')
        assert [r["id"] for r in found["Resources"]] == [user["id"]]
        assert search(api, "/Users", f'userName eq "{user["userName"]}"')["totalResults"] == 0

    def test_a_pathless_add_with_dotted_keys(self, api):
        user = entra_user(api)
        text = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":{"displayName":"Foo Bar","title":"Bar Foo","name.givenName":"Foo","name.familyName":"Bar","name.formatted":"Foo Bar"}}]}"""

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", text))

        assert (body["displayName"], body["title"]) == ("Foo Bar", "Bar Foo")
        assert body["name"] == {"givenName": "Foo", "familyName": "Bar", "formatted": "Foo Bar"}

    def test_a_pathless_replace_of_name_parts_keeps_the_others(self, api):
        user = entra_user(api)
        text = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"name.familyName":"test","name.formatted":"test test2"}}]}"""

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", text))

        assert body["name"] == {"givenName": "givenName", "familyName": "test", "formatted": "test test2"}

    def test_the_mixed_request_with_an_address_that_does_not_exist_yet(self, api):
        user = entra_user(api)
        text = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \\"work\\"].value","value":"AdeleV2@contoso.onmicrosoft.com"},{"op":"Replace","path":"addresses[type eq \\"work\\"].formatted","value":"18/2111"},{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Retail"}]}"""

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", text))

        assert emails_by_type(body)["work"]["value"] == "AdeleV2@contoso.onmicrosoft.com"
        assert body["addresses"] == [{"type": "work", "formatted": "18/2111"}]
        assert body[ENTERPRISE_URN] == {"department": "Retail"}

    def test_adds_into_a_typed_address_that_does_not_exist_build_one_address(self, api):
        user = entra_user(api)
        text = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"addresses[type eq \\"work\\"].formatted","value":"1 Main St, Springfield"},{"op":"add","path":"addresses[type eq \\"work\\"].locality","value":"Springfield"},{"op":"add","path":"addresses[type eq \\"work\\"].region","value":"IL"}]}"""

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", text))

        assert body["addresses"] == [{"type": "work", "formatted": "1 Main St, Springfield",
                                      "locality": "Springfield", "region": "IL"}]

    def test_a_work_email_set_on_a_user_without_one_is_created(self, api):
        """Δ10: the user has only a home address; Entra replaces the work one."""
        resp = api.post("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "nowork",
                                   "emails": [{"type": "home", "value": "home@example.com", "primary": True}]})
        uid = resp.json["id"]
        text = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \\"work\\"].value","value":"TestBcwqnm@test.microsoft.com"}]}"""

        body = ok(entra(api, "PATCH", f"/Users/{uid}", text))

        assert emails_by_type(body) == {
            "home": {"type": "home", "value": "home@example.com", "primary": True},
            "work": {"type": "work", "value": "TestBcwqnm@test.microsoft.com"},
        }

    def test_the_validator_sets_value_display_and_primary_of_a_new_home_email(self, api):
        user = entra_user(api)
        text = """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"emails[type eq \\"home\\"].value","value":"home@example.com"},{"op":"add","path":"emails[type eq \\"home\\"].display","value":"Home"},{"op":"replace","path":"emails[type eq \\"home\\"].primary","value":true}]}"""

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", text, content_type=VALIDATOR_CONTENT_TYPE))

        by_type = emails_by_type(body)
        assert by_type["home"] == {"type": "home", "value": "home@example.com", "display": "Home", "primary": True}
        assert [e["type"] for e in body["emails"] if e.get("primary") is True] == ["home"]

    def test_an_app_role_encoded_as_a_json_string_is_kept(self, api):
        user = entra_user(api)
        role = '{\\"id\\":\\"827f0d2e-be15-4d8f-a1e3-4a7f8e1e4c8a\\",\\"value\\":\\"DocumentMgmt-Admin\\",\\"displayName\\":\\"DocumentMgmt Admin\\"}'
        text = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"roles","value":[{"value":"' + role + '"}]}]}'

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", text))

        assert body["roles"] == [{"value": '{"id":"827f0d2e-be15-4d8f-a1e3-4a7f8e1e4c8a","value":"DocumentMgmt-Admin",'
                                           '"displayName":"DocumentMgmt Admin"}'}]

    def test_an_app_role_with_primary_as_the_string_true(self, api):
        user = entra_user(api)
        text = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"roles","value":[{"primary":"True","type":"WindowsAzureActiveDirectoryRole","value":"Admin"}]}]}'

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", text))

        assert body["roles"] == [{"value": "Admin", "type": "WindowsAzureActiveDirectoryRole", "primary": True}]

    def test_a_second_app_role_with_primary_true_becomes_the_only_primary(self, api):
        user = entra_user(api)
        first = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"roles","value":[{"primary":"True","value":"Reader"}]}]}'
        second = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"roles","value":[{"primary":"True","value":"Admin"}]}]}'
        ok(entra(api, "PATCH", f"/Users/{user['id']}", first))

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", second))

        assert [r["value"] for r in body["roles"] if r.get("primary") is True] == ["Admin"]


class TestE6Manager:
    MANAGER_ADD = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"<mid>"}]}'
    MANAGER_REMOVE = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]}'

    def test_a_manager_sent_as_a_bare_id_is_set(self, api):
        user, boss = entra_user(api), entra_user(api, "Boss_User")

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", self.MANAGER_ADD, mid=boss["id"]))

        assert body[ENTERPRISE_URN]["manager"]["value"] == boss["id"]
        assert ENTERPRISE_URN in body["schemas"]

    def test_a_manager_sent_as_an_object_is_set(self, api):
        user, boss = entra_user(api), entra_user(api, "Boss_User")
        text = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"$ref":null,"value":"<mid>"}}]}'

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", text, mid=boss["id"]))

        assert body[ENTERPRISE_URN] == {"manager": {"value": boss["id"]}}

    def test_a_removed_manager_is_gone(self, api):
        user, boss = entra_user(api), entra_user(api, "Boss_User")
        set_text = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"<mid>"}}]}'
        ok(entra(api, "PATCH", f"/Users/{user['id']}", set_text, mid=boss["id"]))

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", self.MANAGER_REMOVE))

        assert ENTERPRISE_URN not in body
        assert ENTERPRISE_URN not in get_json(api, f"/Users/{user['id']}")

    def test_removing_a_manager_the_user_does_not_have_succeeds(self, api):
        user = entra_user(api)
        assert ok(entra(api, "PATCH", f"/Users/{user['id']}", self.MANAGER_REMOVE)) == user


E7_DEFAULT = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}'
E7_TUTORIAL = '{"Operations":[{"op":"Replace","path":"active","value":false}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}'
E7_FLAG = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}'
E8_DEFAULT = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"True"}]}'
E8_TUTORIAL = '{"Operations":[{"op":"Replace","path":"active","value":true}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}'
E8_FLAG = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}'


class TestE7DisableAndE8Reactivate:
    @pytest.mark.parametrize("text", [E7_DEFAULT, E7_TUTORIAL, E7_FLAG], ids=["default", "tutorial", "flag"])
    def test_disable_sets_active_false_and_the_user_stays_readable(self, api, text):
        user = entra_user(api)

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", text))

        assert body["active"] is False
        assert get_json(api, f"/Users/{user['id']}")["active"] is False
        found = search(api, "/Users", f'userName eq "{user["userName"]}"')
        assert [r["active"] for r in found["Resources"]] == [False]

    @pytest.mark.parametrize("text", [E8_DEFAULT, E8_TUTORIAL, E8_FLAG], ids=["default", "tutorial", "flag"])
    def test_reactivation_sets_active_true(self, api, text):
        user = entra_user(api)
        ok(entra(api, "PATCH", f"/Users/{user['id']}", E7_DEFAULT))

        body = ok(entra(api, "PATCH", f"/Users/{user['id']}", text))

        assert body["active"] is True and body["id"] == user["id"]

    def test_the_periodic_active_true_on_an_active_user_changes_nothing(self, api):
        user = entra_user(api)
        assert ok(entra(api, "PATCH", f"/Users/{user['id']}", E8_DEFAULT)) == user

    def test_an_inactive_user_keeps_its_group_memberships(self, api):
        user = entra_user(api)
        group = entra_group(api, "Staff", (user["id"],))
        ok(entra(api, "PATCH", f"/Users/{user['id']}", E7_DEFAULT))
        ok(entra(api, "PATCH", f"/Users/{user['id']}", E8_DEFAULT))
        assert member_ids(get_json(api, f"/Groups/{group['id']}")) == {user["id"]}


class TestE14Rename:
    def test_a_capitalised_replace_of_the_display_name(self, api):
        group = entra_group(api)
        text = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]}'

        body = ok(entra(api, "PATCH", f"/Groups/{group['id']}", text))

        assert body["displayName"] == "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
        assert body["externalId"] == "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"
        found = search(api, "/Groups", 'displayName eq "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"',
                       excludedAttributes="members")
        assert [r["id"] for r in found["Resources"]] == [group["id"]]


E15_ADD = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"<uid>"}]}]}'


class TestE15AddMembers:
    def test_add_with_a_null_ref_and_no_type(self, api):
        user, group = entra_user(api), entra_group(api)

        body = ok(entra(api, "PATCH", f"/Groups/{group['id']}", E15_ADD, uid=user["id"]))

        assert member_ids(body) == {user["id"]}
        assert [g["value"] for g in get_json(api, f"/Users/{user['id']}")["groups"]] == [group["id"]]

    def test_adding_an_existing_member_succeeds_and_changes_nothing(self, api):
        user, group = entra_user(api), entra_group(api)
        first = ok(entra(api, "PATCH", f"/Groups/{group['id']}", E15_ADD, uid=user["id"]))
        second = ok(entra(api, "PATCH", f"/Groups/{group['id']}", E15_ADD, uid=user["id"]))
        assert second == first

    def test_several_members_in_one_patch(self, api):
        users = [entra_user(api, f"User_{i}")["id"] for i in range(3)]
        group = entra_group(api)
        text = ('{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":['
                '{"$ref":null,"value":"<u0>"},{"$ref":null,"value":"<u1>"},{"$ref":null,"value":"<u2>"}]}]}')

        body = ok(entra(api, "PATCH", f"/Groups/{group['id']}", text, u0=users[0], u1=users[1], u2=users[2]))

        assert member_ids(body) == set(users)


class TestE16RemoveMembers:
    @pytest.mark.parametrize("text", [
        '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"<uid>"}]}]}',
        '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"<uid>"}]}]}',
        '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \\"<uid>\\"]"}]}',
    ], ids=["value-list", "value-list-null-ref", "filter"])
    def test_only_that_member_is_removed_never_the_whole_group(self, api, text):
        users = [entra_user(api, f"User_{i}")["id"] for i in range(3)]
        group = entra_group(api, "Staff", tuple(users))

        body = ok(entra(api, "PATCH", f"/Groups/{group['id']}", text, uid=users[1]))

        assert member_ids(body) == {users[0], users[2]}
        assert member_ids(get_json(api, f"/Groups/{group['id']}")) == {users[0], users[2]}
        assert "groups" not in get_json(api, f"/Users/{users[1]}")

    @pytest.mark.parametrize("text", [
        '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"<uid>"}]}]}',
        '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \\"<uid>\\"]"}]}',
    ], ids=["value-list", "filter"])
    def test_removing_a_member_the_group_no_longer_holds_succeeds(self, api, text):
        user, other = entra_user(api), entra_user(api, "Other")
        group = entra_group(api, "Staff", (other["id"],))
        assert ok(entra(api, "PATCH", f"/Groups/{group['id']}", text, uid=user["id"])) == group
        assert ok(entra(api, "PATCH", f"/Groups/{group['id']}", text, uid="f648f8d5ea4e4cd38e9c")) == group


class TestE22TestCollectionShapes:
    def test_an_extra_name_key_in_the_operation_is_ignored(self, api):
        user, group = entra_user(api), entra_group(api)
        text = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"name":"addMember","op":"add","path":"members","value":[{"displayName":"new User","value":"<uid>"}]}]}'

        body = ok(entra(api, "PATCH", f"/Groups/{group['id']}", text, uid=user["id"]))

        assert member_ids(body) == {user["id"]}

    def test_remove_of_members_without_a_value_clears_them_all(self, api):
        users = [entra_user(api, f"User_{i}")["id"] for i in range(2)]
        group = entra_group(api, "Staff", tuple(users))
        text = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members"}]}'

        body = ok(entra(api, "PATCH", f"/Groups/{group['id']}", text))

        assert member_ids(body) == set()
        assert member_ids(get_json(api, f"/Groups/{group['id']}")) == set()
