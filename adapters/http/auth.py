"""Authentication, one step before every SCIM request: the Authenticator port decides (HTTP
Basic or a bearer token), the principal it returns goes into each use-case command and picks
the request's IdP profile. Refusal: 401 with a SCIM Error body and a challenge per configured
scheme; an address past the failure limit gets 429 and Retry-After instead (domain throttle)."""

from __future__ import annotations

from typing import Any

from dependency_injector.wiring import Provide, inject
from flask import Response, g, request
from flask_httpauth import HTTPBasicAuth
from werkzeug.datastructures import Authorization

from adapters.http.dependencies import HttpDependencies, Profile, Profiles
from adapters.http.errors import scim_error
from domain.credentials.throttle import Throttle
from domain.model import Principal
from domain.ports import Authenticator

REALM = "scim"
_CHALLENGES = {"basic": "Basic", "bearer": "Bearer"}


class _Credentials(HTTPBasicAuth):  # type: ignore[misc]
    """flask-httpauth's Basic parsing, plus bearer tokens (RFC 6750 §2.1); the scheme name is
    case-insensitive (RFC 7235 §2.1). Any other scheme is refused like a wrong password."""

    def get_auth(self) -> Authorization | None:
        value = request.headers.get("Authorization")
        if value is None:
            return None
        scheme, _, rest = value.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer":
            return Authorization("bearer", token=rest.strip())
        parsed = super().get_auth() if scheme == "basic" else None
        if parsed is None:
            return Authorization(scheme or "none")
        return Authorization("basic", {"username": parsed.username or "", "password": parsed.password or ""})

    def authenticate(self, auth: Authorization | None, stored_password: Any) -> Principal | None:
        g.presented = None if auth is None else auth.type
        return None if auth is None else _verify(auth)


@inject
def _verify(auth: Authorization, authenticator: Authenticator = Provide[HttpDependencies.authenticator],
            profiles: Profiles = Provide[HttpDependencies.profiles]) -> Principal | None:
    if auth.type == "bearer":
        parts = {"token": auth.token or ""}
    else:
        parts = {k: v for k, v in (("username", auth.username), ("password", auth.password)) if v is not None}
    principal = authenticator.authenticate(auth.type, parts)
    if principal is not None:
        g.principal, g.profile = principal, profiles.of(principal.name)
    return principal


credentials = _Credentials(realm=REALM)


@credentials.error_handler
@inject
def _refused(status: int, throttle: Throttle = Provide[HttpDependencies.throttle],
             authenticator: Authenticator = Provide[HttpDependencies.authenticator]) -> Response:
    # The address is the client's as ProxyFix sees it: forwarded only by trusted proxies.
    retry_after = throttle.failed(request.remote_addr or "unknown")
    g.refused = "unauthenticated" if retry_after is None else "throttled"  # for the metrics
    if retry_after is not None:
        response = scim_error(429, "too many failed authentications from this address; retry later")
        response.headers["Retry-After"] = str(retry_after)
    else:
        response = scim_error(401, "authentication required: missing or invalid credentials")
    # flask-httpauth would name Basic alone: every configured scheme, on 429 too
    challenges = []
    for scheme in authenticator.schemes:
        challenge = f'{_CHALLENGES[scheme]} realm="{REALM}"'
        if scheme == "bearer" and g.get("presented") == "bearer":
            challenge += ', error="invalid_token"'  # RFC 6750 §3.1
        challenges.append(challenge)
    response.headers["WWW-Authenticate"] = ", ".join(challenges)
    return response


@credentials.login_required
def _pass() -> None:
    return None


def authenticate() -> Response | None:
    """A before_request hook: None lets the request through, a response refuses it."""
    return _pass()  # type: ignore[no-any-return]


def principal() -> str:
    return str(g.principal.name)


def caller() -> Principal:
    """The principal that authenticated the request (its name, scheme and /Me binding)."""
    who: Principal = g.principal
    return who


def profile() -> Profile:
    """The IdP profile (policy and use cases) of the credential that authenticated the request."""
    chosen: Profile = g.profile
    return chosen
