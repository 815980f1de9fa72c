"""Every error under /scim/v2 is a SCIM Error body (RFC 7644 §3.12), and client input never makes a 500."""

from __future__ import annotations

import io
import json

import pytest

from app.settings import BulkSettings, ServerSettings
from tests.conftest import AUTH, make_settings
from tests.http.support import (
    ERROR_URN,
    SCIM_UTF8,
    USER_URN,
    assert_scim_error,
    create_user,
    get_json,
    raw,
    total,
    user_body,
)


class TestMalformedBodies:
    @pytest.mark.parametrize("data", [
        b'{"userName": "a",}', b'{"userName": "a"', b"{userName: 'a'}", b"not json at all",
        b'{"userName": "a"} trailing', b'{"userName": NaN}', b'{"userName": "a", "x": Infinity}',
        b'{"userName": "a", "x": -Infinity}', b"\xef\xbb\xbf{\"userName\": \"bom\"}",
    ], ids=repr)
    def test_malformed_json_is_400_invalid_syntax(self, client, data):
        assert_scim_error(raw(client, "POST", "/Users", data), 400, "invalidSyntax")
        assert total(client, "/Users") == 0

    @pytest.mark.parametrize("data", [b"", b"   \n", b"null", b"[]", b'[{"userName": "a"}]', b'"a string"',
                                      b"42", b"true"])
    def test_an_empty_body_or_a_body_that_is_not_an_object_is_400_invalid_syntax(self, client, data):
        assert_scim_error(raw(client, "POST", "/Users", data), 400, "invalidSyntax")

    def test_a_body_that_is_not_utf8_is_400_invalid_syntax(self, client):
        data = '{"userName": "caf\u00e9"}'.encode("latin-1")
        assert_scim_error(raw(client, "POST", "/Users", data), 400, "invalidSyntax")

    @pytest.mark.parametrize("nesting", ["[" * 100_000, "{\"a\":" * 100_000, "[" * 100_000 + "]" * 100_000])
    def test_deeply_nested_json_is_400_not_500(self, client, nesting):
        resp = raw(client, "POST", "/Users", nesting.encode())
        assert_scim_error(resp, 400, "invalidSyntax")

    def test_nesting_at_the_limit_is_read_and_one_deeper_is_400_naming_the_limit(self, client):
        def body(depth: int) -> bytes:  # the body object is level 1
            deep = "[" * (depth - 1) + "]" * (depth - 1)
            return f'{{"userName": "deep{depth}", "unknownAttribute": {deep}}}'.encode()

        assert raw(client, "POST", "/Users", body(32)).status_code == 201
        resp = raw(client, "POST", "/Users", body(33))
        assert_scim_error(resp, 400, "invalidSyntax")
        assert "at most 32 (scim.limits.json_depth)" in resp.json["detail"]
        assert total(client, "/Users") == 1

    def test_an_integer_with_thousands_of_digits_is_400_not_500(self, client):
        data = b'{"userName": "big", "nickName": ' + b"9" * 5000 + b"}"
        resp = raw(client, "POST", "/Users", data)
        assert resp.status_code == 400, resp.get_data(as_text=True)
        assert resp.json["schemas"] == [ERROR_URN] and resp.json["status"] == "400"
        assert resp.json.get("scimType") in ("invalidSyntax", "invalidValue")
        assert total(client, "/Users") == 0

    def test_wrong_types_are_400_invalid_value(self, client):
        err = assert_scim_error(client.post("/Users", {"userName": ["list"], "active": "maybe"}), 400,
                                "invalidValue")
        assert "userName" in err["detail"] and "active" in err["detail"]


