"""JSON Schemas (OpenAPI 3.1 `components.schemas`) of the resources, from the schema registry the
service runs on, and of SCIM's messages: Error, ListResponse, PatchOp, SearchRequest, and the
discovery resources.

A resource type has two schemas: `User` as responses show it (only `schemas` and `id` are always
there: `attributes`/`excludedAttributes` may leave out anything else) and `UserRequest` as a POST
or PUT body must be (the attributes the schema marks required, required). Both name attributes
as the schema spells them and allow no others: the service matches names case-insensitively
(RFC 7643 §2.1) and the lenient presets ignore unknown attributes, but that is tolerance, not
the contract."""

from __future__ import annotations

from typing import Any

from adapters.http.errors import ERROR_SCHEMA, ERROR_TABLE
from adapters.http.messages import BULK_REQUEST, BULK_RESPONSE, PATCH_OP, SEARCH_REQUEST
from adapters.http.responses import LIST_RESPONSE
from domain.schema.attributes import (
    BINARY,
    BOOLEAN,
    COMPLEX,
    DATETIME,
    DECIMAL,
    IMMUTABLE,
    INTEGER,
    NEVER,
    READ_ONLY,
    REFERENCE,
    STRING,
    WRITE_ONLY,
    Attribute,
    ResourceType,
    Schema,
)
from domain.schema.core import COMMON_ATTRIBUTES
from domain.schema.registry import Registry
from domain.schema.values import MAX_EXACT_INTEGER

