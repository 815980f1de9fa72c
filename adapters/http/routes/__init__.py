"""Flask routes under /scim/v2, registered once from the resource-type registry; the package is wired by the container."""

from __future__ import annotations

from collections.abc import Callable

from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response, current_app, request

from adapters.http import SCIM_PREFIX, openapi
from adapters.http.auth import authenticate
from adapters.http.dependencies import HttpDependencies
from adapters.http.errors import scim_error
from adapters.http.responses import base_url
from adapters.http.routes import bulk as bulk_route
from adapters.http.routes import discovery, listing, me, resources
from domain.capabilities import Capabilities
from domain.schema.registry import Registry

JSON_RESPONSES = ["application/scim+json", "application/json"]


def _not_implemented(what: str) -> Callable[[], Response]:
    """An endpoint of RFC 7644 this service does not implement (yet): 501, not 404 (§3.12)."""
    def view() -> Response:
        return scim_error(501, f"{what} not implemented; ServiceProviderConfig says what is")
    return view


def _acceptable() -> Response | None:
    """406 when the request's Accept header admits no JSON (RFC 7644 §3.1, §8.1)."""
    offered = request.accept_mimetypes
    if offered and offered.best_match(JSON_RESPONSES) is None:
        return scim_error(406, "the responses are application/scim+json (or application/json); "
                               "the Accept header admits neither")
    return None


@inject
def _openapi(registry: Registry = Provide[HttpDependencies.registry],
             caps: Capabilities = Provide[HttpDependencies.capabilities]) -> Response:
    """The OpenAPI 3.1 description (adapters/http/openapi), for the URL the client sees."""
    own = request.url_rule.rule if request.url_rule else request.path
    origin = base_url().removesuffix(SCIM_PREFIX)
    metrics = current_app.extensions.get("metrics_path")  # app/__init__.py install_metrics
    return Response(openapi.serialized(registry, caps.auth_schemes, own, origin, caps.bulk, metrics,
                                       "sets" in current_app.extensions),
                    mimetype="application/json")


def blueprints(registry: Registry, openapi_path: str = "", bulk: bool = True) -> list[Blueprint]:
    """The SCIM API of one app: resources, searches, /Me and (with `bulk`) POST /Bulk behind
    authentication, discovery open, and the OpenAPI description at `openapi_path` (open; "" for
    none)."""
    api = Blueprint("scim", __name__, url_prefix=SCIM_PREFIX)
    api.before_request(_acceptable)
    api.before_request(authenticate)
    resources.register(api, registry)
    listing.register(api, registry)
    me.register(api, registry)
    if bulk:
        api.add_url_rule("/Bulk", "bulk", bulk_route.bulk, methods=["POST"])
    else:
        api.add_url_rule("/Bulk", "unimplemented_bulk", _not_implemented("Bulk operations (RFC 7644 §3.7)"),
                         methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    open_ = Blueprint("scim_discovery", __name__, url_prefix=SCIM_PREFIX)
    open_.before_request(_acceptable)
    discovery.register(open_)
    if not openapi_path:
        return [api, open_]
    description = Blueprint("openapi", __name__)
    description.add_url_rule(openapi_path, "openapi", _openapi, methods=["GET"])
    return [api, open_, description]
