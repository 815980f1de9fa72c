"""Two gunicorn instances on different ports sharing one PostgreSQL behave as one service: what
one writes the other reads, cursors and ETags made by one are honoured by the other (the secret
key is stored in the database), bearer tokens and OAuth tokens work and are revoked on both, and
failed authentications are counted together (the throttle's counters are in the database)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.harness import BEARER, USERNAME, create_token, run_cli
from tests.e2e.pair import FAILURES, USER_URN, Pair

pytestmark = [pytest.mark.e2e, pytest.mark.pg]


def test_what_one_writes_the_other_reads_with_the_same_etag(pair: Pair) -> None:
    with pair.client(0) as a, pair.client(1) as b:
        made = a.post("Users", json={"schemas": [USER_URN], "userName": "shared"})
        assert made.status_code == 201
        uid, etag = made.json()["id"], made.headers["ETag"]
        read = b.get(f"Users/{uid}")
        assert read.json()["userName"] == "shared" and read.headers["ETag"] == etag
        patched = b.patch(f"Users/{uid}", headers={"If-Match": etag}, json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "nickName", "value": "from-b"}]})
        assert patched.status_code == 200
        assert a.get(f"Users/{uid}", headers={"If-None-Match": patched.headers["ETag"]}).status_code == 304
        assert a.delete(f"Users/{uid}").status_code == 204
        assert b.get(f"Users/{uid}").status_code == 404


def test_a_cursor_from_one_instance_pages_on_the_other(pair: Pair) -> None:
    with pair.client(0) as a, pair.client(1) as b:
        made = {a.post("Users", json={"schemas": [USER_URN], "userName": f"page-{i}"}).json()["id"] for i in range(5)}
        seen, cursor, turn = [], "", 0
        while True:
            page = (a, b)[turn % 2].get("Users", params={"filter": 'userName sw "page-"', "count": 2,
                                                        "cursor": cursor}).json()
            seen += [r["id"] for r in page["Resources"]]
            turn += 1
            if "nextCursor" not in page:
                break
            cursor = page["nextCursor"]
        assert turn == 3 and sorted(seen) == sorted(made)


def test_a_bearer_token_works_on_both_and_its_revocation_too(pair: Pair) -> None:
    token = create_token(pair.config)
    bearer = {"Authorization": f"Bearer {token}"}
    for which in (0, 1):
        with pair.client(which, auth=None, headers=bearer) as http:
            assert http.get("Users", params={"count": 0}).status_code == 200
    listed = run_cli(pair.config, "token", "list").stdout
    token_id = re.search("^" + re.escape(BEARER) + r"\s.*?([0-9a-f-]{36})", listed, re.M)
    assert token_id, listed
    assert run_cli(pair.config, "token", "revoke", token_id.group(1)).returncode == 0
    for which in (0, 1):
        with pair.client(which, auth=None, headers=bearer) as http:
            assert http.get("Users", params={"count": 0}).status_code == 401


def test_an_oauth_token_from_one_is_good_on_the_other_until_revoked_there(pair: Pair) -> None:
    added = run_cli(pair.config, "oauth", "client", "add", "idp", "--redirect-uri", "http://127.0.0.1/cb").stdout
    client_id = re.search(r"client id:\s+(\S+)", added).group(1)  # type: ignore[union-attr]
    secret = re.search(r"client secret:\s+(\S+)", added).group(1)  # type: ignore[union-attr]
    issued = httpx.post(pair.origin(0) + "/oauth2/token", data={"grant_type": "client_credentials"},
                        auth=(client_id, secret), timeout=30)
    assert issued.status_code == 200, issued.text
    access = issued.json()["access_token"]
    with pair.client(1, auth=None, headers={"Authorization": f"Bearer {access}"}) as b:
        assert b.get("Users", params={"count": 0}).status_code == 200
    revoked = httpx.post(pair.origin(1) + "/oauth2/revoke", data={"token": access}, auth=(client_id, secret),
                         timeout=30)
    assert revoked.status_code == 200
    with pair.client(0, auth=None, headers={"Authorization": f"Bearer {access}"}) as a:
        assert a.get("Users", params={"count": 0}).status_code == 401


def test_failed_authentications_are_counted_across_both(pair: Pair) -> None:
    """From an address of its own (127.0.0.2: the other tests' refusals come from 127.0.0.1)."""
    wrong = httpx.BasicAuth(USERNAME, "not-the-password")

    def attempt(which: int) -> httpx.Response:
        with pair.client(which, auth=wrong, transport=httpx.HTTPTransport(local_address="127.0.0.2")) as http:
            return http.get("Users")

    assert [attempt(turn % 2).status_code for turn in range(FAILURES)] == [401] * FAILURES
    for which in (0, 1):
        resp = attempt(which)
        assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
