"""The per-request limits on the wire (scim.limits.*, domain/limits.py): each one configurable, past
it a 400 with its scimType and a detail naming the limit and its key, and nothing written. The
rules themselves are tested where they live (tests/unit/test_limits.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from app.settings import LimitsSettings
from tests.http.support import (
    GROUP_URN,
    assert_scim_error,
    create_group,
    create_user,
    get_json,
    raw,
    send_patch,
    total,
    user_body,
)

SEARCH_URN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def limited(make_api: Any, **limits: int) -> Any:
    return make_api(limits=LimitsSettings(**limits))


def refused(resp: Any, scim_type: str, key: str, limit: int) -> None:
    body = assert_scim_error(resp, 400, scim_type)
    assert f"at most {limit} (scim.limits.{key})" in body["detail"], body


class TestFilters:
    def test_a_filter_past_its_length_is_invalid_filter_in_a_get_and_in_a_search(self, make_api):
        api = limited(make_api, filter_length=30)
        ok, long = 'userName eq "abcdefghijklmnop"', 'userName eq "abcdefghijklmnopq"'
        assert len(ok) == 30 and api.get(f"/Users?filter={quote(ok)}").status_code == 200
        refused(api.get(f"/Users?filter={quote(long)}"), "invalidFilter", "filter_length", 30)
        body = {"schemas": [SEARCH_URN], "filter": long}
        refused(api.post("/Users/.search", body), "invalidFilter", "filter_length", 30)

    def test_a_filter_past_its_depth_is_invalid_filter(self, make_api):
        api = limited(make_api, filter_depth=2)
        assert api.get(f"/Users?filter={quote('((userName pr))')}").status_code == 200
        refused(api.get(f"/Users?filter={quote('(((userName pr)))')}"), "invalidFilter", "filter_depth", 2)


class TestBodies:
    def test_a_body_nested_past_json_depth_is_invalid_syntax_and_writes_nothing(self, make_api):
        api = limited(make_api, json_depth=3)
        assert api.post("/Users", user_body("flat", x={"y": {"z": 1}})).status_code == 201  # 3 levels
        refused(api.post("/Users", user_body("deep", x={"y": {"z": []}})), "invalidSyntax", "json_depth", 3)
        assert total(api, "/Users") == 1

    def test_too_many_attributes_are_invalid_value_unknown_ones_counted(self, make_api):
        api = limited(make_api, attributes=3)  # userName, name and its givenName (schemas is the envelope)
        assert api.post("/Users", user_body("four", name={"givenName": "a"})).status_code == 201
        resp = api.post("/Users", user_body("five", name={"givenName": "a"}, unknownThing=1))
        refused(resp, "invalidValue", "attributes", 3)
        assert total(api, "/Users") == 1

    def test_a_long_multi_valued_attribute_is_invalid_value_in_a_post_and_a_patch(self, make_api):
        api = limited(make_api, multi_valued=2)
        emails = [{"value": f"e{i}@example.com"} for i in range(3)]
        refused(api.post("/Users", user_body("many", emails=emails)), "invalidValue", "multi_valued", 2)
        user = create_user(api, "two", emails=emails[:2])
        resp = send_patch(api, f"/Users/{user['id']}", {"op": "add", "path": "emails", "value": [emails[2]]})
        refused(resp, "invalidValue", "multi_valued", 2)
        assert len(get_json(api, f"/Users/{user['id']}")["emails"]) == 2

    def test_members_are_not_a_multi_valued_limit_they_have_their_own_cap(self, make_api):
        api = limited(make_api, multi_valued=1, attributes=5)
        users = [create_user(api, f"m{i}")["id"] for i in range(4)]
        assert len(create_group(api, "team", users)["members"]) == 4

    def test_a_string_past_string_length_is_invalid_value(self, make_api):
        api = limited(make_api, string_length=10)
        assert api.post("/Users", user_body("a", nickName="x" * 10)).status_code == 201
        refused(api.post("/Users", user_body("b", nickName="x" * 11)), "invalidValue", "string_length", 10)
        assert total(api, "/Users") == 1

    def test_too_many_patch_operations_are_invalid_value_and_change_nothing(self, make_api):
        api = limited(make_api, patch_operations=2)
        user = create_user(api, "p", nickName="before")
        ops = [{"op": "replace", "path": "nickName", "value": f"v{i}"} for i in range(3)]
        refused(send_patch(api, f"/Users/{user['id']}", *ops), "invalidValue", "patch_operations", 2)
        assert get_json(api, f"/Users/{user['id']}")["nickName"] == "before"
        assert send_patch(api, f"/Users/{user['id']}", *ops[:2]).status_code == 200


class TestAttributeLists:
    @pytest.mark.parametrize("param", ["attributes", "excludedAttributes"])
    def test_a_long_attribute_list_is_invalid_value_in_a_get_and_a_search(self, make_api, param):
        api = limited(make_api, attribute_list=2)
        user = create_user(api, "a")
        assert api.get(f"/Users/{user['id']}?{param}=userName,nickName").status_code == 200
        refused(api.get(f"/Users/{user['id']}?{param}=userName,nickName,title"),
                "invalidValue", "attribute_list", 2)
        body = {"schemas": [SEARCH_URN], param: ["userName", "nickName", "title"]}
        refused(api.post("/Users/.search", body), "invalidValue", "attribute_list", 2)


def test_the_defaults_take_a_large_but_sane_request(api):
    """The default limits leave real IdP traffic alone: 900 attributes of extension-free data
    would be refused only past 1000, a 60,000-character string is taken."""
    emails = [{"value": f"e{i}@example.com", "type": "work"} for i in range(300)]
    resp = api.post("/Users", user_body("big", emails=emails, nickName="n" * 60_000))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    group = raw(api, "POST", "/Groups", f'{{"schemas": ["{GROUP_URN}"], "displayName": "g"}}')
    assert group.status_code == 201
