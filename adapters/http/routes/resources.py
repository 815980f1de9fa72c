"""/Users and /Groups (RFC 7644 §3.3–3.6), registered once per resource type of the registry:
load the request, call one use case, write the response. `create`, `read`, `replace`, `patch`
and `delete` take what the request carries (body, If-Match, projection), so a bulk operation
(routes/bulk.py) and /Me (routes/me.py) run exactly what the same request on /Users alone runs."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response
from flask.blueprints import BlueprintSetupState
from flask.views import MethodView
from werkzeug.routing import BaseConverter

from adapters.http.auth import principal, profile
from adapters.http.dependencies import HttpDependencies
from adapters.http.loaders import loader_for
from adapters.http.messages import patch_operations
from adapters.http.request_log import request_id
from adapters.http.requests import (
    if_match_header,
    if_none_match,
    json_object,
    url_params,
    versions_of,
)
from adapters.http.responses import empty, resource_response, wants_related
from adapters.http.routes import listing
from domain.errors import Mutability, NotFound
from domain.idp.policy import Policy
from domain.provisioning.commands import DeleteCommand, GetCommand, PatchCommand, View, WriteCommand
from domain.provisioning.operations import ResourceOperations
from domain.provisioning.reads import GetResource
from domain.query.projection import Projection
from domain.schema.attributes import ResourceType
from domain.schema.registry import Registry


def _policy() -> Policy:
    return profile().policy


def _operations(kind: str) -> ResourceOperations:
    return profile().operations[kind]


def projection(rtype: ResourceType) -> Projection:
    """The request's attributes/excludedAttributes (§3.4.2.5), under the credential's policy."""
    return url_params().projection(rtype, _policy())


def _write_command(rtype: ResourceType, body: dict[str, Any], proj: Projection, resource_id: str | None = None,
                   if_match: str | None = None) -> WriteCommand:
    loaded = loader_for(rtype, _policy()).load(body)
    if resource_id is not None and loaded.resource_id not in (None, resource_id):
        raise Mutability(f"'id' in the body ({loaded.resource_id}) differs from the URL ({resource_id})")
    return WriteCommand(principal(), loaded.attributes, resource_id, loaded.password, loaded.members,
                        versions_of(if_match) if resource_id else None, wants_related(rtype, proj), request_id())


def create(rtype: ResourceType, body: dict[str, Any], proj: Projection) -> Response:
    """POST of a resource (RFC 7644 §3.3)."""
    view = _operations(rtype.name).create(_write_command(rtype, body, proj))
    return _answer(view, rtype, proj, 201)


@inject
def read(rtype: ResourceType, resource_id: str, proj: Projection,
         getter: GetResource = Provide[HttpDependencies.get_resource]) -> Response:
    """GET of one resource (§3.4.1); 304 while If-None-Match names its version (§3.14)."""
    command = GetCommand(principal(), rtype.name, resource_id, wants_related(rtype, proj))
    return _read_and_answer(getter, command, rtype, proj, if_none_match=if_none_match)


def replace(rtype: ResourceType, resource_id: str, body: dict[str, Any], if_match: str | None,
            proj: Projection) -> Response:
    """PUT (§3.5.1); `if_match` is the If-Match value."""
    view = _operations(rtype.name).replace(_write_command(rtype, body, proj, resource_id, if_match))
    return _answer(view, rtype, proj)


def patch(rtype: ResourceType, resource_id: str, body: dict[str, Any], if_match: str | None,
          proj: Projection) -> Response:
    """PATCH (§3.5.2): 200 with the resource, or 204 as the credential's policy says."""
    policy = _policy()
    related = wants_related(rtype, proj) and policy.patch_response != 204
    operations = patch_operations(body)
    command = PatchCommand(principal(), resource_id, operations, versions_of(if_match), related, request_id())
    view = _operations(rtype.name).patch(command)
    if policy.patch_response == 204:
        return empty(204, view.resource.etag)
    return _answer(view, rtype, proj)


def delete(rtype: ResourceType, resource_id: str, if_match: str | None) -> Response:
    """DELETE (§3.6)."""
    _operations(rtype.name).delete(DeleteCommand(principal(), resource_id, versions_of(if_match), request_id()))
    return empty(204)


@inject
def _answer(view: View, rtype: ResourceType, proj: Projection, status: int = 200,
            getter: GetResource = Provide[HttpDependencies.get_resource]) -> Response:
    """A write's response. A big group's write view comes without its members
    (`more_members`): they are read from a snapshot taken after the write (so the body may show
    a later version, whole and consistent, if another write came between) and streamed."""
    if not view.more_members:
        return resource_response(view, rtype, proj, status)
    try:
        return _read_and_answer(getter, GetCommand(principal(), rtype.name, view.resource.id), rtype, proj, status)
    except NotFound:  # deleted since the write: what the write left, without members
        return resource_response(View(view.resource), rtype, proj, status)


def _read_and_answer(getter: GetResource, command: GetCommand, rtype: ResourceType, proj: Projection,
                     status: int = 200, if_none_match: Callable[[str], bool] | None = None) -> Response:
    with ExitStack() as stack:  # the read transaction; a streamed body takes it along
        view = stack.enter_context(getter.open(command))
        if if_none_match is not None and if_none_match(view.resource.etag):
            return empty(304, view.resource.etag)
        if view.member_chunks is None:
            return resource_response(view, rtype, proj, status)
        return resource_response(view, rtype, proj, status, on_close=stack.pop_all().close)


class Collection(MethodView):
    """GET (a list: routes/listing.py) and POST on a resource type's endpoint."""

    init_every_request = False

    def __init__(self, rtype: ResourceType) -> None:
        self.rtype = rtype

    def get(self) -> Response:
        return listing.search(self.rtype.name, url_params())

    def post(self) -> Response:
        proj = projection(self.rtype)
        return create(self.rtype, json_object(_policy().limits), proj)


class Item(MethodView):
    """GET, PUT, PATCH and DELETE of one resource."""

    init_every_request = False

    def __init__(self, rtype: ResourceType) -> None:
        self.rtype = rtype

    def get(self, resource_id: str) -> Response:
        return read(self.rtype, resource_id, projection(self.rtype))

    def put(self, resource_id: str) -> Response:
        proj = projection(self.rtype)
        return replace(self.rtype, resource_id, json_object(_policy().limits), if_match_header(), proj)

    def patch(self, resource_id: str) -> Response:
        proj = projection(self.rtype)
        return patch(self.rtype, resource_id, json_object(_policy().limits), if_match_header(), proj)

    def delete(self, resource_id: str) -> Response:
        return delete(self.rtype, resource_id, if_match_header())


class ResourceId(BaseConverter):
    """A resource id in the URL: any text but what no store can hold (NUL: PostgreSQL text
    cannot), so such a URL is a 404 on every store instead of a database error."""

    regex = "[^/\x00]+"


def _install_routing(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["scim_id"] = ResourceId
    # `//Users` is no route (a 404 SCIM error), not a 308 redirect with an HTML page
    state.app.url_map.merge_slashes = False


def register(bp: Blueprint, registry: Registry) -> None:
    """One collection and one item route per resource type of the registry."""
    bp.record_once(_install_routing)
    for rtype in registry.types:
        bp.add_url_rule(rtype.endpoint, view_func=Collection.as_view(f"{rtype.name}_collection", rtype))
        bp.add_url_rule(f"{rtype.endpoint}/<scim_id:resource_id>", view_func=Item.as_view(f"{rtype.name}_item", rtype))
