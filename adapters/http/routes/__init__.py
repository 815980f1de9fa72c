"""Flask routes under /scim/v2, registered once from the resource-type registry; the package is wired by the container."""

from __future__ import annotations

from flask import Blueprint

from adapters.http import SCIM_PREFIX
from adapters.http.auth import authenticate
from adapters.http.routes import discovery, listing, resources
from domain.schema.registry import Registry


def blueprints(registry: Registry) -> list[Blueprint]:
    """The SCIM API of one app: resources and searches behind authentication, discovery open."""
    api = Blueprint("scim", __name__, url_prefix=SCIM_PREFIX)
    api.before_request(authenticate)
    resources.register(api, registry)
    listing.register(api, registry)
    open_ = Blueprint("scim_discovery", __name__, url_prefix=SCIM_PREFIX)
    discovery.register(open_)
    return [api, open_]
