"""/Me (RFC 7644 §3.11): GET, PUT, PATCH and DELETE of the User the authenticated credential is
bound to (domain/provisioning/me.py finds its id), through the very functions /Users/{id} runs
(routes/resources.py): same use cases, statuses, bodies, ETag and If-Match, projection. The
answers name the User's own URL: meta.location as always, and Location (§3.11: the resource's
permanent location). An unbound credential gets 501, a bound user that does not exist 404.
POST /Me, the self-registration create §3.11 allows, is not implemented: 501."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from flask import Blueprint, Response
from flask.views import MethodView

from adapters.http.auth import caller, profile
from adapters.http.dependencies import HttpDependencies
from adapters.http.errors import scim_error
from adapters.http.requests import if_match_header, json_object
from adapters.http.responses import base_url
from adapters.http.routes import resources
from domain.provisioning.me import FindMe
from domain.schema.attributes import ResourceType
from domain.schema.registry import Registry


@inject
def _bound_id(find: FindMe = Provide[HttpDependencies.find_me]) -> str:
    return find.id_of(caller())


class Me(MethodView):
    """The User of the request's credential, at /Me."""

    init_every_request = False

    def __init__(self, rtype: ResourceType) -> None:
        self.rtype = rtype

    def _located(self, user_id: str, response: Response) -> Response:
        response.headers["Location"] = f"{base_url()}{self.rtype.endpoint}/{user_id}"
        return response

    def get(self) -> Response:
        user_id = _bound_id()
        return self._located(user_id, resources.read(self.rtype, user_id, resources.projection(self.rtype)))

    def put(self) -> Response:
        user_id, proj = _bound_id(), resources.projection(self.rtype)
        body = json_object(profile().policy.limits)
        return self._located(user_id, resources.replace(self.rtype, user_id, body, if_match_header(), proj))

    def patch(self) -> Response:
        user_id, proj = _bound_id(), resources.projection(self.rtype)
        body = json_object(profile().policy.limits)
        return self._located(user_id, resources.patch(self.rtype, user_id, body, if_match_header(), proj))

    def delete(self) -> Response:
        return resources.delete(self.rtype, _bound_id(), if_match_header())  # gone: no Location

    def post(self) -> Response:
        return scim_error(501, "POST /Me (self-registration, RFC 7644 §3.11) not implemented; "
                               "create Users at /Users")


def register(bp: Blueprint, registry: Registry) -> None:
    bp.add_url_rule("/Me", view_func=Me.as_view("me", registry.user))