class TestForbiddenCharacters:
    @pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\udfff", "\\u0001", "\\u001f", "\\u0008",
                                        "\\u000b", "\\u000c", "\\u001b"])
    def test_a_forbidden_character_in_a_value_is_400(self, client, escape):
        data = f'{{"userName": "a{escape}b"}}'.encode()
        assert_scim_error(raw(client, "POST", "/Users", data), 400, "invalidValue")
        assert total(client, "/Users") == 0

    @pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\u0007"])
    def test_a_forbidden_character_in_a_key_is_400_even_in_an_ignored_attribute(self, client, escape):
        data = f'{{"userName": "a", "x{escape}": "v"}}'.encode()
        assert_scim_error(raw(client, "POST", "/Users", data), 400, "invalidValue")

    def test_a_forbidden_character_deep_inside_a_complex_value_is_400(self, client):
        body = '{"userName": "a", "emails": [{"value": "x@example.com", "display": "\\u0000"}]}'
        assert_scim_error(raw(client, "POST", "/Users", body.encode()), 400, "invalidValue")

    def test_a_forbidden_character_in_a_put_is_400_and_changes_nothing(self, client):
        created = create_user(client, "clean")
        body = b'{"userName": "clean", "title": "\\u0000"}'
        assert_scim_error(raw(client, "PUT", f"/Users/{created['id']}", body), 400, "invalidValue")
        assert get_json(client, f"/Users/{created['id']}") == created

    def test_tab_newline_and_carriage_return_are_allowed(self, client):
        resp = client.post("/Users", user_body("ws", title="a\tb\nc\r\nd"))
        assert resp.status_code == 201 and resp.json["title"] == "a\tb\nc\r\nd"

    def test_a_valid_surrogate_pair_and_other_unicode_are_kept(self, client):
        data = b'{"userName": "emoji\\ud83d\\ude00", "displayName": "\xc3\xa9\xe2\x80\x8b\xef\xbf\xbf"}'
        resp = raw(client, "POST", "/Users", data)
        assert resp.status_code == 201
        assert resp.json["userName"] == "emoji\U0001F600"
        assert resp.json["displayName"] == "\u00e9\u200b\uffff"


class TestContentTypes:
    @pytest.mark.parametrize("ctype", ["application/scim+json", "application/json", SCIM_UTF8,
                                       "application/json; charset=UTF-8", "APPLICATION/SCIM+JSON"])
    def test_json_content_types_are_accepted(self, client, ctype):
        resp = raw(client, "POST", "/Users", json.dumps(user_body("ct")), content_type=ctype)
        assert resp.status_code == 201

    @pytest.mark.parametrize("ctype", ["text/plain", "application/xml", "application/x-www-form-urlencoded",
                                       "multipart/form-data; boundary=x"])
    def test_a_non_json_content_type_is_415(self, client, ctype):
        resp = raw(client, "POST", "/Users", json.dumps(user_body("ct")), content_type=ctype)
        assert_scim_error(resp, 415)
        assert total(client, "/Users") == 0

    @pytest.mark.parametrize("charset", ["latin-1", "ISO-8859-1", "utf-16", "windows-1252"])
    def test_a_body_labelled_with_another_charset_than_utf8_is_415_and_writes_nothing(self, client, charset):
        body = json.dumps(user_body("caf\u00e9")).encode("latin-1")
        resp = raw(client, "POST", "/Users", body, content_type=f"application/scim+json; charset={charset}")
        assert "UTF-8" in assert_scim_error(resp, 415)["detail"]
        assert total(client, "/Users") == 0

    @pytest.mark.parametrize("charset", ["utf-8", "UTF8", "Utf_8"])
    def test_utf8_spelled_any_common_way_is_accepted(self, client, charset):
        resp = raw(client, "POST", "/Users", json.dumps(user_body("cs")), content_type=f"application/scim+json; charset={charset}")
        assert resp.status_code == 201

    def test_a_non_json_content_type_on_put_is_415(self, client):
        created = create_user(client, "put415")
        resp = raw(client, "PUT", f"/Users/{created['id']}", json.dumps(user_body("x")), content_type="text/plain")
        assert_scim_error(resp, 415)

    def test_responses_are_application_scim_json(self, client):
        created = create_user(client, "ct")
        for resp in (client.get("/Users"), client.get(f"/Users/{created['id']}"), client.get("/Users/none")):
            assert resp.headers["Content-Type"].startswith("application/scim+json")