Json = dict[str, Any]
REF = "#/components/schemas/"
_TYPES: dict[str, Json] = {
    STRING: {"type": "string"},
    BOOLEAN: {"type": "boolean"},
    DECIMAL: {"type": "number"},
    INTEGER: {"type": "integer", "minimum": -MAX_EXACT_INTEGER, "maximum": MAX_EXACT_INTEGER},
    DATETIME: {"type": "string", "format": "date-time"},
    REFERENCE: {"type": "string"},
    BINARY: {"type": "string", "contentEncoding": "base64",
             "pattern": "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"},
}
# What no store can hold (domain/text.py FORBIDDEN_CHARS: C0 controls but tab, newline and
# return; lone surrogates cannot be written in UTF-8 JSON at all): 400 in any string
TEXT = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*$"
# a required string: not empty or blank either
FILLED = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*[^\\s\\x00-\\x1f][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*$"
# RFC 7644 §3.12 and RFC 9865 §4 (cursors): every scimType this service may answer
SCIM_TYPES = sorted({t for _, t in ERROR_TABLE.values() if t} | {"invalidSyntax"})


def ref(name: str) -> Json:
    return {"$ref": REF + name}


def _restrictive(a: Attribute) -> bool:
    """Whether canonicalValues are the only values: the server writes them (readOnly), or they
    name what a value refers to (a member's `type`, immutable); otherwise they are suggestions
    (RFC 7643 §7: "service providers MAY allow other values")."""
    return a.mutability in (READ_ONLY, IMMUTABLE)


def _value(a: Attribute, request: bool) -> Json:
    if a.type == COMPLEX:
        out: Json = {"type": "object", "properties": {s.name: attribute(s, request) for s in a.sub_attributes},
                     "additionalProperties": False}
        required = [s.name for s in a.sub_attributes if s.required]
        if request and required:
            out["required"] = required
        return out
    out = dict(_TYPES[a.type])
    if out == {"type": "string"}:
        out["pattern"] = FILLED if a.required and request else TEXT
    if a.max_length is not None:
        out["maxLength"] = a.max_length
    if a.canonical_values:
        out["enum" if _restrictive(a) else "examples"] = list(a.canonical_values)
    return out


def attribute(a: Attribute, request: bool = False) -> Json:
    """One attribute as JSON Schema: multi-valued ones are arrays; readOnly and writeOnly from
    its mutability and `returned` (never: a password is never in a response)."""
    out: Json = {"type": "array", "items": _value(a, request)} if a.multi_valued else _value(a, request)
    if a.description:
        out["description"] = a.description
    if a.mutability == READ_ONLY:
        out["readOnly"] = True
    if a.mutability == WRITE_ONLY or a.returned == NEVER:
        out["writeOnly"] = True
    return out


def _extension(s: Schema, request: bool) -> Json:
    out: Json = {"type": "object", "description": s.description, "additionalProperties": False,
                 "properties": {a.name: attribute(a, request) for a in s.attributes}}
    required = [a.name for a in s.attributes if a.required]
    if request and required:
        out["required"] = required
    return out


def resource(rtype: ResourceType, request: bool) -> Json:
    """The resource type's representation: `schemas`, the common attributes, the core schema's
    attributes, and each extension under its URN."""
    ids = list(rtype.schema_ids)
    schemas: Json = {"type": "array", "items": {"type": "string", "enum": ids}, "uniqueItems": True,
                     "contains": {"const": rtype.schema.id}}
    props: Json = {"schemas": schemas}
    props.update({a.name: attribute(a, request) for a in (*(rtype.common or COMMON_ATTRIBUTES), *rtype.schema.attributes)})
    props.update({s.id: _extension(s, request) for s, _ in rtype.extensions})
    if request and rtype.memberships:  # a member is named by its id
        member = props[rtype.memberships]["items"]
        member["required"], member["properties"]["value"]["minLength"] = ["value"], 1
    required = ["schemas", *(a.name for a in rtype.schema.attributes if a.required)] if request else ["schemas", "id"]
    return {"type": "object", "description": rtype.description, "properties": props, "required": required,
            "additionalProperties": False}


def list_response(items: Json) -> Json:
    """RFC 7644 §3.4.2: index paging gives totalResults and startIndex, RFC 9865 cursor paging
    nextCursor (totalResults when known)."""
    return {"type": "object", "required": ["schemas", "itemsPerPage", "Resources"], "properties": {
        "schemas": {"type": "array", "items": {"const": LIST_RESPONSE}, "minItems": 1},
        "totalResults": {"type": "integer", "minimum": 0},
        "startIndex": {"type": "integer", "minimum": 1},
        "itemsPerPage": {"type": "integer", "minimum": 0},
        "nextCursor": {"type": "string"},
        "Resources": {"type": "array", "items": items},
    }}


def _urn_list(urn: str) -> Json:
    return {"type": "array", "items": {"type": "string"}, "contains": {"const": urn}}


ERROR: Json = {
    "type": "object", "required": ["schemas", "status", "detail"],
    "description": "A SCIM Error (RFC 7644 §3.12); `status` is the HTTP status code as a string",
    "properties": {
        "schemas": {"type": "array", "items": {"const": ERROR_SCHEMA}, "minItems": 1, "maxItems": 1},
        "status": {"type": "string", "pattern": "^[1-5][0-9][0-9]$"},
        "scimType": {"type": "string", "enum": SCIM_TYPES},
        "detail": {"type": "string"},
    },
}
PATCH: Json = {
    "type": "object", "required": ["schemas", "Operations"],
    "description": "RFC 7644 §3.5.2; `op` is matched case-insensitively",
    "properties": {
        "schemas": _urn_list(PATCH_OP),
        "Operations": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["op"], "properties": {
                "op": {"type": "string", "enum": ["add", "remove", "replace"]},
                "path": {"type": "string", "description": "an attribute path (RFC 7644 §3.5.2, §3.10)"},
                "value": {"description": "the value (a resource fragment without a path); not for remove"},
            }}},
    },
}
_NAMES: Json = {"type": "array", "items": {"type": "string"}}
SEARCH: Json = {
    "type": "object", "required": ["schemas"], "description": "RFC 7644 §3.4.3",
    "properties": {
        "schemas": _urn_list(SEARCH_REQUEST),
        "attributes": _NAMES, "excludedAttributes": _NAMES,
        "filter": {"type": "string"}, "sortBy": {"type": "string"},
        "sortOrder": {"type": "string", "enum": ["ascending", "descending"]},
        "startIndex": {"type": "integer"}, "count": {"type": "integer"},
        "cursor": {"type": "string", "description": "RFC 9865: empty for the first page, then nextCursor"},
    },
}

_METHOD: Json = {"type": "string", "enum": ["POST", "PUT", "PATCH", "DELETE"]}
_VERSION: Json = {"type": "string", "description": "the ETag the operation's If-Match names"}


def _bulk_operations(rtype: ResourceType) -> list[Json]:
    """The four operations of a BulkRequest on one resource type, each with its path and the
    body the same request alone takes (RFC 7644 §3.7: `data` is "the resource data as it would
    appear for a single POST, PUT, or PATCH")."""
    item = {"type": "string", "pattern": f"^{rtype.endpoint}/[^/]+$",
            "description": f"{rtype.endpoint}/{{id}}, or {rtype.endpoint}/bulkId:{{bulkId}}"}

    def shape(method: str, path: Json, required: list[str], **props: Json) -> Json:
        return {"type": "object", "required": ["method", "path", *required],
                "properties": {"method": {"const": method}, "path": path, **props}}

    return [
        shape("POST", {"const": rtype.endpoint}, ["bulkId", "data"],
              bulkId={"type": "string", "minLength": 1, "description": "unique in the request"},
              data=ref(f"{rtype.name}Request")),
        shape("PUT", item, ["data"], version=_VERSION, data=ref(f"{rtype.name}Request")),
        shape("PATCH", item, ["data"], version=_VERSION, data=ref("PatchOp")),
        shape("DELETE", item, [], version=_VERSION),
    ]


