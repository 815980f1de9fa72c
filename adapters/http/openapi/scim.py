"""The SCIM API's paths (RFC 7644 §3, §4) as OpenAPI operations: one collection, item and
.search path per resource type of the registry, /.search, /Bulk (501 when scim.bulk.enabled is
false), /Me (the bound User's item operations; POST 501), discovery; their
parameters, headers, and every status code each operation can answer, errors as SCIM Errors."""

from __future__ import annotations

from typing import Any

from adapters.http import SCIM_PREFIX
from adapters.http.openapi.schemas import ref
from domain.schema.attributes import ResourceType
from domain.schema.registry import Registry

Json = dict[str, Any]
SCIM_JSON = "application/scim+json"
REQUEST_TYPES = (SCIM_JSON, "application/json")
OPEN: list[Json] = []  # discovery: no credentials (RFC 7644 §4)
ERRORS: dict[int, str] = {
    400: "a request the service refuses: bad syntax, value, filter, path, count or cursor (see scimType)",
    401: "missing or invalid credentials (WWW-Authenticate names each configured scheme)",
    404: "no such resource, or no such route",
    406: "the Accept header admits neither application/scim+json nor application/json",
    409: "a unique attribute (userName, a group's displayName) is taken",
    410: "the change records after this cursor were pruned: read the resources again",
    412: "If-Match names no current version of the resource",
    413: "the request body, the member changes of one request, or a bulk request's operations or bytes "
         "(maxOperations, maxPayloadSize) exceed the limit",
    415: "the body is not JSON (application/scim+json or application/json) in UTF-8",
    429: "too many failed authentications from this address: retry after Retry-After seconds",
    500: "an unexpected error (a bug: never an answer by design)",
    501: "an RFC 7644 endpoint this service does not implement (§3.12); on /Me, also a credential "
         "bound to no user",
}
READ = (400, 401, 406, 429, 500)
WRITE = (400, 401, 406, 409, 413, 415, 429, 500)
HEADERS: dict[str, Json] = {
    "ETag": {"description": "the resource's version (RFC 7644 §3.14), as in meta.version",
             "schema": {"type": "string"}},
    "Location": {"description": "the new resource's URL, as in meta.location (on /Me: the bound User's)",
                 "schema": {"type": "string"}},
    "WWW-Authenticate": {"description": "a challenge per configured scheme", "schema": {"type": "string"}},
    "Retry-After": {"description": "seconds until this address may try again", "schema": {"type": "string"}},
}


def _text(name: str, description: str, **schema: Any) -> Json:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", **schema}}


PARAMETERS: dict[str, Json] = {
    "filter": _text("filter", "RFC 7644 §3.4.2.2 filter, e.g. userName eq \"bjensen\""),
    "sortBy": _text("sortBy", "the attribute path to sort by (§3.4.2.3)"),
    "sortOrder": _text("sortOrder", "ascending (the default) or descending", enum=["ascending", "descending"]),
    "startIndex": {"name": "startIndex", "in": "query", "required": False, "schema": {"type": "integer"},
                   "description": "1-based index of the first result (§3.4.2.4; below 1 means 1)"},
    "count": {"name": "count", "in": "query", "required": False, "schema": {"type": "integer"},
              "description": "results per page (§3.4.2.4); capped by filter.maxResults"},
    "cursor": _text("cursor", "RFC 9865 cursor paging: empty for the first page, then nextCursor"),
    "attributes": _text("attributes", "comma-separated attribute paths to return (§3.4.2.5)"),
    "excludedAttributes": _text("excludedAttributes", "comma-separated attribute paths not to return"),
    "If-Match": {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
                 "description": "the version (ETag) the change applies to, or *: else 412 (§3.14)"},
    "If-None-Match": {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                      "description": "a version (ETag): 304 while it is current (§3.14)"},
    "resource_id": {"name": "resource_id", "in": "path", "required": True, "description": "the resource's id",
                    "schema": {"type": "string", "minLength": 1}},
}
PROJECTION = ("attributes", "excludedAttributes")
LISTING = ("filter", "sortBy", "sortOrder", "startIndex", "count", "cursor", *PROJECTION)


