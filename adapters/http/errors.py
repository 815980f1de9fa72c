"""One table from domain error to HTTP status and scimType (RFC 7644 §3.12), and the handlers
that make every error under /scim/v2 a SCIM Error body."""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from adapters.http import SCIM_PREFIX
from domain import errors as e

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_JSON = "application/scim+json"
log = logging.getLogger(__name__)

ERROR_TABLE: dict[type[e.DomainError], tuple[int, str | None]] = {
    e.InvalidValue: (400, "invalidValue"),
    e.InvalidSyntax: (400, "invalidSyntax"),
    e.InvalidFilter: (400, "invalidFilter"),
    e.TooMany: (400, "tooMany"),
    e.Mutability: (400, "mutability"),
    e.InvalidPath: (400, "invalidPath"),
    e.NoTarget: (400, "noTarget"),
    e.InvalidVersion: (400, "invalidVers"),
    e.InvalidCursor: (400, "invalidCursor"),
    e.ExpiredCursor: (400, "expiredCursor"),
    e.InvalidCount: (400, "invalidCount"),
    e.Forbidden: (403, None),
    e.NotFound: (404, None),
    e.Uniqueness: (409, "uniqueness"),
    e.Conflict: (409, None),
    e.Gone: (410, None),
    e.PreconditionFailed: (412, None),
    e.PayloadTooLarge: (413, None),
    e.NotSupported: (501, None),
}


def status_of(error: e.DomainError) -> tuple[int, str | None]:
    """Status and scimType of a domain error (the most specific table entry wins)."""
    for cls in type(error).__mro__:
        if cls in ERROR_TABLE:
            return ERROR_TABLE[cls]
    return 500, None


def scim_error(status: int, detail: str, scim_type: str | None = None,
               headers: dict[str, str] | None = None) -> Response:
    body: dict[str, object] = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    resp = Response(json.dumps(body), status=status, mimetype=SCIM_JSON)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _is_scim() -> bool:
    return request.path == SCIM_PREFIX or request.path.startswith(SCIM_PREFIX + "/")


def domain_error(err: e.DomainError) -> Response:
    status, scim_type = status_of(err)
    return scim_error(status, err.detail, scim_type)


def http_error(err: HTTPException) -> Response:
    """A werkzeug HTTP error (404 no route, 405, 413 ...) as a SCIM Error."""
    # Allow in a stable order (werkzeug's follows a set's)
    headers = {k: ", ".join(sorted(v.split(", "))) for k, v in err.get_headers() if k.lower() == "allow"}
    scim_type = "invalidSyntax" if err.code == 400 else None
    detail = err.description or err.name
    if isinstance(err, RequestEntityTooLarge) and detail == RequestEntityTooLarge.description:
        detail = f"the request body exceeds {request.max_content_length} bytes (server.max_body_bytes)"
    return scim_error(err.code or 500, detail, scim_type, headers)


def unexpected_error(err: Exception) -> Response:
    """A bug: logged with its traceback, answered 500 without one."""
    if _unreadable_body(err):
        return _bad_body()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return scim_error(500, "internal server error")


def error_response(err: Exception) -> Response:
    """What the app's handlers answer for `err` under /scim/v2 (a bulk operation's error)."""
    if isinstance(err, e.DomainError):
        return domain_error(err)
    if isinstance(err, HTTPException):
        return http_error(err)
    return unexpected_error(err)


def register(app: Flask) -> None:
    """Install the handlers: domain errors anywhere, HTTP errors under /scim/v2, and a bare 500
    (logged, no traceback in the body) for anything unexpected."""
    app.register_error_handler(e.DomainError, domain_error)
    app.register_error_handler(HTTPException, lambda err: http_error(err) if _is_scim() else err)
    app.register_error_handler(Exception, unexpected_error)


UNREADABLE = "the request body is malformed (its chunked encoding cannot be read)"


def _unreadable_body(err: Exception) -> bool:
    """gunicorn raises its HTTP parse errors (a bad chunk size, a chunk without its CRLF) from
    inside the body read of whatever route reads the body (the OAuth token endpoint's form too):
    the client's error, not the service's. Known by module, so nothing here imports gunicorn."""
    return type(err).__module__.startswith("gunicorn.http")


def _bad_body() -> Response:
    if _is_scim():
        return scim_error(400, UNREADABLE, "invalidSyntax")
    response = jsonify({"error": "invalid_request", "error_description": UNREADABLE})  # RFC 6749 §5.2
    response.status_code = 400
    return response
