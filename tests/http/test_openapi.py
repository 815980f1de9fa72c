"""The OpenAPI 3.1 description (adapters/http/openapi): valid, served where server.openapi_path
says, and naming every route Flask registers with exactly its methods and its error codes."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import jsonschema_rs
import pytest
from flask import Flask

from app.credential_settings import AdminSettings, CredentialSettings
from app.metrics_settings import MetricsSettings
from app.settings import ServerSettings, Settings
from tests.conftest import AUTH, SCIM, make_settings
from tests.http.sets_support import sets_settings
from tests.http.support import BULK_URN, ERROR_URN, USER_URN, group_body, user_body
from tests.http.test_discovery import ACME_URN, acme_extensions

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
ALL_SCHEMES = (
    CredentialSettings(name="idp", username="idp", password="idp-password-1234"),
    CredentialSettings(name="tokens", type="bearer"),
    CredentialSettings(name="okta-oauth", type="oauth"),
)


def all_schemes(**scim: Any) -> Settings:
    """basic, bearer and oauth credentials, with the administrator OAuth needs."""
    settings = make_settings(auth=ALL_SCHEMES, **scim)
    return dataclasses.replace(settings, admin=AdminSettings(username="admin", password="admin-pass-5c2e9a71"))


def document(app: Flask, path: str = "/openapi.json", base: str = "https://scim.example.com") -> dict[str, Any]:
    resp = app.test_client().get(path, base_url=base)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    body: dict[str, Any] = resp.get_json()
    return body


def documented_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: /Users/<scim_id:resource_id> -> /Users/{resource_id}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def coverage_problems(app: Flask, doc: dict[str, Any]) -> list[str]:
    """How the document and app.url_map differ: a route or method not documented, a documented
    one not routed, an operation without error responses."""
    routed: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":  # Flask's own (this app has none: static_folder=None)
            continue
        routed.setdefault(documented_path(rule.rule), set()).update(
            m.lower() for m in (rule.methods or set()) - {"HEAD", "OPTIONS"})
    problems = []
    for path, methods in routed.items():
        listed = set(doc["paths"].get(path, {})) & HTTP_METHODS
        if listed != methods:
            problems.append(f"{path}: routed {sorted(methods)}, documented {sorted(listed)}")
    problems += [f"{path}: documented, not routed" for path in doc["paths"] if path not in routed]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if path.startswith("/scim/v2/") and not any(int(c) >= 400 for c in op["responses"]):
                problems.append(f"{method.upper()} {path}: no error response")
    return problems


def expected_errors(path: str, method: str, op: dict[str, Any]) -> set[str]:
    """The error codes a SCIM operation must document, by what it does."""
    codes = {"406"} | ({"401", "429"} if op.get("security") != [] else set())
    if "{resource_id}" in path:
        codes |= {"404"}
    if "requestBody" in op:
        codes |= {"400", "413", "415"}
    if method in ("put", "patch", "delete") and "{resource_id}" in path:
        codes |= {"412"}
    if method in ("post", "put", "patch") and "{resource_id}" in path or path.endswith(("/Users", "/Groups")) and method == "post":
        codes |= {"409"}
    if path.endswith("/Me"):  # the User item's errors (no resource id), and 501 for an unbound credential
        codes = expected_errors(path.replace("/Me", "/Users/{resource_id}"), method, op) | {"501"}
        codes = {"401", "406", "429", "501"} if method == "post" else codes
    return codes


SETS = sets_settings("memory://")
METERED = dataclasses.replace(make_settings(), metrics=MetricsSettings(enabled=True, path="/internal/metrics",
                                                                      username="p", password="scrape-pw-1"))


@pytest.mark.parametrize("settings", [all_schemes(), make_settings(), METERED, SETS],
                         ids=["basic+bearer+oauth", "basic", "metrics", "sets"])
def test_every_route_is_documented_with_its_methods_and_errors(make_app: Callable[..., Flask],
                                                               settings: Settings) -> None:
    app = make_app(settings)
    doc = document(app)
    assert coverage_problems(app, doc) == []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if path.startswith("/scim/v2/"):
                missing = expected_errors(path, method, op) - set(op["responses"])
                assert not missing, f"{method.upper()} {path} lacks {sorted(missing)}"


def test_an_undocumented_route_is_found(make_app: Callable[..., Flask]) -> None:
    """The coverage check fails when a route (or a method) is added without documenting it."""
    app = make_app(make_settings())
    app.add_url_rule("/scim/v2/Extra", "extra", lambda: "", methods=["GET"])
    app.add_url_rule("/scim/v2/Users", "users_delete", lambda: "", methods=["DELETE"])
    doc = document(app)
    assert coverage_problems(app, doc) == [
        "/scim/v2/Users: routed ['delete', 'get', 'post'], documented ['get', 'post']",
        "/scim/v2/Extra: routed ['get'], documented []",
    ]


@pytest.mark.parametrize("settings", [all_schemes(), make_settings(), METERED, SETS],
                         ids=["basic+bearer+oauth", "basic", "metrics", "sets"])
def test_the_document_is_valid_openapi_3_1(make_app: Callable[..., Flask], settings: Settings) -> None:
    import schemathesis
    from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

    doc = document(make_app(settings))
    assert doc["openapi"].startswith("3.1.")
    assert [str(e) for e in OPENAPI_31_VALIDATOR.iter_errors(doc)] == []
    for name, schema in doc["components"]["schemas"].items():  # each a valid JSON Schema 2020-12
        assert jsonschema_rs.meta.is_valid(schema), name
    loaded = schemathesis.openapi.from_dict(doc)
    loaded.validate()
    operations = [result.ok() for result in loaded.get_all_operations()]
    assert len(operations) == sum(len(item) for item in doc["paths"].values())


def test_security_schemes_are_the_configured_credentials(make_app: Callable[..., Flask]) -> None:
    doc = document(make_app(all_schemes()), base="https://idp.example.com")
    assert doc["servers"] == [{"url": "https://idp.example.com"}]
    schemes = doc["components"]["securitySchemes"]
    assert schemes["basic"] == {**schemes["basic"], "type": "http", "scheme": "basic"}
    assert schemes["bearer"]["scheme"] == "bearer"
    flow = schemes["oauth"]["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == "https://idp.example.com/oauth2/authorize"
    assert flow["tokenUrl"] == flow["refreshUrl"] == "https://idp.example.com/oauth2/token"
    assert doc["security"] == [{"basic": []}, {"bearer": []}, {"oauth": ["scim"]}]
    assert doc["paths"]["/scim/v2/Schemas"]["get"]["security"] == []
    assert "/.well-known/oauth-authorization-server" in doc["paths"]

    basic = document(make_app(make_settings()))
    assert set(basic["components"]["securitySchemes"]) == {"basic"}
    assert not [p for p in basic["paths"] if "oauth" in p]


def test_resource_schemas_come_from_the_registry(make_app: Callable[..., Flask]) -> None:
    schemas = document(make_app(make_settings(max_indexed_length=100, extensions=acme_extensions())))["components"]["schemas"]
    user, request = schemas["User"]["properties"], schemas["UserRequest"]
    assert user["userName"]["maxLength"] == 100 and user["emails"]["items"]["properties"]["value"]["maxLength"] == 100
    assert user["id"]["readOnly"] and user["meta"]["readOnly"] and user["groups"]["readOnly"]
    assert user["password"]["writeOnly"]
    assert user["emails"]["type"] == "array" and user["active"] == {"type": "boolean"}
    assert user["groups"]["items"]["properties"]["type"]["enum"] == ["direct", "indirect"]  # the server writes it
    assert "enum" not in user["emails"]["items"]["properties"]["type"]  # suggestions (RFC 7643 §7)
    assert request["required"] == ["schemas", "userName"] and schemas["User"]["required"] == ["schemas", "id"]
    acme = user[ACME_URN]["properties"]
    assert acme["badge"]["type"] == "integer" and acme["pin"]["writeOnly"] and acme["nicknames"]["type"] == "array"
    team = schemas["GroupRequest"]["properties"]["urn:example:params:scim:schemas:extension:acme:2.0:Group"]
    assert team["required"] == ["costCode"]
    assert schemas["Error"]["properties"]["status"]["type"] == "string"


def test_answers_conform_to_the_document(make_app: Callable[..., Flask]) -> None:
    """Real answers (a create, a read, a list, errors) validated as schemathesis validates them."""
    import schemathesis

    app = make_app(make_settings())
    schema = schemathesis.openapi.from_dict(document(app, base="http://localhost"))
    client, headers = app.test_client(), {**AUTH, "Content-Type": SCIM}
    created = client.post("/scim/v2/Users", json=user_body("bjensen", emails=[{"value": "b@example.com"}]),
                          headers=headers)
    bulk_body = {"schemas": [BULK_URN], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "a", "data": user_body("ann")},
        {"method": "POST", "path": "/Groups", "bulkId": "g", "data": group_body("G", ["bulkId:a"])},
        {"method": "DELETE", "path": "/Users/nobody"},
        {"method": "PATCH", "path": f"/Users/{created.json['id']}", "data": {}}]}
    answers = [
        ("/scim/v2/Users", "POST", created),
        ("/scim/v2/Users/{resource_id}", "GET", client.get(f"/scim/v2/Users/{created.json['id']}", headers=AUTH)),
        ("/scim/v2/Users/{resource_id}", "GET", client.get("/scim/v2/Users/nobody", headers=AUTH)),
        ("/scim/v2/Users", "GET", client.get("/scim/v2/Users?attributes=emails", headers=AUTH)),
        ("/scim/v2/Users", "GET", client.get("/scim/v2/Users?filter=bad", headers=AUTH)),
        ("/scim/v2/Users", "GET", client.get("/scim/v2/Users")),
        ("/scim/v2/Schemas", "GET", client.get("/scim/v2/Schemas")),
        ("/scim/v2/Bulk", "POST", client.post("/scim/v2/Bulk", headers=AUTH)),
        ("/scim/v2/Bulk", "POST", client.post("/scim/v2/Bulk", json=bulk_body, headers=headers)),
    ]
    assert [a[2].status_code for a in answers] == [201, 200, 404, 200, 400, 401, 200, 400, 200]
    for path, method, resp in answers:
        operation = schema[path][method]
        assert str(resp.status_code) in operation.definition.raw["responses"], (method, path, resp.status_code)
        operation.validate_response(resp)  # raises on a body or header the document does not allow
    assert answers[2][2].json["schemas"] == [ERROR_URN] and created.json["schemas"] == [USER_URN]


def test_a_wrong_status_in_an_error_body_does_not_conform(make_app: Callable[..., Flask]) -> None:
    """The error responses pin `status` to their code: a 404 saying "400" is caught."""
    doc = document(make_app(make_settings()))
    schema = doc["components"]["responses"]["404"]["content"]["application/scim+json"]["schema"]
    body = {"schemas": [ERROR_URN], "status": "404", "detail": "x"}
    resolved = {"allOf": [doc["components"]["schemas"]["Error"], schema["allOf"][1]]}
    assert jsonschema_rs.is_valid(resolved, body)
    assert not jsonschema_rs.is_valid(resolved, {**body, "status": "400"})
    assert not jsonschema_rs.is_valid(resolved, {**body, "status": 404})


def test_no_document_when_the_path_is_empty(make_app: Callable[..., Flask]) -> None:
    app = make_app(make_settings(server=ServerSettings(openapi_path="")))
    client = app.test_client()
    assert client.get("/openapi.json").status_code == 404
    assert not [r for r in app.url_map.iter_rules() if r.endpoint == "openapi.openapi"]


def test_a_custom_path(make_app: Callable[..., Flask]) -> None:
    app = make_app(make_settings(server=ServerSettings(openapi_path="/api/scim-openapi.json")))
    assert app.test_client().get("/openapi.json").status_code == 404
    doc = document(app, "/api/scim-openapi.json")
    assert "/api/scim-openapi.json" in doc["paths"] and "/openapi.json" not in doc["paths"]
    assert coverage_problems(app, doc) == []


def test_the_document_is_open_and_behind_proxies_uses_the_forwarded_origin(make_app: Callable[..., Flask]) -> None:
    app = make_app(make_settings(server=ServerSettings(trusted_proxies=1)))
    resp = app.test_client().get("/openapi.json", headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-Host": "scim.example.org", "X-Forwarded-Prefix": "/idm"})
    assert resp.status_code == 200
    assert resp.get_json()["servers"] == [{"url": "https://scim.example.org/idm"}]
