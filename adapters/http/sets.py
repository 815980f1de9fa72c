"""Security event delivery over HTTP, outside /scim/v2 (neither is a SCIM resource): the poll
endpoint of RFC 8936 at /events/poll/<receiver>, behind the receiver's own bearer token
(`scim-service sets token RECEIVER`; a SCIM credential opens nothing here, nor a receiver's
token the SCIM API), and the JWK Set that verifies the SETs at /events/jwks.json, open like
discovery (public keys only). Errors are RFC 8935 objects (`err`, `description`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Response, g, request

from domain.credentials.throttle import Throttle
from domain.credentials.tokens import Tokens
from domain.errors import InvalidValue
from domain.model import Principal
from domain.sets.events import Receiver
from domain.sets.poll import PollRequest, PollSets
from domain.sets.tokens import DataSource

JWKS_PATH = "/events/jwks.json"
POLL_PATH = "/events/poll/<name>"
CREDENTIAL_PREFIX = "set-receiver:"  # a token's credential; ':' is in no scim.auth name
JSON = "application/json"


def receiver_credential(name: str) -> str:
    return CREDENTIAL_PREFIX + name


def _json(body: Any, status: int = 200) -> Response:
    response = Response(json.dumps(body), status, content_type=JSON)
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(status: int, err: str, description: str) -> Response:
    return _json({"err": err, "description": description}, status)


class BadPoll(ValueError):
    """A poll request that is not RFC 8936's; the message says what."""


def poll_request(body: Any) -> PollRequest:
    """An RFC 8936 poll request's members, checked; others are ignored (the protocol is extensible)."""
    if not isinstance(body, dict):
        raise BadPoll("the poll request is a JSON object")
    ack = body.get("ack", [])
    if not isinstance(ack, list) or not all(isinstance(j, str) for j in ack):
        raise BadPoll("ack: an array of jti strings")
    errs = body.get("setErrs", {})
    if not isinstance(errs, dict) or not all(
            isinstance(e, dict) and isinstance(e.get("err"), str) and isinstance(e.get("description", ""), str)
            for e in errs.values()):
        raise BadPoll('setErrs: an object of jti to {"err": string, "description": string}')
    most = body.get("maxEvents")
    if most is not None and (not isinstance(most, int) or isinstance(most, bool) or most < 0):
        raise BadPoll("maxEvents: an integer, 0 or more")
    now = body.get("returnImmediately", False)
    if not isinstance(now, bool):
        raise BadPoll("returnImmediately: a boolean")
    return PollRequest(tuple(ack), {j: (e["err"], e.get("description", "")) for j, e in errs.items()}, most, now)


def _body() -> Any:
    raw = request.get_data(cache=False)
    if not raw.strip():
        return {}  # a bare POST: short of nothing, a poll with the defaults
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise BadPoll("the body is not JSON") from None


def _refused(throttle: Throttle) -> Response:
    """401 with a Bearer challenge; an address past the failure limit gets 429 instead."""
    retry_after = throttle.failed(request.remote_addr or "unknown")
    g.refused = "unauthenticated" if retry_after is None else "throttled"  # for the metrics
    if retry_after is not None:
        response = _error(429, "access_denied", "too many failed authentications from this address")
        response.headers["Retry-After"] = str(retry_after)
    else:
        response = _error(401, "authentication_failed", "a bearer token of this receiver is required")
    response.headers["WWW-Authenticate"] = 'Bearer realm="events"'
    return response


def _authenticated(name: str, receivers: Mapping[str, Receiver], tokens: Tokens) -> Receiver | None:
    """The receiver `name` when the request carries a live token of its credential."""
    scheme, _, secret = (request.headers.get("Authorization") or "").strip().partition(" ")
    g.presented = scheme.lower() or None
    receiver = receivers.get(name)
    token = tokens.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if receiver is None or token is None or token.credential != receiver_credential(name):
        return None  # an unknown receiver is refused like a wrong token: no list of names
    g.principal = Principal(token.credential, "bearer")
    return receiver


def blueprint(poll: PollSets, receivers: Mapping[str, Receiver], tokens: Tokens, throttle: Throttle,
              jwks: dict[str, Any], data: Callable[[str], DataSource]) -> Blueprint:
    """`data(receiver name)`: where its full events read the resource (in the request)."""
    served = Blueprint("sets", __name__)

    @served.post(POLL_PATH)
    def poll_sets(name: str) -> Response:
        receiver = _authenticated(name, receivers, tokens)
        if receiver is None:
            return _refused(throttle)
        try:
            asked = poll_request(_body())
            result = poll(receiver, asked, data(name) if receiver.full else None)
        except (BadPoll, InvalidValue) as err:
            return _error(400, "invalid_request", str(err))
        return _json({"sets": result.sets, "moreAvailable": result.more_available})

    @served.get(JWKS_PATH)
    def keys() -> Response:
        response = Response(json.dumps(jwks), content_type=JSON)
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    return served


def resource_reader(get: Callable[[Any], Any], registry: Any,
                    base: Callable[[], str] | None = None) -> Callable[[str], DataSource]:
    """A full receiver's DataSource: the resource as GET /<endpoint>/<id> returns it now (the
    read use case, rendered with every attribute a GET shows; never a password), None once gone.
    `base`: the SCIM base URL of its meta.location (default: the request's)."""
    from adapters.http.responses import base_url, render
    from domain.errors import NotFound
    from domain.provisioning.commands import GetCommand

    def for_receiver(name: str) -> DataSource:
        base_of = (base or base_url)()

        def read(resource_type: str, resource_id: str) -> dict[str, Any] | None:
            try:
                view = get(GetCommand(receiver_credential(name), resource_type, resource_id))
            except NotFound:
                return None
            rendered: dict[str, Any] = render(view, registry.by_name(resource_type), base_of)
            return rendered

        return read

    return for_receiver
