"""POST /Bulk as a request: its limits (RFC 7644 §3.7.4, 413 before the body is parsed), its
envelope (400 invalidSyntax for the whole request), and each operation answering exactly what
the same request sent alone answers."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest

from app.settings import BulkSettings
from tests.conftest import AUTH
from tests.http.bulk_support import (
    bulk_body,
    new_user,
    operation,
    send,
)
from tests.http.support import (
    BULK_URN,
    GROUP_URN,
    PATCH_URN,
    USER_URN,
    assert_scim_error,
    create_user,
    raw,
    total,
)


def small(make_client: Any, **bulk: Any) -> Any:
    return make_client(bulk=BulkSettings(**bulk))


class TestLimits:
    def test_a_content_length_past_max_payload_is_413_before_the_body_is_read(self, make_client):
        api = small(make_client, max_payload_bytes=100)
        resp = raw(api, "POST", "/Bulk", b"{" * 101)  # not JSON: never parsed
        detail = assert_scim_error(resp, 413)["detail"]
        assert detail == "the request body's 101 bytes exceed maxPayloadSize (100)"

    def test_a_chunked_body_past_max_payload_is_413(self, make_client):
        api = small(make_client, max_payload_bytes=100)
        body = json.dumps(bulk_body(new_user("a", "x" * 200))).encode()
        headers = {**AUTH, "Content-Type": "application/scim+json", "Transfer-Encoding": "chunked"}
        resp = api.raw.open("/scim/v2/Bulk", method="POST", input_stream=io.BytesIO(body), headers=headers,
                            environ_overrides={"wsgi.input_terminated": True})
        assert "maxPayloadSize (100 bytes)" in assert_scim_error(resp, 413)["detail"]
        assert total(api, "/Users") == 0

    def test_a_body_of_exactly_max_payload_is_read(self, make_client):
        body = json.dumps(bulk_body(new_user("a", "ann"))).encode()
        api = small(make_client, max_payload_bytes=len(body))
        assert raw(api, "POST", "/Bulk", body).status_code == 200

    def test_more_operations_than_max_operations_is_413_before_any_is_read(self, make_client):
        api = small(make_client, max_operations=2)
        resp = api.post("/Bulk", {"schemas": [BULK_URN], "Operations": [1, 2, 3]})  # not operations: never read
        assert assert_scim_error(resp, 413)["detail"] == "3 operations exceed maxOperations (2)"
        resp = api.post("/Bulk", bulk_body(new_user("a", "a"), new_user("b", "b"), new_user("c", "c")))
        assert_scim_error(resp, 413)
        assert total(api, "/Users") == 0
        assert len(send(api, new_user("a", "a"), new_user("b", "b"))) == 2


ONE = {"method": "DELETE", "path": "/Users/nobody"}


class TestEnvelope:
    @pytest.mark.parametrize(("body", "detail"), [
        ({"Operations": []}, "'schemas' must contain urn:ietf:params:scim:api:messages:2.0:BulkRequest"),
        ({"schemas": [PATCH_URN], "Operations": []}, "'schemas' must contain"),
        ({"schemas": [BULK_URN]}, "'Operations' must be a non-empty list"),
        ({"schemas": [BULK_URN], "Operations": {"method": "POST"}}, "'Operations' must be a non-empty list"),
        ({"schemas": [BULK_URN], "Operations": []}, "'Operations' must be a non-empty list"),
        ({"schemas": [BULK_URN], "Operations": None}, "'Operations' must be a non-empty list"),
        ({"schemas": [BULK_URN], "Operations": [7]}, "each operation must be an object"),
        ({"schemas": [BULK_URN], "Operations": [{"path": "/Users"}]}, "each operation needs a 'method'"),
        ({"schemas": [BULK_URN], "Operations": [{"method": "GET", "path": "/Users"}]}, "each operation needs a 'method'"),
        ({"schemas": [BULK_URN], "Operations": [{"method": "DELETE"}]}, "each operation needs a 'path'"),
        ({"schemas": [BULK_URN], "Operations": [{"method": "DELETE", "path": "/Users/x", "bulkId": 4}]},
         "'bulkId' must be a string"),
        ({"schemas": [BULK_URN], "Operations": [ONE], "failOnErrors": 0}, "'failOnErrors' must be an integer"),
        ({"schemas": [BULK_URN], "Operations": [ONE], "failOnErrors": "1"}, "'failOnErrors' must be an integer"),
    ])
    def test_a_malformed_bulk_request_is_400_invalid_syntax(self, client, body, detail):
        resp = client.post("/Bulk", body)
        assert assert_scim_error(resp, 400, "invalidSyntax")["detail"].startswith(detail)

    @pytest.mark.parametrize("data", [b"", b"[]", b"{", b'{"schemas": NaN}'])
    def test_a_body_that_is_no_json_object_is_400_invalid_syntax(self, client, data):
        assert_scim_error(raw(client, "POST", "/Bulk", data), 400, "invalidSyntax")

    def test_names_are_case_insensitive(self, client):
        resp = client.post("/Bulk", {"SCHEMAS": [BULK_URN.upper()], "operations": [
            {"METHOD": "post", "PATH": "/Users", "BulkID": "a", "Data": {"userName": "ann"}}], "FailOnErrors": 1})
        assert resp.status_code == 200 and resp.json["Operations"][0]["status"] == "201"
        assert resp.json["Operations"][0]["method"] == "POST"

    def test_an_empty_operations_list_is_400_and_writes_nothing(self, client):
        """RFC 7644 §3.7: `Operations` is REQUIRED; RFC 7643 §2.5: an empty multi-valued
        attribute is an unassigned one."""
        resp = client.post("/Bulk", {**bulk_body(), "failOnErrors": 1})
        assert assert_scim_error(resp, 400, "invalidSyntax")["detail"] == "'Operations' must be a non-empty list"


def _normal(body: Any) -> Any:
    """A body with its ids and times replaced, to compare two servers' answers."""
    text = json.dumps(body, sort_keys=True)
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", text)
    return json.loads(re.sub(r"\d{4}-\d\d-\d\dT[0-9:.]+Z", "<time>", text))


