"""POST /Bulk (RFC 7644 §3.7) on memory, SQLite and PostgreSQL: bulkId references in members,
manager, PATCH values and paths and operation paths, in any order; circular references; the
errors of references; failOnErrors; each operation atomic, with If-Match through `version`."""

from __future__ import annotations

from app.credential_settings import CredentialSettings
from tests.conftest import AUTH, PASSWORD, USERNAME
from tests.http.bulk_support import (
    ENTERPRISE,
    changes,
    new_group,
    new_user,
    operation,
    patch_of,
    send,
    statuses,
)
from tests.http.credentials import basic
from tests.http.support import (
    ERROR_URN,
    GROUP_URN,
    assert_scim_error,
    create_group,
    get_json,
    member_ids,
    total,
)


def error_of(result: dict) -> dict:
    body = result["response"]
    assert body["schemas"] == [ERROR_URN] and body["status"] == result["status"]
    return body


class TestReferences:
    def test_a_group_sent_before_its_members_gets_them(self, bulk_api):
        results = send(bulk_api, new_group("g", "Admins", "bulkId:a", "bulkId:b"), new_user("a", "ann"), new_user("b", "bob"))
        assert statuses(results) == [("POST", "g", "201"), ("POST", "a", "201"), ("POST", "b", "201")]
        ann, bob = (r["response"]["id"] for r in results[1:])
        group = get_json(bulk_api, results[0]["location"].split("/scim/v2")[1])
        assert member_ids(group) == {ann, bob}
        assert results[0]["location"] == group["meta"]["location"]
        assert results[0]["response"]["members"] == group["members"]

    def test_an_enterprise_manager_refers_to_a_user_posted_later(self, bulk_api):
        emp, boss = send(bulk_api, new_user("e", "emp", manager="bulkId:m"), new_user("m", "boss"))
        assert emp["response"][ENTERPRISE]["manager"]["value"] == boss["response"]["id"]

    def test_patch_paths_values_and_the_operation_path(self, bulk_api):
        results = send(
            bulk_api,
            patch_of("/Groups/bulkId:g", {"op": "remove", "path": 'members[value eq "bulkId:a"]'},
                     {"op": "add", "path": "members", "value": [{"value": "bulkId:b"}]}),
            patch_of("/Users/bulkId:b", {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": "bulkId:a"}),
            new_group("g", "G", "bulkId:a"), new_user("a", "ann"), new_user("b", "bob"))
        assert [r["status"] for r in results] == ["200", "200", "201", "201", "201"]
        ann, bob = results[3]["response"]["id"], results[4]["response"]["id"]
        group_id = results[2]["response"]["id"]
        assert member_ids(get_json(bulk_api, f"/Groups/{group_id}")) == {bob}
        assert get_json(bulk_api, f"/Users/{bob}")[ENTERPRISE]["manager"]["value"] == ann
        assert results[0]["location"].endswith(f"/Groups/{group_id}")

    def test_delete_and_put_by_bulk_id(self, bulk_api):
        results = send(bulk_api, operation("DELETE", "/Users/bulkId:a"),
                       operation("PUT", "/Groups/bulkId:g", {"schemas": [GROUP_URN], "displayName": "H"}),
                       new_user("a", "ann"), new_group("g", "G"))
        assert [r["status"] for r in results] == ["204", "200", "201", "201"]
        assert total(bulk_api, "/Users") == 0 and results[1]["response"]["displayName"] == "H"


class TestCircularReferences:
    def test_a_user_who_is_their_own_manager(self, bulk_api):
        [ceo] = send(bulk_api, new_user("c", "ceo", manager="bulkId:c"))
        stored = get_json(bulk_api, f"/Users/{ceo['response']['id']}")
        assert ceo["status"] == "201" and stored[ENTERPRISE]["manager"]["value"] == stored["id"]
        assert ceo["version"] == stored["meta"]["version"] == 'W/"2"' and ceo["response"] == stored

    def test_two_users_managing_each_other(self, bulk_api):
        a, b = send(bulk_api, new_user("a", "ann", manager="bulkId:b"), new_user("b", "bob", manager="bulkId:a"))
        assert (a["status"], b["status"]) == ("201", "201")
        assert get_json(bulk_api, f"/Users/{a['response']['id']}")[ENTERPRISE]["manager"]["value"] == b["response"]["id"]
        assert get_json(bulk_api, f"/Users/{b['response']['id']}")[ENTERPRISE]["manager"]["value"] == a["response"]["id"]

    def test_groups_in_each_other_are_nested_groups_and_leave_nothing(self, bulk_api):
        """The RFC's §3.7.1 example; groups hold users only here."""
        a, b = send(bulk_api, new_group("a", "A", "bulkId:b", kind="Group"), new_group("b", "B", "bulkId:a", kind="Group"))
        assert (a["status"], b["status"]) == ("400", "409")
        assert error_of(a)["scimType"] == "invalidValue" and "scimType" not in error_of(b)
        assert "location" not in a and "location" not in b
        assert total(bulk_api, "/Groups") == 0

    def test_a_completion_that_fails_answers_its_error_and_leaves_two_records(self, bulk_api):
        """The user runs first; the group, which closes the cycle, is created without its members
        and PATCHed once the user exists. The PATCH fails (a member typed Group: nesting), so the
        group is deleted again and answers the PATCH's error: it no longer exists, but the audit
        trail and the change feed keep its create and its delete, both of the Bulk request. The
        user, created in between with the group as manager, keeps that id (README: a known gap)."""
        u, g = send(bulk_api, new_user("u", "ann", manager="bulkId:g"), new_group("g", "G", "bulkId:u", kind="Group"),
                    headers={"X-Request-ID": "bulk-undo-1"})
        assert (u["status"], g["status"]) == ("201", "400")
        assert error_of(g)["scimType"] == "invalidValue" and "location" not in g and "version" not in g
        records = changes(bulk_api)
        assert [(c.operation, c.resource_type) for c in records] == [("create", "Group"), ("create", "User"),
                                                                    ("delete", "Group")]
        assert {c.request_id for c in records} == {"bulk-undo-1"}
        assert records[0].resource_id == records[2].resource_id
        assert bulk_api.get(f"/Groups/{records[0].resource_id}").status_code == 404
        assert total(bulk_api, "/Groups") == 0
        assert u["response"][ENTERPRISE]["manager"]["value"] == records[0].resource_id


class TestReferenceErrors:
    def test_a_duplicate_bulk_id(self, bulk_api):
        results = send(bulk_api, new_user("x", "ann"), new_user("x", "bob"), new_group("g", "G", "bulkId:x"))
        assert [r["status"] for r in results] == ["409", "409", "409"]
        assert [error_of(r).get("scimType") for r in results] == ["uniqueness", "uniqueness", None]
        assert total(bulk_api, "/Users") == 0 and total(bulk_api, "/Groups") == 0

    def test_an_unknown_bulk_id(self, bulk_api):
        [result] = send(bulk_api, new_group("g", "G", "bulkId:nobody"))
        assert result["status"] == "400" and error_of(result)["scimType"] == "invalidValue"
        assert "bulkId:nobody" in error_of(result)["detail"] and total(bulk_api, "/Groups") == 0

    def test_a_reference_to_a_failed_operation(self, bulk_api):
        send(bulk_api, new_user("t", "taken"))
        results = send(bulk_api, new_group("g", "G", "bulkId:a"), new_user("a", "taken"))
        assert statuses(results) == [("POST", "g", "409"), ("POST", "a", "409")]
        assert error_of(results[1])["scimType"] == "uniqueness" and "scimType" not in error_of(results[0])
        assert total(bulk_api, "/Groups") == 0

    def test_a_post_without_bulk_id(self, bulk_api):
        [result] = send(bulk_api, new_user(None, "ann"))
        assert result["status"] == "400" and "bulkId" in error_of(result)["detail"]
        assert total(bulk_api, "/Users") == 0


class TestFailOnErrors:
    OPS = (new_user("a", "ann"), new_user("b", "ann"), new_user("c", "cid"), operation("DELETE", "/Users/nobody"),
           new_user("e", "eve"))

    def test_without_it_every_operation_is_performed(self, bulk_api):
        assert [r["status"] for r in send(bulk_api, *self.OPS)] == ["201", "409", "201", "404", "201"]

    def test_one(self, bulk_api):
        results = send(bulk_api, *self.OPS, fail_on_errors=1)
        assert statuses(results) == [("POST", "a", "201"), ("POST", "b", "409")]
        assert set(results[0]) == {"method", "bulkId", "version", "location", "status", "response"}
        assert total(bulk_api, "/Users") == 1

    def test_two(self, bulk_api):
        results = send(bulk_api, *self.OPS, fail_on_errors=2)
        assert statuses(results) == [("POST", "a", "201"), ("POST", "b", "409"), ("POST", "c", "201"),
                                     ("DELETE", None, "404")]
        assert results[3]["location"].endswith("/scim/v2/Users/nobody") and total(bulk_api, "/Users") == 2


class TestEachOperation:
    def test_a_failed_patch_changes_nothing(self, bulk_api):
        group = create_group(bulk_api, "Kept")
        [result] = send(bulk_api, patch_of(f"/Groups/{group['id']}", {"op": "replace", "path": "displayName", "value": "X"},
                                           {"op": "add", "path": "members", "value": [{"value": "x", "type": "Group"}]}))
        assert result["status"] == "400" and error_of(result)["scimType"] == "invalidValue"
        assert get_json(bulk_api, f"/Groups/{group['id']}") == group

    def test_if_match_through_version(self, bulk_api):
        group = create_group(bulk_api, "G")
        rename = {"op": "replace", "path": "displayName", "value": "H"}
        stale, current = send(bulk_api, patch_of(f"/Groups/{group['id']}", rename, version='W/"7"'),
                              patch_of(f"/Groups/{group['id']}", rename, version=group["meta"]["version"]))
        assert (stale["status"], current["status"]) == ("412", "200") and "version" not in stale
        assert current["version"] == 'W/"2"'
        [deleted] = send(bulk_api, operation("DELETE", f"/Groups/{group['id']}", version='W/"1"'))
        assert deleted["status"] == "412" and total(bulk_api, "/Groups") == 1
        [deleted] = send(bulk_api, operation("DELETE", f"/Groups/{group['id']}", version='W/"2"'))
        assert deleted["status"] == "204" and "response" not in deleted and total(bulk_api, "/Groups") == 0

    def test_change_records_carry_the_principal_and_the_request_id(self, bulk_api):
        send(bulk_api, new_group("g", "G", "bulkId:a"), new_user("a", "ann"), headers={"X-Request-ID": "bulk-req-7"})
        records = changes(bulk_api)
        assert [(c.operation, c.resource_type) for c in records] == [("create", "User"), ("create", "Group")]
        assert {(c.principal, c.request_id) for c in records} == {(USERNAME, "bulk-req-7")}

    def test_the_credentials_policy_applies(self, make_bulk_api):
        strict = CredentialSettings(name="strict", username="strict-idp", password="strict-pass-91c2", policy="strict")
        api = make_bulk_api(auth=(CredentialSettings(username=USERNAME, password=PASSWORD), strict))
        unknown = new_user("a", "ann", nonsense="x")
        assert [r["status"] for r in send(api, unknown)] == ["201"]
        [refused] = send(api, {**unknown, "data": {**unknown["data"], "userName": "bob"}},
                         headers=basic("strict-idp", "strict-pass-91c2"))
        assert refused["status"] == "400" and {c.principal for c in changes(api)} == {USERNAME}

    def test_bulk_needs_credentials(self, bulk_api):
        resp = bulk_api.post("/Bulk", {"schemas": [], "Operations": []}, auth=False)
        assert_scim_error(resp, 401)
        assert AUTH["Authorization"] not in resp.get_data(as_text=True)
