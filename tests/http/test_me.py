"""/Me on the wire (RFC 7644 §3.11), on SQLite and PostgreSQL: for a credential bound to a user
(a bearer token issued for it, a basic credential's `me`), GET, PUT, PATCH and DELETE answer
exactly what the same request on /Users/{id} answers (status, body, ETag, If-Match,
projection), with Location and meta.location at /Users/{id}; an unbound credential gets 501, a
bound user that does not exist 404, and /Me reaches no other user. OAuth: a client bound to a
user, and an oauth credential's `me`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.http.credentials import CREDENTIALS, OKTA, STRICT, Deployment, bearer
from tests.http.oauth_support import REDIRECT, Registered
from tests.http.support import PATCH_URN, assert_scim_error, user_body

BOUND_BY_NAME = tuple(replace(c, me="BJensen") if c.name == "okta" else c for c in CREDENTIALS)
USERS = "http://localhost/scim/v2/Users"
METHODS = ("GET", "PUT", "PATCH", "DELETE")


def body_of(method: str, user_name: str = "bjensen") -> dict[str, Any] | None:
    if method == "PUT":
        return user_body(user_name, title="Tour Guide")
    if method == "PATCH":
        return {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "title", "value": "Guide"}]}
    return None


def make_user(d: Deployment, user_name: str, **attrs: Any) -> dict[str, Any]:
    resp = d.client.post("/Users", user_body(user_name, **attrs), auth=False, headers=OKTA)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return dict(resp.get_json())


@pytest.fixture
def d(deploy) -> Deployment:
    return deploy(auth=BOUND_BY_NAME)


@pytest.mark.parametrize("query", ["", "?attributes=userName,title", "?excludedAttributes=emails,meta.created"])
def test_get_me_is_the_get_of_the_bound_user_with_its_location(d: Deployment, query: str) -> None:
    user = make_user(d, "bjensen", title="Guide", emails=[{"value": "b@example.com"}])
    make_user(d, "other")
    token = bearer(d.issue("entra", user_id=user["id"]))
    for headers in (token, OKTA):  # bound by id (the token), bound by userName (okta's `me`)
        me = d.client.get("/Me" + query, auth=False, headers=headers)
        alone = d.client.get(f"/Users/{user['id']}{query}", auth=False, headers=headers)
        assert (me.status_code, me.get_json(), me.headers["ETag"]) == (200, alone.get_json(), alone.headers["ETag"])
        assert me.headers["Location"] == f"{USERS}/{user['id']}"
        assert me.headers["Content-Type"] == alone.headers["Content-Type"]
        if not query:
            assert me.get_json()["meta"]["location"] == f"{USERS}/{user['id']}"


def test_if_none_match_on_get_me_is_304_while_current(d: Deployment) -> None:
    user = make_user(d, "bjensen")
    resp = d.client.get("/Me", auth=False, headers=OKTA | {"If-None-Match": user["meta"]["version"]})
    assert resp.status_code == 304 and resp.headers["ETag"] == user["meta"]["version"]
    assert d.client.get("/Me", auth=False, headers=OKTA | {"If-None-Match": 'W/"99"'}).status_code == 200


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_write_on_me_answers_what_the_same_write_on_the_user_answers(d: Deployment, method: str) -> None:
    """Two users alike; one written through /Me, the other through /Users/{id}: the same status,
    body (but for id, location and times) and ETag, and the same audit principal."""
    me_user, twin = make_user(d, "bjensen", title="Old"), make_user(d, "twin", title="Old")
    token = bearer(d.issue("entra", user_id=me_user["id"]))
    via_me = d.client.request(method, "/Me?attributes=title", body_of(method, "bjensen"), auth=False, headers=token)
    alone = d.client.request(method, f"/Users/{twin['id']}?attributes=title", body_of(method, "twin"),
                             auth=False, headers=token)
    assert (via_me.status_code, via_me.headers["ETag"]) == (alone.status_code, alone.headers["ETag"]) == (200, 'W/"2"')
    assert via_me.get_json() | {"id": "x"} == alone.get_json() | {"id": "x"}
    assert via_me.headers["Location"] == f"{USERS}/{me_user['id']}"
    stored = d.client.get(f"/Users/{me_user['id']}", auth=False, headers=OKTA).get_json()
    assert stored["title"] == via_me.get_json()["title"] and stored["userName"] == "bjensen"
    assert d.principals()[-2:] == ["entra", "entra"]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_if_match_on_me_is_checked_as_on_the_user(d: Deployment, method: str) -> None:
    user = make_user(d, "bjensen")
    stale = d.client.request(method, "/Me", body_of(method), auth=False, headers=OKTA | {"If-Match": 'W/"7"'})
    assert_scim_error(stale, 412)
    assert d.client.get(f"/Users/{user['id']}", auth=False, headers=OKTA).get_json() == user  # unchanged
    current = d.client.request(method, "/Me", body_of(method), auth=False,
                               headers=OKTA | {"If-Match": user["meta"]["version"]})
    assert current.status_code == (204 if method == "DELETE" else 200), current.get_data(as_text=True)


def test_delete_me_deletes_the_bound_user_then_me_is_404_and_the_credential_still_works(d: Deployment) -> None:
    user, other = make_user(d, "bjensen"), make_user(d, "other")
    token = bearer(d.issue("entra", user_id=user["id"]))
    resp = d.client.delete("/Me", auth=False, headers=token)
    assert resp.status_code == 204 and "Location" not in resp.headers
    assert_scim_error(d.client.get(f"/Users/{user['id']}", auth=False, headers=OKTA), 404)
    for method in METHODS:
        assert_scim_error(d.client.request(method, "/Me", body_of(method), auth=False, headers=token), 404)
    assert d.client.get(f"/Users/{other['id']}", auth=False, headers=token).status_code == 200


def test_a_binding_by_user_name_finds_the_user_in_any_case_once_it_is_provisioned(d: Deployment) -> None:
    """okta's config says `me: BJensen`: 404 until a user named so (in any case) exists."""
    for method in METHODS:
        detail = assert_scim_error(d.client.request(method, "/Me", body_of(method), auth=False, headers=OKTA), 404)
        assert "BJensen" in detail["detail"]
    user = make_user(d, "bjensen")
    assert d.client.get("/Me", auth=False, headers=OKTA).get_json()["id"] == user["id"]


