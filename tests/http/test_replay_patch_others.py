"""PATCH requests of authentik (A1, A6, A7) and JumpCloud (membership), replayed as
../shared/idp-requests.md records them. Bodies are the JSON text the IdP sends; placeholders
(<uid>, <gid>) become real ids."""

from __future__ import annotations

from typing import Any

from tests.http.support import create_user, get_json, member_ids, raw

AUTHENTIK_HEADERS = {"User-Agent": "authentik@2025.10.1", "Accept": "application/scim+json"}


def send(api, path: str, body: str, headers: dict[str, str] | None = None, **ids: str):
    for name, value in ids.items():
        body = body.replace(f"<{name}>", value)
    return raw(api, "PATCH", path, body.encode(), content_type="application/scim+json", headers=headers)


def ok(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.json  # type: ignore[no-any-return]


def authentik_group(api, display_name: str = "Admins") -> dict[str, Any]:
    """A5: authentik creates groups without members when PATCH is supported."""
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": display_name,
            "externalId": "6a2cbb0e-4b8e-4b4b-9c0e-2f1d9a1d3c11"}
    resp = api.post("/Groups", body, headers=AUTHENTIK_HEADERS)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.json  # type: ignore[no-any-return]


class TestAuthentikA1Discovery:
    def test_service_provider_config_says_patch_is_supported(self, api):
        """authentik reads this first; without patch.supported it switches every group update to PUT."""
        resp = api.get("/ServiceProviderConfig", headers=AUTHENTIK_HEADERS)
        assert resp.status_code == 200
        assert resp.json["patch"]["supported"] is True


class TestAuthentikA6Members:
    ADD = '{"op":"add","path":"members","value":[{"value":"<uid>"}]}'
    REMOVE = '{"op":"remove","path":"members","value":[{"value":"<uid>"}]}'

    def message(self, *operations: str) -> str:
        return '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[' + ",".join(operations) + "]}"

    def test_one_add_operation_per_user_in_one_request(self, api):
        users = [create_user(api, f"user{i}")["id"] for i in range(3)]
        group = authentik_group(api)
        ops = [self.ADD.replace("<uid>", u) for u in users]

        body = ok(send(api, f"/Groups/{group['id']}", self.message(*ops), AUTHENTIK_HEADERS))

        assert member_ids(body) == set(users)

    def test_remove_with_a_value_list_removes_only_that_user(self, api):
        users = [create_user(api, f"user{i}")["id"] for i in range(3)]
        group = authentik_group(api)
        ok(send(api, f"/Groups/{group['id']}", self.message(*(self.ADD.replace("<uid>", u) for u in users)),
                AUTHENTIK_HEADERS))

        body = ok(send(api, f"/Groups/{group['id']}", self.message(self.REMOVE), AUTHENTIK_HEADERS, uid=users[0]))

        assert member_ids(body) == {users[1], users[2]}

    def test_reconciliation_reads_the_members_back_from_get(self, api):
        users = [create_user(api, f"user{i}", displayName=f"User {i}")["id"] for i in range(2)]
        group = authentik_group(api)
        ok(send(api, f"/Groups/{group['id']}", self.message(*(self.ADD.replace("<uid>", u) for u in users)),
                AUTHENTIK_HEADERS))
        ok(send(api, f"/Groups/{group['id']}", self.message(self.REMOVE), AUTHENTIK_HEADERS, uid=users[1]))

        got = get_json(api, f"/Groups/{group['id']}")

        assert [(m["value"], m["display"]) for m in got["members"]] == [(users[0], "User 0")]


class TestAuthentikA7Rename:
    def test_a_pathless_replace_with_schemas_external_id_and_the_groups_id(self, api):
        group = authentik_group(api, "Admins")
        text = ('{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":'
                '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Administrators",'
                '"externalId":"9f3e2d1c-0000-4000-8000-000000000001","id":"<gid>"}}]}')

        body = ok(send(api, f"/Groups/{group['id']}", text, AUTHENTIK_HEADERS, gid=group["id"]))

        assert (body["id"], body["displayName"]) == (group["id"], "Administrators")
        assert body["externalId"] == "9f3e2d1c-0000-4000-8000-000000000001"

    def test_the_aws_compatibility_mode_replaces_by_path(self, api):
        group = authentik_group(api, "Admins")
        text = ('{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":['
                '{"op":"replace","path":"displayName","value":"Administrators"},'
                '{"op":"replace","path":"externalId","value":"9f3e2d1c-0000-4000-8000-000000000001"}]}')

        body = ok(send(api, f"/Groups/{group['id']}", text, AUTHENTIK_HEADERS))

        assert body["displayName"] == "Administrators"
        assert body["externalId"] == "9f3e2d1c-0000-4000-8000-000000000001"

    def test_renaming_to_the_same_values_changes_nothing(self, api):
        group = authentik_group(api, "Admins")
        text = ('{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":'
                '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Admins",'
                '"externalId":"6a2cbb0e-4b8e-4b4b-9c0e-2f1d9a1d3c11","id":"<gid>"}}]}')
        assert ok(send(api, f"/Groups/{group['id']}", text, AUTHENTIK_HEADERS, gid=group["id"])) == group


class TestJumpCloudMembership:
    ADD = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[<values>]}]}'
    REMOVE = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members","value":[<values>]}]}'

    @staticmethod
    def values(*ids: str) -> str:
        return ",".join(f'{{"value":"{i}"}}' for i in ids)

    def test_repeated_adds_of_existing_members_succeed_and_change_nothing(self, api):
        users = [create_user(api, f"user{i}")["id"] for i in range(2)]
        group = authentik_group(api, "Engineering")
        first = ok(send(api, f"/Groups/{group['id']}", self.ADD, values=self.values(*users)))

        again = ok(send(api, f"/Groups/{group['id']}", self.ADD, values=self.values(*users)))
        once_more = ok(send(api, f"/Groups/{group['id']}", self.ADD, values=self.values(users[0])))

        assert again == first == once_more
        assert member_ids(first) == set(users)

    def test_an_add_of_existing_and_new_members_adds_the_new_ones(self, api):
        users = [create_user(api, f"user{i}")["id"] for i in range(3)]
        group = authentik_group(api, "Engineering")
        ok(send(api, f"/Groups/{group['id']}", self.ADD, values=self.values(users[0])))

        body = ok(send(api, f"/Groups/{group['id']}", self.ADD, values=self.values(*users)))

        assert member_ids(body) == set(users)

    def test_remove_with_a_value_list_removes_exactly_those_members(self, api):
        users = [create_user(api, f"user{i}")["id"] for i in range(4)]
        group = authentik_group(api, "Engineering")
        ok(send(api, f"/Groups/{group['id']}", self.ADD, values=self.values(*users)))

        body = ok(send(api, f"/Groups/{group['id']}", self.REMOVE, values=self.values(users[1], users[3])))

        assert member_ids(body) == {users[0], users[2]}
        assert member_ids(get_json(api, f"/Groups/{group['id']}")) == {users[0], users[2]}
