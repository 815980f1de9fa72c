"""One log line per request (logger `scim.requests`, on stderr): its request id (an incoming
X-Request-ID if it is a plain token, else a new one; echoed back in the response), method, route
template, status, duration, the IdP's User-Agent, the credential that authenticated, the
operation, resource type and id. Never a query string, a body, a header's secret or an
attribute value: filters carry values, so only the route template is logged.
`server.log_format`: `text` for a terminal, `json` for a log pipeline (one object a line)."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

from adapters.http import SCIM_PREFIX

log = logging.getLogger("scim.requests")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_OPERATIONS = {"POST": "create", "PUT": "replace", "PATCH": "patch", "DELETE": "delete"}


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {})
        when = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        return json.dumps({"time": when.replace("+00:00", "Z"), "level": record.levelname.lower(),
                           "message": record.getMessage(), **fields}, ensure_ascii=False)


class TextLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        f = getattr(record, "fields", {})
        return (f"{f.get('request_id')} {f.get('method')} {f.get('route')} {f.get('status')} "
                f"{f.get('duration_ms')}ms credential={f.get('credential')} op={f.get('operation')} "
                f"id={f.get('resource_id')} ua={f.get('user_agent')!r}")


def request_id() -> str | None:
    """This request's id (None outside a request the log's hooks saw)."""
    found: str | None = g.get("request_id")
    return found


def _handler() -> logging.Handler:
    """The one stderr handler of the logger (an app made again replaces its formatter only)."""
    for handler in log.handlers:
        if getattr(handler, "scim_requests", False):
            return handler
    handler = logging.StreamHandler(sys.stderr)
    handler.scim_requests = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return handler


def _operation(route: str | None) -> str | None:
    if route is None:
        return None
    if request.method == "GET":
        return "get" if route.endswith(">") else "list"
    if route.endswith("/.search"):
        return "search"
    return _OPERATIONS.get(request.method, request.method.lower())


def _fields(response: Response) -> dict[str, Any]:
    route = request.url_rule.rule if request.url_rule is not None else None
    scim = route is not None and route.startswith(SCIM_PREFIX + "/")
    principal = getattr(g, "principal", None)
    return {
        "request_id": g.request_id, "method": request.method, "route": route, "status": response.status_code,
        "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
        "user_agent": (request.user_agent.string or "")[:200] or None,
        "credential": getattr(principal, "name", None), "remote_addr": request.remote_addr,
        "operation": _operation(route) if scim else None,
        "resource_type": route.removeprefix(SCIM_PREFIX + "/").split("/")[0] if scim and route else None,
        "resource_id": (request.view_args or {}).get("resource_id"),
    }


def install(app: Flask, log_format: str) -> None:
    _handler().setFormatter(JsonLines() if log_format == "json" else TextLine())

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        if "request_id" not in g:  # a request that failed before the first hook
            return response
        response.headers["X-Request-ID"] = g.request_id
        log.info("request", extra={"fields": _fields(response)})
        return response
