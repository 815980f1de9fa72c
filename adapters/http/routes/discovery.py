"""Discovery (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and Schemas, generated from the
same schema data and capability registry the service runs on. Read-only; open without
credentials, as clients read them to learn how to authenticate (they hold no resource data)."""

from __future__ import annotations

from typing import Any

from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response

from adapters.http.cursors import CURSOR_TIMEOUT
from adapters.http.dependencies import HttpDependencies
from adapters.http.responses import base_url, list_response, respond
from domain.capabilities import Capabilities
from domain.errors import NotFound
from domain.schema.attributes import Attribute, ResourceType, Schema
from domain.schema.registry import Registry

SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RT_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
_AUTH = {
    "basic": {"type": "httpbasic", "name": "HTTP Basic", "description": "HTTP Basic authentication (RFC 7617)",
              "specUri": "https://www.rfc-editor.org/rfc/rfc7617"},
    "bearer": {"type": "oauthbearertoken", "name": "OAuth Bearer Token",
               "description": "A bearer token (RFC 6750) made by `scim-service token create`",
               "specUri": "https://www.rfc-editor.org/rfc/rfc6750"},
    "oauth": {"type": "oauth2", "name": "OAuth 2.0",
              "description": "Access tokens from this service's OAuth 2.0 authorization server "
                             "(authorization code with refresh tokens; /.well-known/oauth-authorization-server)",
              "specUri": "https://www.rfc-editor.org/rfc/rfc6749"},
}


@inject
def service_provider_config(caps: Capabilities = Provide[HttpDependencies.capabilities]) -> Response:
    body = {
        "schemas": [SPC_SCHEMA],
        "documentationUri": "https://www.rfc-editor.org/rfc/rfc7644",
        "patch": {"supported": caps.patch},
        "bulk": {"supported": caps.bulk, "maxOperations": caps.bulk_max_operations,
                 "maxPayloadSize": caps.bulk_max_payload},
        "filter": {"supported": caps.filter, "maxResults": caps.filter_max_results},
        "changePassword": {"supported": caps.change_password},
        "sort": {"supported": caps.sort},
        "etag": {"supported": caps.etag},
        "pagination": {"cursor": caps.pagination_cursor, "index": caps.pagination_index,
                       "defaultPaginationMethod": "index", "defaultPageSize": caps.default_page_size,
                       "maxPageSize": caps.filter_max_results, "cursorTimeout": CURSOR_TIMEOUT},
        "authenticationSchemes": [
            {**_AUTH[s], "primary": i == 0} for i, s in enumerate(caps.auth_schemes) if s in _AUTH
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base_url()}/ServiceProviderConfig"},
    }
    if caps.security_events is not None:  # RFC 9967 §4: absent when SETs are off
        body["securityEvents"] = {"asyncRequest": "none", "eventUris": list(caps.security_events)}
    return respond(body)


def _resource_type(rtype: ResourceType) -> dict[str, Any]:
    return {
        "schemas": [RT_SCHEMA],
        "id": rtype.name,
        "name": rtype.name,
        "endpoint": rtype.endpoint,
        "description": rtype.description,
        "schema": rtype.schema.id,
        "schemaExtensions": [{"schema": s.id, "required": req} for s, req in rtype.extensions],
        "meta": {"resourceType": "ResourceType", "location": f"{base_url()}/ResourceTypes/{rtype.name}"},
    }


def _described(a: Attribute) -> str:
    """The description, with the length limit where there is one (RFC 7643 §7 has no attribute
    characteristic for it; the OpenAPI document says it as maxLength)."""
    if a.max_length is None:
        return a.description
    limit = f"At most {a.max_length} characters (scim.max_indexed_length)."
    return f"{a.description.rstrip()} {limit}" if a.description else limit


def _attribute(a: Attribute) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": a.name, "type": a.type, "multiValued": a.multi_valued, "description": _described(a),
        "required": a.required, "caseExact": a.case_exact, "mutability": a.mutability,
        "returned": a.returned, "uniqueness": a.uniqueness,
    }
    if a.canonical_values:
        out["canonicalValues"] = list(a.canonical_values)
    if a.type == "reference":
        out["referenceTypes"] = list(a.reference_types or ("external",))
    if a.sub_attributes:
        out["subAttributes"] = [_attribute(s) for s in a.sub_attributes]
    return out


def _schema(s: Schema) -> dict[str, Any]:
    return {
        "schemas": [SCHEMA_SCHEMA], "id": s.id, "name": s.name, "description": s.description,
        "attributes": [_attribute(a) for a in s.attributes],
        "meta": {"resourceType": "Schema", "location": f"{base_url()}/Schemas/{s.id}"},
    }


@inject
def resource_types(registry: Registry = Provide[HttpDependencies.registry]) -> Response:
    items = [_resource_type(t) for t in registry.types]
    return respond(list_response(items, len(items), 1))


@inject
def resource_type(name: str, registry: Registry = Provide[HttpDependencies.registry]) -> Response:
    for t in registry.types:
        if t.name.lower() == name.lower():
            return respond(_resource_type(t))
    raise NotFound(f"resource type {name} not found")


@inject
def schemas(registry: Registry = Provide[HttpDependencies.registry]) -> Response:
    items = [_schema(s) for s in registry.schemas()]
    return respond(list_response(items, len(items), 1))


@inject
def schema(urn: str, registry: Registry = Provide[HttpDependencies.registry]) -> Response:
    for s in registry.schemas():
        if s.id.lower() == urn.lower():
            return respond(_schema(s))
    raise NotFound(f"schema {urn} not found")


def register(bp: Blueprint) -> None:
    """The discovery endpoints (RFC 7644 §4), open without credentials."""
    bp.add_url_rule("/ServiceProviderConfig", view_func=service_provider_config)
    bp.add_url_rule("/ResourceTypes", view_func=resource_types)
    bp.add_url_rule("/ResourceTypes/<name>", view_func=resource_type)
    bp.add_url_rule("/Schemas", view_func=schemas)
    bp.add_url_rule("/Schemas/<path:urn>", view_func=schema)