def error_responses() -> dict[str, Json]:
    """components.responses: a SCIM Error per status, whose `status` is that status."""
    out: dict[str, Json] = {}
    for code, description in ERRORS.items():
        schema = {"allOf": [ref("Error"), {"properties": {"status": {"const": str(code)}}}]}
        response: Json = {"description": description, "content": {SCIM_JSON: {"schema": schema}}}
        if code in (401, 429):
            response["headers"] = {"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}}
        if code == 429:
            response["headers"]["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
        out[str(code)] = response
    return out


def _ok(schema: str, description: str, *headers: str, links: Json | None = None) -> Json:
    out: Json = {"description": description, "content": {SCIM_JSON: {"schema": ref(schema)}}}
    if headers:
        out["headers"] = {h: {"$ref": f"#/components/headers/{h}"} for h in headers}
    if links:
        out["links"] = links
    return out


def _operation(op_id: str, summary: str, ok: dict[int, Json], errors: tuple[int, ...],
               params: tuple[str, ...] = (), body: str | None = None, security: list[Json] | None = None) -> Json:
    responses: Json = {str(code): r for code, r in ok.items()}
    responses.update({str(code): {"$ref": f"#/components/responses/{code}"} for code in errors})
    out: Json = {"operationId": op_id, "summary": summary, "responses": responses}
    if params:
        out["parameters"] = [{"$ref": f"#/components/parameters/{p}"} for p in params]
    if body:
        out["requestBody"] = {"required": True, "content": {t: {"schema": ref(body)} for t in REQUEST_TYPES}}
    if security is not None:
        out["security"] = security
    return out


def _links(rtype: ResourceType) -> Json:
    """From a created resource to the operations on it (schemathesis follows them)."""
    id_ = {"resource_id": "$response.body#/id"}
    return {f"{verb}{rtype.name}": {"operationId": f"{verb}{rtype.name}", "parameters": id_}
            for verb in ("get", "replace", "patch", "delete")}


def _resource_paths(rtype: ResourceType) -> dict[str, Json]:
    name, plural, base = rtype.name, rtype.endpoint.strip("/"), SCIM_PREFIX + rtype.endpoint
    one, many = _ok(name, f"the {name}", "ETag"), _ok(f"{name}ListResponse", f"a page of {plural}")
    created = _ok(name, f"the {name} created", "ETag", "Location", links=_links(rtype))
    empty = {"description": "no body", "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}}
    return {
        base: {
            "get": _operation(f"list{plural}", f"list or filter {plural} (§3.4.2)", {200: many}, READ, LISTING),
            "post": _operation(f"create{name}", f"create a {name} (§3.3)", {201: created}, WRITE,
                               PROJECTION, f"{name}Request"),
        },
        f"{base}/{{resource_id}}": {
            "get": _operation(f"get{name}", f"a {name} (§3.4.1)", {200: one, 304: {**empty, "description":
                              "If-None-Match names the current version"}}, (*READ, 404),
                              ("resource_id", *PROJECTION, "If-None-Match")),
            "put": _operation(f"replace{name}", f"replace a {name} (§3.5.1)", {200: one}, (*WRITE, 404, 412),
                              ("resource_id", *PROJECTION, "If-Match"), f"{name}Request"),
            "patch": _operation(f"patch{name}", f"modify a {name} (§3.5.2); 204 for credentials whose "
                                "policy says patch_response: 204", {200: one, 204: empty}, (*WRITE, 404, 412),
                                ("resource_id", *PROJECTION, "If-Match"), "PatchOp"),
            "delete": _operation(f"delete{name}", f"delete a {name} (§3.6)",
                                 {204: {"description": "deleted"}}, (401, 404, 406, 412, 429, 500),
                                 ("resource_id", "If-Match")),
        },
        f"{base}/.search": {
            "post": _operation(f"search{plural}", f"search {plural} (§3.4.3)", {200: many},
                               (400, 401, 406, 413, 415, 429, 500), body="SearchRequest"),
        },
    }


def _unimplemented(name: str, what: str) -> Json:
    return {method: _operation(f"{method}{name}", f"{what}: not implemented (501)", {}, (401, 406, 429, 501))
            for method in ("get", "post", "put", "patch", "delete")}


def _me(user: ResourceType) -> Json:
    """/Me (§3.11): the User item's operations on the credential's bound User (no id in the
    path; 404 when that user does not exist, 501 when the credential is bound to none), the
    answers with its Location; POST, self-registration, is 501."""
    item = _resource_paths(user)[f"{SCIM_PREFIX}{user.endpoint}/{{resource_id}}"]
    out: Json = {}
    for method, op in item.items():
        me = {**op, "operationId": f"{method}Me", "summary": f"{op['summary']}: the credential's own User, "
              "by its binding (scim.auth `me`, `token create --user`)"}
        me["parameters"] = [p for p in op["parameters"] if p["$ref"] != "#/components/parameters/resource_id"]
        me["responses"] = {**op["responses"], "501": {"$ref": "#/components/responses/501"}}
        for code, response in me["responses"].items():
            if code in ("200", "204", "304") and method != "delete":
                headers = {**response.get("headers", {}), "Location": {"$ref": "#/components/headers/Location"}}
                me["responses"][code] = {**response, "headers": headers}
        out[method] = me
    out["post"] = _operation("postMe", "self-registration (§3.11): not implemented (501)", {}, (401, 406, 429, 501))
    return out


def _discovery_paths() -> dict[str, Json]:
    def get(op_id: str, schema: str, summary: str, errors: tuple[int, ...] = (406, 500),
            params: tuple[str, ...] = ()) -> Json:
        return {"get": _operation(op_id, summary, {200: _ok(schema, summary)}, errors, params, security=OPEN)}

    named = ({"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},)
    urn = ({"name": "urn", "in": "path", "required": True, "schema": {"type": "string"}},)
    paths = {
        "/ServiceProviderConfig": get("getServiceProviderConfig", "ServiceProviderConfig",
                                      "what the service supports (RFC 7643 §5)"),
        "/ResourceTypes": get("listResourceTypes", "ResourceTypeListResponse", "the resource types (§6)"),
        "/ResourceTypes/{name}": get("getResourceType", "ResourceType", "one resource type", (404, 406, 500)),
        "/Schemas": get("listSchemas", "SchemaListResponse", "the schemas (§7)"),
        "/Schemas/{urn}": get("getSchema", "Schema", "one schema, by its URN", (404, 406, 500)),
    }
    paths["/ResourceTypes/{name}"]["get"]["parameters"] = list(named)
    paths["/Schemas/{urn}"]["get"]["parameters"] = list(urn)
    return {SCIM_PREFIX + path: item for path, item in paths.items()}


def _bulk() -> Json:
    ok = _ok("BulkResponse", "the operations performed, in the request's order, each with its own status")
    return {"post": _operation("bulk", "perform many operations in one request (§3.7)", {200: ok},
                               (400, 401, 406, 413, 415, 429, 500), body="BulkRequest")}


def paths(registry: Registry, bulk: bool = True) -> dict[str, Json]:
    """Every path of the SCIM API, under /scim/v2; POST /Bulk with `bulk`, else /Bulk is 501."""
    out: dict[str, Json] = {}
    for rtype in registry.types:
        out.update(_resource_paths(rtype))
    out[f"{SCIM_PREFIX}/.search"] = {"post": _operation(
        "searchEverything", "search every resource type (§3.4.3)", {200: _ok("ListResponse", "a page of resources")},
        (400, 401, 406, 413, 415, 429, 500), body="SearchRequest")}
    out[f"{SCIM_PREFIX}/Bulk"] = _bulk() if bulk else _unimplemented("Bulk", "Bulk operations (§3.7)")
    out[f"{SCIM_PREFIX}/Me"] = _me(registry.user)
    out.update(_discovery_paths())
    return out