class TestBodySize:
    def test_a_body_over_max_body_bytes_is_413(self, make_client):
        small = make_client(make_settings(server=ServerSettings(max_body_bytes=1000)))
        resp = small.post("/Users", user_body("big", title="x" * 2000))
        assert assert_scim_error(resp, 413)["detail"] == "the request body exceeds 1000 bytes (server.max_body_bytes)"
        assert total(small, "/Users") == 0

    def test_a_body_just_under_max_body_bytes_is_accepted(self, make_client):
        small = make_client(make_settings(server=ServerSettings(max_body_bytes=1000)))
        body = user_body("fits")
        body["title"] = "x" * (990 - len(json.dumps(body)) - len(', "title": ""'))
        assert len(json.dumps(body).encode()) < 1000
        assert small.post("/Users", body).status_code == 201

    def test_a_chunked_body_over_max_body_bytes_is_413(self, make_client):
        """Gunicorn passes a chunked body without Content-Length (wsgi.input_terminated)."""
        small = make_client(make_settings(server=ServerSettings(max_body_bytes=1000)))
        body = json.dumps(user_body("chunked", title="x" * 5000)).encode()
        headers = {**AUTH, "Content-Type": "application/scim+json", "Transfer-Encoding": "chunked"}
        resp = small.raw.open("/scim/v2/Users", method="POST", input_stream=io.BytesIO(body), headers=headers,
                              environ_overrides={"wsgi.input_terminated": True})
        assert_scim_error(resp, 413)
        assert total(small, "/Users") == 0

    def test_a_chunked_body_within_max_body_bytes_is_read_whole(self, make_client):
        small = make_client(make_settings(server=ServerSettings(max_body_bytes=1000)))
        body = json.dumps(user_body("chunked", title="y" * 500)).encode()
        headers = {**AUTH, "Content-Type": "application/scim+json", "Transfer-Encoding": "chunked"}
        resp = small.raw.open("/scim/v2/Users", method="POST", input_stream=io.BytesIO(body), headers=headers,
                              environ_overrides={"wsgi.input_terminated": True})
        assert resp.status_code == 201 and resp.json["title"] == "y" * 500

    def test_an_oversized_put_is_413_and_changes_nothing(self, make_client):
        small = make_client(make_settings(server=ServerSettings(max_body_bytes=1000)))
        created = create_user(small, "kept")
        assert_scim_error(small.put(f"/Users/{created['id']}", user_body("kept", title="y" * 5000)), 413)
        assert get_json(small, f"/Users/{created['id']}") == created


class TestRoutingErrors:
    @pytest.mark.parametrize("path", ["/scim/v2/Nope", "/scim/v2", "/scim/v2/", "/scim/v2/Users/a/b",
                                      "/scim/v2/users", "/scim/v2/bulk", "/scim/v2/Me/x"])
    def test_an_unknown_route_under_the_base_path_is_a_404_scim_error(self, client, path):
        assert_scim_error(client.get(path), 404)

    @pytest.mark.parametrize("path", ["/scim/v2//Users", "/scim/v2/Users//x", "//scim/v2/Users"])
    def test_doubled_slashes_are_a_404_scim_error_not_a_redirect(self, client, path):
        assert_scim_error(client.get(path), 404)

    @pytest.mark.parametrize("accept", ["text/html", "application/xml", "text/*", "application/json;q=0",
                                        "text/html, application/scim+json;q=0"])
    @pytest.mark.parametrize("path", ["/Users", "/ServiceProviderConfig"])
    def test_an_accept_header_that_admits_no_json_is_406(self, client, accept, path):
        assert "Accept" in assert_scim_error(client.get(path, headers={"Accept": accept}), 406)["detail"]

    @pytest.mark.parametrize("accept", [None, "application/scim+json", "application/json", "*/*", "application/*",
                                        "text/html, application/json;q=0.1"])
    def test_an_accept_header_that_admits_json_is_served(self, client, accept):
        assert client.get("/Users", headers={"Accept": accept} if accept else {}).status_code == 200

    @pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
    @pytest.mark.parametrize(("path", "detail"), [("/Bulk", "not implemented"), ("/Me", "bound to no user")])
    def test_the_rfc_endpoints_not_built_yet_are_501_scim_errors(self, make_client, path, detail, method):
        """/Bulk when scim.bulk.enabled is false; /Me for a credential bound to no user (POST
        /Me always: tests/http/test_me.py)."""
        client = make_client(bulk=BulkSettings(enabled=False))
        resp = client.request(method, path, {} if method in ("POST", "PUT", "PATCH") else None)
        wanted = "not implemented" if method == "POST" else detail
        assert wanted in assert_scim_error(resp, 501)["detail"]
        assert_scim_error(client.request(method, path, auth=False), 401)  # behind authentication

    @pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
    def test_bulk_takes_only_post(self, client, method):
        resp = client.request(method, "/Bulk", {} if method in ("PUT", "PATCH") else None)
        assert_scim_error(resp, 405)
        assert resp.headers["Allow"] == "OPTIONS, POST"

    @pytest.mark.parametrize(("method", "path", "allowed"), [
        ("DELETE", "/Users", {"GET", "POST"}),
        ("PUT", "/Users", {"GET", "POST"}),
        ("PATCH", "/Groups", {"GET", "POST"}),
        ("POST", "/Users/some-id", {"GET", "PUT", "DELETE"}),
        ("POST", "/Groups/some-id", {"GET", "PUT", "DELETE"}),
    ])
    def test_a_wrong_method_is_405_with_an_allow_header(self, client, method, path, allowed):
        resp = client.request(method, path, user_body("x") if method != "DELETE" else None)
        assert_scim_error(resp, 405)
        methods = [m.strip() for m in resp.headers["Allow"].split(",")]
        assert allowed <= set(methods) and methods == sorted(methods)  # a stable order

    def test_paths_outside_the_base_path_are_not_scim(self, client):
        resp = client.raw.get("/not-scim")
        assert resp.status_code == 404
        assert resp.mimetype != "application/scim+json"


