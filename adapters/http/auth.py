"""Authentication, one step before every SCIM request: the Authenticator port decides, the
principal it returns goes into each use-case command. Refusal: 401 with a SCIM Error body."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from flask import Response, g
from flask_httpauth import HTTPBasicAuth

from adapters.http.dependencies import HttpDependencies
from adapters.http.errors import scim_error
from domain.model import Principal
from domain.ports import Authenticator

basic = HTTPBasicAuth(realm="scim")


@basic.verify_password
@inject
def _verify(username: str, password: str, authenticator: Authenticator = Provide[HttpDependencies.authenticator]) -> Principal | None:
    principal = authenticator.authenticate("basic", {"username": username or "", "password": password or ""})
    if principal is not None:
        g.principal = principal
    return principal


@basic.error_handler
def _refused(status: int) -> Response:
    if status == 401:
        return scim_error(401, "authentication required: missing or invalid credentials")
    return scim_error(status, "access denied")


@basic.login_required
def _pass() -> None:
    return None


def authenticate() -> Response | None:
    """A before_request hook: None lets the request through, a response refuses it."""
    return _pass()  # type: ignore[no-any-return]


def principal() -> str:
    return str(g.principal.name)
