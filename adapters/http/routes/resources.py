"""/Users and /Groups (RFC 7644 §3.3–3.6): load, call one use case, render."""

from __future__ import annotations

import json
from typing import Any

from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response, request

from adapters.http import SCIM_PREFIX
from adapters.http.auth import authenticate, principal
from adapters.http.errors import SCIM_JSON
from adapters.http.loaders import loader_for
from adapters.http.requests import if_match, if_none_match, json_object
from adapters.http.responses import render, wants_related
from domain.errors import InvalidSyntax, Mutability
from domain.idp.policy import Policy
from domain.model import GROUP, USER
from domain.patch.engine import PatchOp
from domain.query.projection import Projection, projection
from domain.schema.attributes import ResourceType
from domain.schema.registry import Registry
from domain.use_cases.common import DeleteCommand, View, WriteCommand
from domain.use_cases.patch import PatchCommand, PatchResource
from domain.use_cases.queries import GetCommand, GetResource

bp = Blueprint("scim_resources", __name__, url_prefix=SCIM_PREFIX)
bp.before_request(authenticate)


def base_url() -> str:
    return request.url_root.rstrip("/") + SCIM_PREFIX


def respond(body: dict[str, Any], status: int = 200, etag: str | None = None,
            location: str | None = None) -> Response:
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=SCIM_JSON)
    if etag:
        resp.headers["ETag"] = etag
    if location:
        resp.headers["Location"] = location
    return resp


@inject
def _projection(rtype: ResourceType, policy: Policy = Provide["policy"]) -> Projection:
    """attributes / excludedAttributes (RFC 7644 §3.9), on every response that carries resources."""
    return projection(rtype, request.args.get("attributes"), request.args.get("excludedAttributes"),
                      policy.unknown)


def empty(status: int, etag: str | None = None) -> Response:
    """A response without a body (204, 304): no Content-Type either."""
    resp = Response(status=status)
    del resp.headers["Content-Type"]
    if etag:
        resp.headers["ETag"] = etag
    return resp


def _one(view: View, rtype: ResourceType, status: int = 200) -> Response:
    body = render(view, rtype, base_url(), _projection(rtype))
    location = f"{base_url()}{rtype.endpoint}/{view.resource.id}" if status == 201 else None
    return respond(body, status, view.resource.etag, location)


def _write_command(rtype: ResourceType, policy: Policy, resource_id: str | None = None) -> WriteCommand:
    loaded = loader_for(rtype, policy).load(json_object())
    if resource_id is not None and loaded.resource_id not in (None, resource_id):
        raise Mutability(f"'id' in the body ({loaded.resource_id}) differs from the URL ({resource_id})")
    return WriteCommand(principal(), loaded.attributes, resource_id, loaded.password, loaded.members,
                        if_match() if resource_id else None, wants_related(rtype, _projection(rtype)))


@inject
def _get(kind: str, resource_id: str, registry: Registry = Provide["registry"],
         getter: GetResource = Provide["get_resource"]) -> Response:
    rtype = registry.by_name(kind)
    view = getter(GetCommand(principal(), kind, resource_id, wants_related(rtype, _projection(rtype))))
    if if_none_match(view.resource.etag):
        return empty(304, view.resource.etag)
    return _one(view, rtype)


@bp.get("/Users/<resource_id>")
def get_user(resource_id: str) -> Response:
    return _get(USER, resource_id)


@bp.get("/Groups/<resource_id>")
def get_group(resource_id: str) -> Response:
    return _get(GROUP, resource_id)


@bp.post("/Users")
@inject
def create_user(registry: Registry = Provide["registry"], policy: Policy = Provide["policy"],
                provision: Any = Provide["provision_user"]) -> Response:
    return _one(provision(_write_command(registry.user, policy)), registry.user, 201)


@bp.post("/Groups")
@inject
def create_group(registry: Registry = Provide["registry"], policy: Policy = Provide["policy"],
                 create: Any = Provide["create_group"]) -> Response:
    return _one(create(_write_command(registry.group, policy)), registry.group, 201)


@bp.put("/Users/<resource_id>")
@inject
def replace_user(resource_id: str, registry: Registry = Provide["registry"],
                 policy: Policy = Provide["policy"], replace: Any = Provide["replace_user"]) -> Response:
    return _one(replace(_write_command(registry.user, policy, resource_id)), registry.user)


@bp.put("/Groups/<resource_id>")
@inject
def replace_group(resource_id: str, registry: Registry = Provide["registry"],
                  policy: Policy = Provide["policy"], replace: Any = Provide["replace_group"]) -> Response:
    return _one(replace(_write_command(registry.group, policy, resource_id)), registry.group)


@bp.delete("/Users/<resource_id>")
@inject
def delete_user(resource_id: str, delete: Any = Provide["delete_user"]) -> Response:
    delete(DeleteCommand(principal(), resource_id, if_match()))
    return empty(204)


@bp.delete("/Groups/<resource_id>")
@inject
def delete_group(resource_id: str, delete: Any = Provide["delete_group"]) -> Response:
    delete(DeleteCommand(principal(), resource_id, if_match()))
    return empty(204)


PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _operations() -> tuple[PatchOp, ...]:
    """The PatchOp message (RFC 7644 §3.5.2); member names are matched case-insensitively and
    extra members of an operation are ignored (the MS Postman collection sends "name")."""
    body = {k.lower(): v for k, v in json_object().items()}
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or PATCH_OP.lower() not in {str(s).lower() for s in schemas}:
        raise InvalidSyntax(f"'schemas' must contain {PATCH_OP}")
    ops = body.get("operations")
    if not isinstance(ops, list) or not ops:
        raise InvalidSyntax("'Operations' must be a non-empty list")
    out = []
    for raw in ops:
        if not isinstance(raw, dict):
            raise InvalidSyntax("each operation must be an object")
        op = {k.lower(): v for k, v in raw.items()}
        if not isinstance(op.get("op"), str):
            raise InvalidSyntax("each operation needs an 'op'")
        out.append(PatchOp(op["op"], op.get("path"), op.get("value"), "value" in op))
    return tuple(out)


@inject
def _patch(kind: str, resource_id: str, registry: Registry = Provide["registry"],
           patcher: PatchResource = Provide["patch_resource"], policy: Policy = Provide["policy"]) -> Response:
    rtype = registry.by_name(kind)
    related = wants_related(rtype, _projection(rtype)) and policy.patch_response != 204
    view = patcher(PatchCommand(principal(), kind, resource_id, _operations(), if_match(), related))
    if policy.patch_response == 204:
        return empty(204, view.resource.etag)
    return _one(view, rtype)


@bp.patch("/Users/<resource_id>")
def patch_user(resource_id: str) -> Response:
    return _patch(USER, resource_id)


@bp.patch("/Groups/<resource_id>")
def patch_group(resource_id: str) -> Response:
    return _patch(GROUP, resource_id)


