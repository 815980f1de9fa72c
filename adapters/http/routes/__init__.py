"""Flask routes under /scim/v2, registered once from the resource-type registry; the package is wired by the container."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response

from adapters.http import SCIM_PREFIX
from adapters.http.auth import authenticate
from adapters.http.errors import scim_error
from adapters.http.routes import discovery, listing, resources
from domain.schema.registry import Registry


def _not_implemented(what: str) -> Callable[[], Response]:
    """An endpoint of RFC 7644 this service does not implement (yet): 501, not 404 (§3.12)."""
    def view() -> Response:
        return scim_error(501, f"{what} not implemented; ServiceProviderConfig says what is")
    return view


def blueprints(registry: Registry) -> list[Blueprint]:
    """The SCIM API of one app: resources and searches behind authentication, discovery open."""
    api = Blueprint("scim", __name__, url_prefix=SCIM_PREFIX)
    api.before_request(authenticate)
    resources.register(api, registry)
    listing.register(api, registry)
    for path, what in (("/Bulk", "Bulk operations (RFC 7644 §3.7)"), ("/Me", "the /Me alias (RFC 7644 §3.11)")):
        api.add_url_rule(path, f"unimplemented_{path[1:].lower()}", _not_implemented(what),
                         methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    open_ = Blueprint("scim_discovery", __name__, url_prefix=SCIM_PREFIX)
    discovery.register(open_)
    return [api, open_]