class TestAuthentication:
    @pytest.mark.parametrize("header", [None, "Basic " + "aWRwOndyb25n", "Bearer token", "non-token",
                                        "Basic !!!notbase64", "Basic "])
    def test_missing_or_bad_credentials_are_401_with_a_scim_body_and_www_authenticate(self, client, header):
        headers = {"Authorization": header} if header else {}
        resp = client.get("/Users", auth=False, headers=headers)
        body = assert_scim_error(resp, 401)
        assert body["schemas"] == [ERROR_URN]
        assert resp.headers["WWW-Authenticate"].lower().startswith("basic")

    def test_a_write_without_credentials_is_401_and_writes_nothing(self, client):
        assert_scim_error(client.post("/Users", user_body("intruder"), auth=False), 401)
        assert_scim_error(client.delete("/Users/x", auth=False), 401)
        assert total(client, "/Users") == 0

    def test_the_right_user_with_the_wrong_password_is_401(self, client):
        import base64

        token = base64.b64encode(b"idp:correct horse battery stapleX").decode()
        assert_scim_error(client.get("/Users", auth=False, headers={"Authorization": f"Basic {token}"}), 401)

    def test_authentication_comes_before_body_parsing(self, client):
        resp = raw(client, "POST", "/Users", b"{broken", auth=False)
        assert_scim_error(resp, 401)


class TestNoServerErrors:
    @pytest.mark.parametrize("body", [
        {"userName": "a", "name": {"givenName": {"nested": [1, {"deep": None}]}}},
        {"userName": "a", "emails": [[{"value": "x"}]]},
        {"userName": "a", "emails": [{"value": None, "type": "work"}]},
        {"userName": "a", "emails": {"value": {"x": 1}}},
        {"userName": "a", "members": [{"value": "nobody"}]},
        {"userName": "a", "groups": "not-a-list"},
        {"userName": "a", "meta": "not-an-object"},
        {"userName": "a", "id": 5},
        {"userName": "a", "password": 12345},
        {"userName": "a", "schemas": [1, None, {}]},
        {"userName": "a", USER_URN: {"userName": "b"}},
        {"userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": "x"}},
        {"userName": "a", "x509Certificates": [{"value": "aGVsbG8="}], "photos": [{"value": 1}]},
        {"userName": "\u0130\u0131\u00df\ufb00" * 50},
        {"userName": "a" * 100_000},
    ], ids=lambda b: json.dumps(b)[:60])
    def test_odd_user_bodies_never_cause_a_500(self, client, body):
        resp = client.post("/Users", body)
        assert resp.status_code < 500, resp.get_data(as_text=True)
        if resp.status_code >= 400:
            assert resp.json["schemas"] == [ERROR_URN]

    @pytest.mark.parametrize("body", [
        {"displayName": "g", "members": {"value": "x"}},
        {"displayName": "g", "members": [{"value": "x", "type": 5}]},
        {"displayName": "g", "members": [{"value": ["x"]}]},
        {"displayName": ["g"]},
        {"displayName": "g", "members": [None, None]},
    ], ids=lambda b: json.dumps(b)[:60])
    def test_odd_group_bodies_never_cause_a_500(self, client, body):
        resp = client.post("/Groups", body)
        assert resp.status_code < 500, resp.get_data(as_text=True)

    @pytest.mark.parametrize("query", ["filter=%ff%fe", "filter=userName%20eq%20%22%ED%A0%80%22",
                                       "startIndex=%00", "count=%20"])
    def test_odd_query_strings_never_cause_a_500(self, client, query):
        resp = client.get(f"/Users?{query}")
        assert resp.status_code < 500, resp.get_data(as_text=True)

    def test_odd_ids_in_the_path_are_404_not_500(self, api):
        for resource_id in ("%00", "%ED%A0%80", "a" * 5000, "..%2F..%2Fetc", "%20", "%F0%9F%98%80"):
            for method in ("GET", "DELETE"):
                assert_scim_error(api.request(method, f"/Users/{resource_id}"), 404)
                assert_scim_error(api.request(method, f"/Groups/{resource_id}"), 404)
            assert_scim_error(api.put(f"/Users/{resource_id}", user_body("x")), 404)
            assert_scim_error(api.put(f"/Groups/{resource_id}", {"displayName": "x"}), 404)