ALONE: list[tuple[str, str, Any, dict[str, str]]] = [
    ("POST", "/Users", {"schemas": [USER_URN], "userName": "ann", "emails": [{"value": "a@example.com"}]}, {}),
    ("POST", "/Users", {"schemas": [USER_URN], "userName": "ANN"}, {}),  # 409 uniqueness
    ("POST", "/Users", {"schemas": [USER_URN]}, {}),  # 400 required
    ("POST", "/Users", {"schemas": [USER_URN], "userName": "a\u0000b"}, {}),  # 400 forbidden character
    ("POST", "/Users", [1], {}),  # 400 not an object
    ("PUT", "/Users/{ann}", {"schemas": [USER_URN], "userName": "ann", "id": "other"}, {}),  # 400 mutability
    ("PUT", "/Users/{ann}", {"schemas": [USER_URN], "userName": "ann2"}, {"If-Match": 'W/"1"'}),
    ("PATCH", "/Users/{ann}", {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "name[",
                                                                        "value": 1}]}, {}),
    ("PATCH", "/Users/{ann}", {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "title",
                                                                        "value": "x"}]}, {"If-Match": 'W/"1"'}),
    ("PATCH", "/Users/{ann}", {"schemas": [PATCH_URN]}, {}),  # 400 invalidSyntax
    ("POST", "/Groups", {"schemas": [GROUP_URN], "displayName": "G", "members": [{"value": "{ann}"}]}, {}),
    ("POST", "/Groups", {"schemas": [GROUP_URN], "displayName": "G", "members": [{"value": "nobody"}]}, {}),
    ("DELETE", "/Users/nobody", None, {}),
    ("DELETE", "/Users/{ann}", None, {"If-Match": 'W/"9"'}),
    ("POST", "/Users/{ann}", {"schemas": [USER_URN], "userName": "x"}, {}),  # 405
    ("PUT", "/Users", {"schemas": [USER_URN], "userName": "x"}, {}),  # 405
    ("POST", "/Widgets", {"userName": "x"}, {}),  # 404 no route
    ("DELETE", "/Users/{ann}", None, {}),
]


def _reset(api: Any) -> str:
    """Delete every resource (one app per process: dependency wiring is global), then create
    the user `ann0` the requests refer to; its id."""
    for endpoint in ("/Groups", "/Users"):
        for resource in api.get(f"{endpoint}?count=1000").json["Resources"]:
            assert api.delete(f"{endpoint}/{resource['id']}").status_code == 204
    return str(create_user(api, "ann0")["id"])


def _filled(data: Any, ann: str) -> Any:
    return None if data is None else json.loads(json.dumps(data).replace("{ann}", ann))


def test_each_operation_answers_what_the_same_request_alone_answers(bulk_api):
    ann, expected = _reset(bulk_api), []
    for method, path, data, headers in ALONE:
        resp = bulk_api.request(method, path.replace("{ann}", ann), _filled(data, ann), headers=headers)
        expected.append((str(resp.status_code), _normal(resp.json) if resp.data else None, resp.headers.get("ETag")))
    ann = _reset(bulk_api)
    ops = [operation(m, p.replace("{ann}", ann), _filled(d, ann), f"b{i}" if m == "POST" else None, h.get("If-Match"))
           for i, (m, p, d, h) in enumerate(ALONE)]
    results = send(bulk_api, *ops)
    assert [(r["status"], _normal(r.get("response")), r.get("version")) for r in results] == expected
    assert [s for s, _, _ in expected] == ["201", "409", "400", "400", "400", "400", "200", "400", "412", "400",
                                           "201", "400", "404", "412", "405", "405", "404", "204"]


def test_a_group_too_big_for_one_chunk_comes_whole_in_its_response(make_client):
    """Past 2,000 members a group's answer is streamed (responses.resource_response): in a bulk
    response it is read whole."""
    users = [new_user(f"u{i}", f"user{i}") for i in range(2001)]
    group = operation("POST", "/Groups", {"schemas": [GROUP_URN], "displayName": "All",
                                          "members": [{"value": f"bulkId:u{i}"} for i in range(2001)]}, "g")
    results = send(small(make_client, max_operations=2002), group, *users)
    assert results[0]["status"] == "201" and len(results[0]["response"]["members"]) == 2001
    assert {m["value"] for m in results[0]["response"]["members"]} == {r["response"]["id"] for r in results[1:]}