def bulk_request(registry: Registry) -> Json:
    """A BulkRequest (RFC 7644 §3.7): a non-empty list of operations on the registry's types."""
    return {
        "type": "object", "required": ["schemas", "Operations"],
        "description": "RFC 7644 §3.7; member names and methods are matched case-insensitively, `bulkId:<id>` "
                       "values (and paths) refer to the resource the POST with that bulkId creates",
        "properties": {
            "schemas": _urn_list(BULK_REQUEST),
            "failOnErrors": {"type": "integer", "minimum": 1, "description": "stop after this many errors"},
            "Operations": {"type": "array", "minItems": 1, "items": {
                "anyOf": [shape for rtype in registry.types for shape in _bulk_operations(rtype)]}},
        },
    }


def bulk_response(registry: Registry) -> Json:
    """The operations performed, each with its status and the body the request alone answers."""
    answers = {"anyOf": [*(ref(t.name) for t in registry.types), ref("Error")]}
    return {"type": "object", "required": ["schemas", "Operations"], "properties": {
        "schemas": {"type": "array", "items": {"const": BULK_RESPONSE}, "minItems": 1},
        "Operations": {"type": "array", "items": {
            "type": "object", "required": ["method", "status"], "properties": {
                "method": _METHOD, "bulkId": {"type": "string"}, "version": {"type": "string"},
                "location": {"type": "string"},
                "status": {"type": "string", "pattern": "^[1-5][0-9][0-9]$"},
                "response": answers,
            }}},
    }}


def _discovery(urn: str, required: list[str], **props: Json) -> Json:
    schemas = {"type": "array", "items": {"type": "string"}, "contains": {"const": urn}}
    return {"type": "object", "required": ["schemas", *required], "properties": {"schemas": schemas, **props}}


_TEXT: Json = {"type": "string"}
_SUPPORTED: Json = {"type": "object", "required": ["supported"], "properties": {"supported": {"type": "boolean"}}}
DISCOVERY: dict[str, Json] = {
    "ServiceProviderConfig": _discovery(
        "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
        ["patch", "bulk", "filter", "changePassword", "sort", "etag", "authenticationSchemes"],
        patch=_SUPPORTED, bulk=_SUPPORTED, filter=_SUPPORTED, changePassword=_SUPPORTED, sort=_SUPPORTED,
        etag=_SUPPORTED, pagination={"type": "object"},
        authenticationSchemes={"type": "array", "items": {"type": "object", "required": ["type", "name"]}}),
    "ResourceType": _discovery(
        "urn:ietf:params:scim:schemas:core:2.0:ResourceType", ["name", "endpoint", "schema"],
        id=_TEXT, name=_TEXT, endpoint=_TEXT, description=_TEXT, schema=_TEXT,
        schemaExtensions={"type": "array", "items": {"type": "object", "required": ["schema", "required"]}}),
    "Schema": _discovery(
        "urn:ietf:params:scim:schemas:core:2.0:Schema", ["id", "attributes"],
        id=_TEXT, name=_TEXT, description=_TEXT,
        attributes={"type": "array", "items": {"type": "object", "required": ["name", "type"]}}),
}


def components(registry: Registry) -> dict[str, Json]:
    """Every schema the paths refer to, by name."""
    out: dict[str, Json] = {"Error": ERROR, "PatchOp": PATCH, "SearchRequest": SEARCH, "BulkRequest": bulk_request(registry),
                            "BulkResponse": bulk_response(registry)}
    for rtype in registry.types:
        out[rtype.name] = resource(rtype, request=False)
        out[f"{rtype.name}Request"] = resource(rtype, request=True)
        out[f"{rtype.name}ListResponse"] = list_response(ref(rtype.name))
    out["ListResponse"] = list_response({"anyOf": [ref(t.name) for t in registry.types]})
    for name, schema in DISCOVERY.items():
        out[name] = schema
        out[f"{name}ListResponse"] = list_response(ref(name))
    return out
