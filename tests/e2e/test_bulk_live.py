"""POST /Bulk against the real gunicorn, on SQLite and PostgreSQL, with limits of its own
(scim.bulk.max_operations and max_payload_bytes below the defaults): users and groups that refer
to each other by bulkId in any order, circular references, failOnErrors, failed operations that
write nothing; every `location` of an answer read back with GET, its ETag the answer's `version`
and its body the answer's `response`. ServiceProviderConfig's `bulk` says the configured limits,
and they hold at exactly those values: one more operation, or one more byte, is 413, before the
body is parsed (a body that is no JSON at all), or read (a Content-Length past the limit with no
body sent)."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.harness import SCIM_PATH, USERNAME, LiveServer, serving

pytestmark = pytest.mark.e2e

MAX_OPERATIONS, MAX_PAYLOAD = 40, 24_000
BULK_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture(scope="module")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """gunicorn -c gunicorn.conf.py wsgi:app with scim.bulk limits of its own."""
    limits = {"max_operations": MAX_OPERATIONS, "max_payload_bytes": MAX_PAYLOAD}
    with serving(backend, tmp_path_factory.mktemp(f"bulk-{backend}"), token=False, bulk=limits) as live:
        yield live


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client
    assert not server.problems(), "\n".join(server.problems()[:20])


# ---- requests ----------------------------------------------------------------------------------


def user(bulk_id: str, name: str, manager: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"schemas": [USER_URN], "userName": name}
    if manager is not None:
        data[ENTERPRISE] = {"manager": {"value": manager}}
    return {"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": data}


def group(bulk_id: str, name: str, *members: str, kind: str | None = None) -> dict[str, Any]:
    values = [{"value": m, **({"type": kind} if kind else {})} for m in members]
    return {"method": "POST", "path": "/Groups", "bulkId": bulk_id,
            "data": {"schemas": [GROUP_URN], "displayName": name, "members": values}}


def patch(path: str, *operations: dict[str, Any]) -> dict[str, Any]:
    return {"method": "PATCH", "path": path, "data": {"schemas": [PATCH_URN], "Operations": list(operations)}}


def envelope(*operations: dict[str, Any], fail_on_errors: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [BULK_URN], "Operations": list(operations)}
    if fail_on_errors is not None:
        body["failOnErrors"] = fail_on_errors
    return body


def bulk(http: httpx.Client, *operations: dict[str, Any], fail_on_errors: int | None = None,
         moved: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    """The BulkResponse's operations, after every location it names is read back (`moved`: the
    indexes of the users that later operations put in groups, see read_back)."""
    resp = http.post("Bulk", json=envelope(*operations, fail_on_errors=fail_on_errors))
    assert resp.status_code == 200, resp.text
    assert resp.json()["schemas"] == [BULK_RESPONSE]
    results: list[dict[str, Any]] = resp.json()["Operations"]
    read_back(http, results, frozenset(results[i]["location"] for i in moved))
    return results


def _number(version: str) -> int:
    return int(version.removeprefix('W/"').removesuffix('"'))


def read_back(http: httpx.Client, results: list[dict[str, Any]], moved: frozenset[str] = frozenset()) -> None:
    """GET each location the answer names: what the last success on it answered (the highest
    `version`: operations run in dependency order, not the request's) is what is stored, its
    ETag the `version` and its body the `response`; after a DELETE there is nothing; a failed
    POST names no location. One exception, named in `moved`: a user that a later operation of
    the request put in a group or took out of one (its read-only `groups` and so its version
    changed after its own answer), which must differ in nothing else."""
    by_location: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        if "location" not in result:
            assert result["method"] == "POST" and int(result["status"]) >= 400, result
            continue
        assert result["location"].startswith(str(http.base_url)), result["location"]
        if int(result["status"]) < 300:
            by_location.setdefault(result["location"], []).append(result)
    for location, done in by_location.items():
        got = http.get(location)
        if any(r["status"] == "204" for r in done):
            assert got.status_code == 404, got.text
            continue
        last = max(done, key=lambda r: _number(r["version"]))
        assert got.status_code == 200, got.text
        assert got.headers["ETag"] == got.json()["meta"]["version"]
        assert got.json()["meta"]["location"] == location
        if location in moved:
            assert _number(got.headers["ETag"]) > _number(last["version"]), location
            assert _without_groups(got.json()) == _without_groups(last["response"])
        else:
            assert got.headers["ETag"] == last["version"] and got.json() == last["response"]


def _without_groups(user: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in user["meta"].items() if k not in ("version", "lastModified")}
    return {**{k: v for k, v in user.items() if k != "groups"}, "meta": meta}


def error(result: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = result["response"]
    assert body["schemas"] == [ERROR_URN] and body["status"] == result["status"]
    return body


def ids(resources: list[dict[str, Any]]) -> set[str]:
    return {m["value"] for m in resources}


def count(http: httpx.Client, endpoint: str, filter_: str) -> int:
    found = http.get(endpoint, params={"filter": filter_, "count": 0})
    assert found.status_code == 200, found.text
    return int(found.json()["totalResults"])


# ---- references, cycles, errors --------------------------------------------------------------------


def test_groups_before_the_users_they_hold_and_a_patch_by_bulk_id(http: httpx.Client) -> None:
    results = bulk(
        http,
        patch("/Groups/bulkId:eng", {"op": "remove", "path": 'members[value eq "bulkId:ann"]'},
              {"op": "add", "path": "members", "value": [{"value": "bulkId:cid"}]}),
        group("eng", "live-engineering", "bulkId:ann", "bulkId:bob"),
        group("ops", "live-operations", "bulkId:bob", "bulkId:cid"),
        user("ann", "live-ann"), user("bob", "live-bob"), user("cid", "live-cid", manager="bulkId:bob"),
        moved=(3, 4, 5))
    assert [r["status"] for r in results] == ["200", "201", "201", "201", "201", "201"]
    ann, bob, cid = (r["response"]["id"] for r in results[3:])
    eng, ops = (http.get(r["location"]).json() for r in results[1:3])
    assert ids(eng["members"]) == {bob, cid} and ids(ops["members"]) == {bob, cid}
    assert results[0]["location"] == results[1]["location"] and results[0]["version"] == eng["meta"]["version"]
    assert results[5]["response"][ENTERPRISE]["manager"]["value"] == bob
    assert {g["value"] for g in http.get(f"Users/{bob}").json()["groups"]} == {eng["id"], ops["id"]}
    assert "groups" not in http.get(f"Users/{ann}").json()


def test_a_cycle_of_users_is_resolved_and_groups_in_each_other_leave_nothing(http: httpx.Client) -> None:
    a, b = bulk(http, user("a", "live-cycle-a", manager="bulkId:b"), user("b", "live-cycle-b", manager="bulkId:a"))
    assert (a["status"], b["status"]) == ("201", "201")
    assert a["response"][ENTERPRISE]["manager"]["value"] == b["response"]["id"]
    assert b["response"][ENTERPRISE]["manager"]["value"] == a["response"]["id"]
    assert b["version"] == 'W/"2"'  # created without its manager, then PATCHed once `a` existed
    # groups hold users only: the RFC's group-in-group cycle is broken, then refused as nesting
    g, h = bulk(http, group("g", "live-nest-g", "bulkId:h", kind="Group"), group("h", "live-nest-h", "bulkId:g", kind="Group"))
    assert (g["status"], h["status"]) == ("400", "409")
    assert error(g)["scimType"] == "invalidValue" and "location" not in h
    assert count(http, "Groups", 'displayName sw "live-nest-"') == 0


def test_fail_on_errors_stops_and_what_was_not_started_is_not_written(http: httpx.Client) -> None:
    ops = (user("x", "live-stop-1"), user("y", "live-stop-1"), user("z", "live-stop-2"),
           {"method": "DELETE", "path": "/Users/no-such-user"}, user("w", "live-stop-3"))
    results = bulk(http, *ops, fail_on_errors=1)
    assert [(r["bulkId"], r["status"]) for r in results] == [("x", "201"), ("y", "409")]
    assert error(results[1])["scimType"] == "uniqueness"
    assert count(http, "Users", 'userName sw "live-stop-"') == 1
    again = (user("x", "live-stop-4"), user("y", "live-stop-4"), user("z", "live-stop-5"),
             {"method": "DELETE", "path": "/Users/no-such-user"}, user("w", "live-stop-6"))
    results = bulk(http, *again, fail_on_errors=2)
    assert [r["status"] for r in results] == ["201", "409", "201", "404"]
    assert count(http, "Users", 'userName sw "live-stop-"') == 3


def test_a_failed_operation_writes_nothing(http: httpx.Client) -> None:
    [made] = bulk(http, group("kept", "live-kept"))
    before = http.get(made["location"])
    results = bulk(
        http,
        patch(made["location"].split(SCIM_PATH)[1],
              {"op": "replace", "path": "displayName", "value": "live-renamed"},
              {"op": "add", "path": "members", "value": [{"value": "x", "type": "Group"}]}),
        user("bad", "live-bad\u0007name"),
        group("orphan", "live-orphan", "bulkId:bad"),
        {"method": "PUT", "path": made["location"].split(SCIM_PATH)[1], "version": 'W/"99"',
         "data": {"schemas": [GROUP_URN], "displayName": "live-stale"}})
    assert [r["status"] for r in results] == ["400", "400", "409", "412"]
    after = http.get(made["location"])
    assert after.json() == before.json() and after.headers["ETag"] == before.headers["ETag"]
    assert count(http, "Users", 'userName sw "live-bad"') == 0
    assert count(http, "Groups", 'displayName eq "live-orphan"') == 0


# ---- the limits ServiceProviderConfig tells ----------------------------------------------------


def padded(body: dict[str, Any], size: int) -> bytes:
    """`body` as JSON followed by spaces (insignificant whitespace) to exactly `size` bytes."""
    raw = json.dumps(body).encode()
    assert len(raw) <= size
    return raw + b" " * (size - len(raw))


def post_raw(http: httpx.Client, content: bytes | Iterator[bytes]) -> httpx.Response:
    return http.post("Bulk", content=content, headers={"Content-Type": "application/scim+json"})


def test_service_provider_config_tells_the_configured_limits(http: httpx.Client) -> None:
    spc = http.get("ServiceProviderConfig").json()["bulk"]
    assert spc == {"supported": True, "maxOperations": MAX_OPERATIONS, "maxPayloadSize": MAX_PAYLOAD}


def test_max_operations_holds_at_exactly_its_value(http: httpx.Client) -> None:
    limit = http.get("ServiceProviderConfig").json()["bulk"]["maxOperations"]
    deletes = [{"method": "DELETE", "path": f"/Users/none-{i}"} for i in range(limit)]
    results = bulk(http, *deletes)
    assert [r["status"] for r in results] == ["404"] * limit
    resp = http.post("Bulk", json=envelope(*deletes, user("one-more", "live-one-more")))
    assert resp.status_code == 413 and resp.json()["schemas"] == [ERROR_URN]
    assert resp.json()["detail"] == f"{limit + 1} operations exceed maxOperations ({limit})"
    assert count(http, "Users", 'userName eq "live-one-more"') == 0


def test_max_payload_size_holds_at_exactly_its_value(http: httpx.Client) -> None:
    limit = http.get("ServiceProviderConfig").json()["bulk"]["maxPayloadSize"]
    body = envelope(user("p", "live-payload"))
    assert post_raw(http, padded(body, limit + 1)).status_code == 413
    assert count(http, "Users", 'userName eq "live-payload"') == 0
    resp = post_raw(http, padded(body, limit))
    assert resp.status_code == 200 and resp.json()["Operations"][0]["status"] == "201"


def test_an_oversized_body_is_413_before_it_is_parsed(http: httpx.Client, server: LiveServer) -> None:
    limit = http.get("ServiceProviderConfig").json()["bulk"]["maxPayloadSize"]
    garbage = b"{" * (limit + 1)  # no JSON: parsed, it would be a 400
    resp = post_raw(http, garbage)
    assert resp.status_code == 413 and resp.json()["status"] == "413"
    assert str(limit) in resp.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked, refused once it passes the limit
        for _ in range(limit // 1000 + 2):
            yield b"[" * 1000

    assert post_raw(http, chunks()).status_code == 413


def test_a_content_length_past_the_limit_is_413_before_the_body_is_sent(server: LiveServer) -> None:
    """Only the headers go out: an answer proves the body was never waited for."""
    limit = MAX_PAYLOAD
    credentials = base64.b64encode(f"{USERNAME}:{server.password}".encode()).decode()
    head = (f"POST {SCIM_PATH}/Bulk HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Authorization: Basic {credentials}\r\nContent-Type: application/scim+json\r\n"
            f"Content-Length: {limit * 1000}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413"), answer[:300]
    assert f"the request body's {limit * 1000} bytes exceed maxPayloadSize ({limit})".encode() in rest
