"""Bearer tokens against the real gunicorn (2 workers): a token made or revoked with the CLI
while the server runs takes effect at once in every worker, its use shows in `token list`, and
the failure count is the database's, shared by the workers; a token made with `--user` is
that user's /Me in every worker."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.harness import BEARER, LiveServer, run_cli

pytestmark = pytest.mark.e2e


def get(server: LiveServer, token: str, source: str = "127.0.0.1") -> int:
    """GET /Users with this token, from the loopback address `source`."""
    with httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=10) as http:
        return http.get(server.scim_url + "/Users", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_token_made_and_revoked_while_serving_works_and_stops_in_every_worker(live_server: LiveServer) -> None:
    made = run_cli(live_server.config, "token", "create", BEARER, "--expires", "1d", "--note", "rotation")
    assert made.returncode == 0, made.stderr
    fresh = made.stdout.strip()
    assert {get(live_server, fresh) for _ in range(8)} == {200}
    token_id = made.stderr.split()[1]
    listing = run_cli(live_server.config, "token", "list").stdout
    row = next(line for line in listing.splitlines() if token_id in line)
    assert "active" in row and "rotation" in row and row.count("Z") == 3 and " bearer " in row  # created, expires, last used
    assert fresh not in listing and live_server.token not in listing
    assert run_cli(live_server.config, "token", "revoke", token_id).returncode == 0
    assert {get(live_server, fresh) for _ in range(8)} == {401}
    assert get(live_server, live_server.token) == 200  # the other token of the credential lives on


def test_a_token_created_for_a_user_is_its_me_in_every_worker(live_server: LiveServer) -> None:
    with live_server.client() as http:
        made = http.post("Users", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                        "userName": "Me-Live"})
        assert made.status_code == 201, made.text
        user = made.json()
        assert http.get("Me").status_code == 501  # the server's own basic credential is bound to no one
    created = run_cli(live_server.config, "token", "create", BEARER, "--user", "me-live")
    assert created.returncode == 0, created.stderr
    me = {"Authorization": f"Bearer {created.stdout.strip()}"}
    with httpx.Client(base_url=live_server.scim_url + "/", headers=me, timeout=10) as http:
        answers = [http.get("Me") for _ in range(8)]
        assert {(r.status_code, r.json()["id"], r.headers["Location"]) for r in answers} == {
            (200, user["id"], user["meta"]["location"])}
        patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                 "Operations": [{"op": "replace", "path": "title", "value": "Live"}]}
        patched = http.patch("Me", json=patch, headers={"If-Match": user["meta"]["version"]})
        assert (patched.status_code, patched.json()["title"]) == (200, "Live"), patched.text
        assert http.delete("Me").status_code == 204
        assert http.get("Me").status_code == 404
    missing = run_cli(live_server.config, "token", "create", BEARER, "--user", "me-live")
    assert (missing.returncode, missing.stdout) == (1, "") and "no token was issued" in missing.stderr


def test_failures_are_counted_in_the_database_across_workers(live_server: LiveServer) -> None:
    wrong = "scim_" + "W" * 43
    # from an address of its own: the other test's refusals came from 127.0.0.1
    statuses = [get(live_server, wrong, "127.0.0.3") for _ in range(21)]  # default: 20 in 5 minutes
    assert statuses == [401] * 20 + [429], statuses
    assert get(live_server, live_server.token, "127.0.0.3") == 200  # who authenticates still gets in
    assert not live_server.problems(), live_server.problems()
