"""userNames on the wire (RFC 8265 §3.3): what the profile forbids is a 400 that writes nothing,
in a POST, a PUT and a PATCH; lookalikes of a taken name are 409 and are found by its filter."""

from __future__ import annotations

import pytest

from tests.http.support import (
    assert_scim_error,
    create_user,
    get_json,
    search,
    send_patch,
    total,
    user_body,
)

FORBIDDEN = ["alice ", " alice", "al\u200bice", "al\u00adice", "al\tice", "ali\u00a0ce", "alice\ufeff"]


@pytest.mark.parametrize("name", FORBIDDEN, ids=ascii)
def test_a_forbidden_user_name_is_400_in_every_write_and_nothing_changes(api, name):
    user = create_user(api, "alice")
    assert_scim_error(api.post("/Users", user_body(name)), 400, "invalidValue")
    assert_scim_error(api.put(f"/Users/{user['id']}", user_body(name)), 400, "invalidValue")
    resp = send_patch(api, f"/Users/{user['id']}", {"op": "replace", "path": "userName", "value": name})
    body = assert_scim_error(resp, 400, "invalidValue")
    assert body["detail"].startswith("userName: ")
    assert get_json(api, f"/Users/{user['id']}")["userName"] == "alice" and total(api, "/Users") == 1


@pytest.mark.parametrize("lookalike", ["ALICE", "Ａｌｉｃｅ", "ａlice"], ids=ascii)
def test_a_lookalike_of_a_taken_name_is_409_and_its_filter_finds_the_owner(api, lookalike):
    owner = create_user(api, "alice")
    assert_scim_error(api.post("/Users", user_body(lookalike)), 409, "uniqueness")
    found = search(api, "/Users", f'userName eq "{lookalike}"')
    assert [r["id"] for r in found["Resources"]] == [owner["id"]]
