"""The OpenAPI 3.1 description of the whole HTTP API, built from the data the service runs on:
the schema registry (the resources' JSON Schemas), the configured credentials (the security
schemes, and the OAuth paths when an oauth credential is configured) and the path the document
is served at. tests/http/test_openapi.py checks that it names every route Flask registers."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from adapters.http.openapi import feed, oauth, schemas, scim, sets
from adapters.http.responses import dumps
from domain.credentials.oauth import SCOPE
from domain.schema.registry import Registry

Json = dict[str, Any]
VERSION = "3.1.0"
_HTTP_SCHEMES: dict[str, Json] = {
    "basic": {"type": "http", "scheme": "basic", "description": "HTTP Basic (RFC 7617), a configured credential"},
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "a bearer token (RFC 6750) from `scim-service token create`, or an OAuth access token"},
}


def _security_schemes(auth_schemes: tuple[str, ...], origin: str) -> Json:
    out: Json = {}
    for scheme in auth_schemes:
        if scheme == "oauth":
            out["oauth"] = oauth.security_scheme(origin)
            out["oauthClient"] = oauth.CLIENT_SCHEME
            out.setdefault("bearer", _HTTP_SCHEMES["bearer"])  # the access tokens are presented as Bearer
        else:
            out[scheme] = _HTTP_SCHEMES[scheme]
    return out


def _security(auth_schemes: tuple[str, ...]) -> list[Json]:
    """Any one configured scheme authenticates a SCIM request."""
    out: list[Json] = []
    for scheme in auth_schemes:
        if scheme == "oauth":
            out.append({"oauth": [SCOPE]})
        out.append({"bearer" if scheme == "oauth" else scheme: []})
    return list({repr(s): s for s in out}.values())


def _own_path(path: str) -> Json:
    return {"get": {"operationId": "getOpenApi", "summary": "this document (OpenAPI 3.1)", "security": [],
                    "responses": {"200": {"description": "the OpenAPI description of the HTTP API",
                                          "content": {"application/json": {"schema": {"type": "object"}}}}}}}


_STATUS: Json = {"type": "object", "required": ["status"],
                 "properties": {"status": {"type": "string"}, "detail": {"type": "string"}}}


def _probe(op_id: str, summary: str, codes: dict[str, str]) -> Json:
    content = {"application/json": {"schema": _STATUS}}
    return {"get": {"operationId": op_id, "summary": summary, "security": [], "responses": {
        code: {"description": description, "content": content} for code, description in codes.items()}}}


PROBES: dict[str, Json] = {  # adapters/http/health.py
    "/healthz": _probe("healthz", "liveness: the process answers", {"200": "alive"}),
    "/readyz": _probe("readyz", "readiness: the database answers at the schema revision this version needs",
                      {"200": "ready", "503": "not ready, and why (no URL, nothing secret)"}),
}


def _metrics(path: str) -> Json:
    text = {"text/plain": {"schema": {"type": "string"}}}
    return {path: {"get": {
        "operationId": "getMetrics", "summary": "Prometheus metrics in the text exposition format (metrics.*)",
        "security": [{"metrics": []}],
        "responses": {"200": {"description": "every worker's figures, summed", "content": text},
                      "401": {"description": "the metrics credential is missing or wrong", "content": text},
                      "429": {"description": "this address failed authentication too often; Retry-After says "
                                             "when to try again", "content": text}}}}}


def document(registry: Registry, auth_schemes: tuple[str, ...], own_path: str, origin: str,
             bulk: bool = True, metrics_path: str | None = None, security_events: bool = False) -> Json:
    """The document for a service at `origin` (scheme, host and any root path of the URL the
    client sees); `auth_schemes` are the configured credentials' types, in their order; `bulk`,
    whether POST /Bulk is served (else /Bulk is 501); `metrics_path`, where the metrics are
    served on this listener (None: not here); `security_events`, whether the SET poll and JWKS
    paths are served."""
    paths = {**scim.paths(registry, bulk), **PROBES, **feed.paths(), **(sets.paths() if security_events else {})}
    if metrics_path:
        paths.update(_metrics(metrics_path))
    if "oauth" in auth_schemes:
        paths.update(oauth.paths())
    if own_path:
        paths[own_path] = _own_path(own_path)
    return {
        "openapi": VERSION,
        "info": {"title": "scim-service", "version": "2.0",
                 "description": "A SCIM 2.0 service provider (RFC 7643, RFC 7644, RFC 9865 cursors). Resource "
                                "schemas follow this deployment's schema registry (GET /scim/v2/Schemas)."},
        "servers": [{"url": origin}],
        "security": _security(auth_schemes),
        "paths": paths,
        "components": {
            "schemas": {**schemas.components(registry), **feed.SCHEMAS, **(sets.SCHEMAS if security_events else {})},
            "parameters": scim.PARAMETERS,
            "headers": scim.HEADERS,
            "responses": scim.error_responses(),
            "securitySchemes": {**_security_schemes(auth_schemes, origin),
                                **({"metrics": {"type": "http", "scheme": "basic"}} if metrics_path else {}),
                                **({"setReceiver": sets.SECURITY_SCHEME} if security_events else {})},
        },
    }


@lru_cache(maxsize=32)
def serialized(registry: Registry, auth_schemes: tuple[str, ...], own_path: str, origin: str,
               bulk: bool = True, metrics_path: str | None = None, security_events: bool = False) -> bytes:
    """document() as JSON, built once per origin."""
    return dumps(document(registry, auth_schemes, own_path, origin, bulk, metrics_path, security_events))
