"""Listing and searching (RFC 7644 §3.4.2, §3.4.3): GET on a resource type, POST .search, and
POST /.search across resource types; index paging (startIndex/count) and RFC 9865 cursors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response, request

from adapters.http import SCIM_PREFIX
from adapters.http.auth import authenticate, principal
from adapters.http.cursors import Cursors, Position, fingerprint
from adapters.http.requests import json_object
from adapters.http.responses import LIST_RESPONSE, render, wants_related
from adapters.http.routes.resources import base_url, respond
from domain.errors import InvalidCount, InvalidFilter, InvalidPath, InvalidSyntax, InvalidValue
from domain.idp.policy import Policy
from domain.model import GROUP, USER
from domain.query.ast import After, Expr, Query, Sort
from domain.query.parser import parse_filter
from domain.query.paths import resolve
from domain.query.projection import projection
from domain.schema.attributes import ResourceType
from domain.schema.registry import Registry
from domain.use_cases.queries import ListCommand, ListResources

bp = Blueprint("scim_listing", __name__, url_prefix=SCIM_PREFIX)
bp.before_request(authenticate)
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@dataclass(frozen=True)
class Params:
    """The query parameters of a list or search, from the URL or a SearchRequest body."""

    values: Mapping[str, Any]

    def text(self, name: str) -> str | None:
        value = self.values.get(name.lower())
        if value is None:
            return None
        if isinstance(value, list):  # SearchRequest's attributes / excludedAttributes
            if not all(isinstance(v, str) for v in value):
                raise InvalidValue(f"'{name}' must be a list of attribute names")
            return ",".join(value)
        if not isinstance(value, str):
            raise InvalidValue(f"'{name}' must be a string")
        return value

    def integer(self, name: str) -> int | None:
        value = self.values.get(name.lower())
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidValue(f"'{name}' must be an integer")
        try:
            return int(value)
        except ValueError:
            raise InvalidValue(f"'{name}' must be an integer, got '{str(value)[:40]}'") from None


def url_params() -> Params:
    return Params({k.lower(): v for k, v in request.args.items()})


def body_params() -> Params:
    body = {k.lower(): v for k, v in json_object().items()}
    schemas = body.pop("schemas", None)
    if not isinstance(schemas, list) or SEARCH_REQUEST.lower() not in {str(s).lower() for s in schemas}:
        raise InvalidSyntax(f"'schemas' must contain {SEARCH_REQUEST}")
    return Params(body)


def _filter(rtype: ResourceType, text: str | None) -> Expr | None:
    if text is None or not text.strip():
        return None
    try:
        return parse_filter(rtype, text)
    except InvalidPath as err:
        raise InvalidFilter(err.detail) from None


def _sort(rtype: ResourceType, params: Params) -> Sort | None:
    by, order = params.text("sortBy"), (params.text("sortOrder") or "ascending").lower()
    if order not in ("ascending", "descending"):
        raise InvalidValue("'sortOrder' must be ascending or descending")
    if not by or not by.strip():
        return None
    try:
        path = resolve(rtype, by.strip())
    except InvalidPath as err:
        raise InvalidValue(f"cannot sort by '{by}': {err.detail}") from None
    if path.leaf.returned == "never":  # password: nothing to sort by, and nothing to hint at
        raise InvalidValue(f"cannot sort by '{path.name}'")
    return Sort(path, order == "descending")


@inject
def search(kind: str, params: Params, registry: Registry = Provide["registry"],
           lister: ListResources = Provide["list_resources"], paging: dict[str, int] = Provide["paging"],
           policy: Policy = Provide["policy"], cursors: Cursors = Provide["cursors"]) -> Response:
    rtype = registry.by_name(kind)
    expr, sort = _filter(rtype, params.text("filter")), _sort(rtype, params)
    proj = projection(rtype, params.text("attributes"), params.text("excludedAttributes"), policy.unknown)
    count = params.integer("count")
    token = params.text("cursor")
    if token is None:
        start = max(params.integer("startIndex") or 1, 1)  # RFC 7644 §3.4.2.4: < 1 means 1
        size = min(max(paging["default_count"] if count is None else count, 0), paging["max_results"])
        query = Query(expr, start, size, sort)
    else:  # RFC 9865: an empty cursor asks for the first page
        if count is not None and not 0 <= count <= paging["max_results"]:
            raise InvalidCount(f"count must be between 0 and {paging['max_results']} with cursors")
        key = fingerprint(kind, params.text("filter"), params.text("sortBy"), params.text("sortOrder"))
        position = cursors.open(token, key, count) if token else None
        size = position.count if position else (paging["default_count"] if count is None else count)
        after = After(position.value, position.id) if position else None
        query = Query(expr, 1, size + 1, sort, after)  # one more, to know whether a next page exists
    result = lister(ListCommand(principal(), kind, query, wants_related(rtype, proj)))
    views, keys = result.views[:size], (result.keys or [])[:size]
    body: dict[str, Any] = {"schemas": [LIST_RESPONSE]}
    if result.total is not None:
        body["totalResults"] = result.total
    body["itemsPerPage"] = len(views)
    if token is None:
        body["startIndex"] = result.start_index
    elif len(result.views) > size and views:
        body["nextCursor"] = cursors.seal(key, Position(keys[-1], views[-1].resource.id, size))
    body["Resources"] = [render(v, rtype, base_url(), proj) for v in views]
    return respond(body)


@bp.get("/Users")
def list_users() -> Response:
    return search(USER, url_params())


@bp.get("/Groups")
def list_groups() -> Response:
    return search(GROUP, url_params())


@bp.post("/Users/.search")
def search_users() -> Response:
    return search(USER, body_params())


@bp.post("/Groups/.search")
def search_groups() -> Response:
    return search(GROUP, body_params())


@bp.post("/.search")
@inject
def search_everything(registry: Registry = Provide["registry"], lister: ListResources = Provide["list_resources"],
                      paging: dict[str, int] = Provide["paging"], policy: Policy = Provide["policy"]) -> Response:
    """Search across resource types (RFC 7644 §3.4.3): Users, then Groups, index-paged as one
    list. A filter naming an attribute a type lacks matches nothing of that type. Sorting
    applies within each type; cursors are per resource type (use /Users/.search)."""
    params = body_params()
    if params.text("cursor") is not None:
        raise InvalidValue("cursor paging is per resource type: use /Users/.search or /Groups/.search")
    text = params.text("filter")
    exprs: dict[str, Expr | None] = {}
    failure: InvalidFilter | None = None
    for rtype in registry.types:
        try:
            exprs[rtype.name] = _filter(rtype, text)
        except InvalidFilter as err:
            failure = err
    if not exprs and failure is not None:
        raise failure
    offset = max(params.integer("startIndex") or 1, 1) - 1
    count = params.integer("count")
    remaining = min(max(paging["default_count"] if count is None else count, 0), paging["max_results"])
    total, resources = 0, []
    for rtype in registry.types:
        if rtype.name not in exprs:
            continue
        proj = projection(rtype, params.text("attributes"), params.text("excludedAttributes"), policy.unknown)
        query = Query(exprs[rtype.name], offset + 1, remaining, _sort(rtype, params))
        result = lister(ListCommand(principal(), rtype.name, query, wants_related(rtype, proj)))
        found = result.total or 0
        total += found
        resources += [render(v, rtype, base_url(), proj) for v in result.views]
        remaining -= len(result.views)
        offset = max(offset - found, 0)
    start = max(params.integer("startIndex") or 1, 1)
    return respond({"schemas": [LIST_RESPONSE], "totalResults": total, "startIndex": start,
                    "itemsPerPage": len(resources), "Resources": resources})