def test_a_token_s_own_binding_wins_over_its_credential_s_me(deploy) -> None:
    auth = tuple(replace(c, me="bjensen") if c.name == "entra" else c for c in CREDENTIALS)
    d = deploy(auth=auth)
    bjensen, alice = make_user(d, "bjensen"), make_user(d, "alice")
    inherited, own = bearer(d.issue("entra")), bearer(d.issue("entra", user_id=alice["id"]))
    assert d.client.get("/Me", auth=False, headers=inherited).get_json()["id"] == bjensen["id"]
    assert d.client.get("/Me", auth=False, headers=own).get_json()["id"] == alice["id"]


@pytest.mark.parametrize("method", [*METHODS, "POST"])
def test_an_unbound_credential_gets_501_on_me(d: Deployment, method: str) -> None:
    make_user(d, "auditor")  # a user named like the credential's username is not its binding
    for headers in (STRICT, bearer(d.issue("spare")), bearer(d.issue("entra"))):
        resp = d.client.request(method, "/Me", body_of(method) if method != "POST" else user_body("x"),
                                auth=False, headers=headers)
        assert_scim_error(resp, 501)
    assert_scim_error(d.client.request(method, "/Me", auth=False), 401)  # behind authentication


def test_post_me_is_501_for_a_bound_credential_too_and_creates_nothing(d: Deployment) -> None:
    make_user(d, "bjensen")
    assert "self-registration" in assert_scim_error(d.client.post("/Me", user_body("new"), auth=False,
                                                                  headers=OKTA), 501)["detail"]
    listing = d.client.get("/Users", auth=False, headers=OKTA).get_json()
    assert [u["userName"] for u in listing["Resources"]] == ["bjensen"]


def test_me_reaches_no_other_user(d: Deployment) -> None:
    alice, bob = make_user(d, "alice"), make_user(d, "bob")
    token = bearer(d.issue("entra", user_id=alice["id"]))
    put = d.client.put("/Me", user_body("bob", id=bob["id"]), auth=False, headers=token)
    assert_scim_error(put, 400, "mutability")  # the body's id is not the bound user's
    for method in METHODS:  # there is no /Me/{id}
        assert_scim_error(d.client.request(method, f"/Me/{bob['id']}", body_of(method), auth=False,
                                           headers=token), 404)
    assert d.client.patch("/Me", body_of("PATCH"), auth=False, headers=token).get_json()["id"] == alice["id"]
    assert d.client.delete("/Me", auth=False, headers=token).status_code == 204
    assert d.client.get(f"/Users/{bob['id']}", auth=False, headers=OKTA).get_json() == bob


def test_an_oauth_client_bound_to_a_user_has_it_as_me_through_every_grant(oauth) -> None:
    """`oauth client add --user`: the code grant's pair, each pair a refresh rotates to, and a
    client_credentials token are all bound to the client's user; another client's are not."""
    d = oauth(client_credentials=True)
    provisioner = d.register("Okta")
    admin = d.tokens_for(provisioner)["access_token"]
    made = d.scim(admin, "/scim/v2/Users", "POST", user_body("svc-entra"))
    assert made.status_code == 201
    user_id = made.get_json()["id"]
    assert_scim_error(d.scim(admin, "/scim/v2/Me"), 501)
    bound = Registered(*d.container.oauth_clients().add("Entra", [REDIRECT], user_id))
    pair = d.tokens_for(bound)
    rotated = d.refresh(bound, pair["refresh_token"]).get_json()
    alone = d.token(bound, {"grant_type": "client_credentials"}).get_json()
    for access in (pair["access_token"], rotated["access_token"], alone["access_token"]):
        me = d.scim(access, "/scim/v2/Me")
        assert me.status_code == 200 and me.get_json()["id"] == user_id
        assert me.headers["Location"] == f"https://localhost/scim/v2/Users/{user_id}"


def test_an_oauth_credential_s_me_binds_the_tokens_of_every_unbound_client(oauth) -> None:
    d = oauth(me="SVC-OAUTH")
    token = d.tokens_for(d.register("Okta"))["access_token"]
    assert "SVC-OAUTH" in assert_scim_error(d.scim(token, "/scim/v2/Me"), 404)["detail"]
    user_id = d.scim(token, "/scim/v2/Users", "POST", user_body("svc-oauth")).get_json()["id"]
    assert d.scim(token, "/scim/v2/Me").get_json()["id"] == user_id
