"""Listing and searching (RFC 7644 §3.4.2, §3.4.3): GET on a resource type, POST .search, and
POST /.search across resource types; index paging (startIndex/count) and RFC 9865 cursors."""

from __future__ import annotations

from typing import Any

from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response

from adapters.http.auth import principal, profile
from adapters.http.cursors import Cursors, Position, fingerprint
from adapters.http.dependencies import HttpDependencies, Paging
from adapters.http.messages import search_params
from adapters.http.requests import Params, json_object
from adapters.http.responses import LIST_RESPONSE, base_url, render, respond, wants_related
from domain.errors import InvalidCount, InvalidFilter, InvalidPath, InvalidValue
from domain.provisioning.commands import SearchCommand
from domain.provisioning.reads import SearchResources
from domain.query.ast import After, Expr, Query, Sort
from domain.query.parser import parse_filter
from domain.query.paths import resolve
from domain.schema.attributes import ResourceType
from domain.schema.registry import Registry


def body_params() -> Params:
    return Params(search_params(json_object(profile().policy.limits)))


def _filter(rtype: ResourceType, text: str | None) -> Expr | None:
    if text is None or not text.strip():
        return None
    try:
        return parse_filter(rtype, text, profile().policy.limits)
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


def _page_size(paging: Paging, count: int | None) -> int:
    """RFC 7644 §3.4.2.4: no count means the default; a negative one means 0; capped."""
    return min(max(paging.default_count if count is None else count, 0), paging.max_results)


def _cursor_query(kind: str, params: Params, expr: Expr | None, sort: Sort | None, paging: Paging,
                  cursors: Cursors) -> tuple[Query, int, str]:
    """RFC 9865: an empty cursor asks for the first page; one more item is asked for, to know
    whether a next page exists."""
    count = params.integer("count")
    if count is not None and not 0 <= count <= paging.max_results:
        raise InvalidCount(f"count must be between 0 and {paging.max_results} with cursors")
    key = fingerprint(kind, params.text("filter"), params.text("sortBy"), params.text("sortOrder"))
    token = params.text("cursor")
    position = cursors.open(token, key, count) if token else None
    size = position.count if position else (paging.default_count if count is None else count)
    after = After(position.value, position.id) if position else None
    return Query(expr, 1, size + 1, sort, after), size, key


@inject
def search(kind: str, params: Params, registry: Registry = Provide[HttpDependencies.registry],
           searcher: SearchResources = Provide[HttpDependencies.search_resources],
           paging: Paging = Provide[HttpDependencies.paging],
           cursors: Cursors = Provide[HttpDependencies.cursors]) -> Response:
    rtype = registry.by_name(kind)
    expr, sort = _filter(rtype, params.text("filter")), _sort(rtype, params)
    proj = params.projection(rtype, profile().policy)
    cursor = params.text("cursor") is not None
    if cursor:
        query, size, key = _cursor_query(kind, params, expr, sort, paging, cursors)
    else:
        start = max(params.integer("startIndex") or 1, 1)  # RFC 7644 §3.4.2.4: < 1 means 1
        size = _page_size(paging, params.integer("count"))
        query = Query(expr, start, size, sort)
    result = searcher(SearchCommand(principal(), kind, query, wants_related(rtype, proj)))
    views, keys = result.views[:size], (result.keys or [])[:size]
    body: dict[str, Any] = {"schemas": [LIST_RESPONSE]}
    if result.total is not None:
        body["totalResults"] = result.total
    body["itemsPerPage"] = len(views)
    if not cursor:
        body["startIndex"] = result.start_index
    elif len(result.views) > size and views:
        body["nextCursor"] = cursors.seal(key, Position(keys[-1], views[-1].resource.id, size))
    body["Resources"] = [render(v, rtype, base_url(), proj) for v in views]
    return respond(body)


def _filters(registry: Registry, text: str | None) -> dict[str, Expr | None]:
    """The filter compiled for each resource type that has its attributes; InvalidFilter only
    when no type has them."""
    exprs: dict[str, Expr | None] = {}
    failure: InvalidFilter | None = None
    for rtype in registry.types:
        try:
            exprs[rtype.name] = _filter(rtype, text)
        except InvalidFilter as err:
            failure = err
    if not exprs and failure is not None:
        raise failure
    return exprs


@inject
def search_everything(registry: Registry = Provide[HttpDependencies.registry],
                      searcher: SearchResources = Provide[HttpDependencies.search_resources],
                      paging: Paging = Provide[HttpDependencies.paging]) -> Response:
    """Search across resource types (RFC 7644 §3.4.3): Users, then Groups, index-paged as one
    list. A filter naming an attribute a type lacks matches nothing of that type. Sorting
    applies within each type; cursors are per resource type (use /Users/.search)."""
    params = body_params()
    if params.text("cursor") is not None:
        raise InvalidValue("cursor paging is per resource type: use /Users/.search or /Groups/.search")
    exprs = _filters(registry, params.text("filter"))
    start = max(params.integer("startIndex") or 1, 1)
    offset, remaining = start - 1, _page_size(paging, params.integer("count"))
    total, resources = 0, []
    for rtype in (t for t in registry.types if t.name in exprs):
        proj = params.projection(rtype, profile().policy)
        query = Query(exprs[rtype.name], offset + 1, remaining, _sort(rtype, params))
        result = searcher(SearchCommand(principal(), rtype.name, query, wants_related(rtype, proj)))
        found = result.total or 0
        total += found
        resources += [render(v, rtype, base_url(), proj) for v in result.views]
        remaining -= len(result.views)
        offset = max(offset - found, 0)
    return respond({"schemas": [LIST_RESPONSE], "totalResults": total, "startIndex": start,
                    "itemsPerPage": len(resources), "Resources": resources})


def register(bp: Blueprint, registry: Registry) -> None:
    """POST .search per resource type of the registry, and POST /.search (a list, GET on the
    type's endpoint, is routed with its POST in routes/resources.py)."""
    for rtype in registry.types:
        kind = rtype.name
        bp.add_url_rule(f"{rtype.endpoint}/.search", f"{kind}_search",
                        lambda kind=kind: search(kind, body_params()), methods=["POST"])
    bp.add_url_rule("/.search", "search_everything", search_everything, methods=["POST"])
