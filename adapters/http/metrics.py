"""Prometheus metrics (prometheus_client): requests by route template, method and status, their
latency, provisioning operations by resource type and kind, group members added and removed,
authentication failures by scheme, throttled requests.

Under gunicorn each worker writes its figures to files in PROMETHEUS_MULTIPROC_DIR
(gunicorn.conf.py makes it before any worker starts) and a scrape sums every worker's, dead
ones' counters included; in one process (tests, `flask run`) the app's own registry is read.
`metrics.path` on the API listener asks for `metrics.username` and its password (HTTP Basic,
compared in constant time, failures throttled like the API's); with `metrics.bind` the figures
are served by gunicorn's master on that address instead, and the API listener has no route."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from domain.audit import Change
from domain.credentials.throttle import Throttle
from domain.ports import Authenticator

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "(unmatched)"  # a path no route took: never the raw path (unbounded label values)
# request latencies in seconds: a SCIM read is a few ms, a big group write or search up to seconds
BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def exposition_registry(own: CollectorRegistry) -> CollectorRegistry:
    """What a scrape reads: every worker's files under gunicorn, else this process's registry."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        summed = CollectorRegistry()
        multiprocess.MultiProcessCollector(summed)  # type: ignore[no-untyped-call]
        return summed
    return own


class Metrics:
    """The metrics of one app, and the ChangeObserver (domain/observing.py) that counts what
    each committed write did."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("scim_http_requests", "HTTP requests answered, by route template, method and status",
                                ["route", "method", "status"], registry=r)
        self.latency = Histogram("scim_http_request_duration_seconds", "time to answer a request, by route "
                                 "template and method (a streamed body's writing not included)",
                                 ["route", "method"], buckets=BUCKETS, registry=r)
        self.operations = Counter("scim_provisioning_operations", "committed changes by resource type and "
                                  "operation (create, replace, patch, deactivate, reactivate, delete)",
                                  ["resource_type", "operation"], registry=r)
        self.members = Counter("scim_group_member_changes", "group members added and removed by committed "
                               "writes (net of each write)", ["change"], registry=r)
        self.auth_failures = Counter("scim_auth_failures", "requests refused for missing or invalid "
                                     "credentials, by the scheme presented (none: no Authorization header)",
                                     ["scheme"], registry=r)
        self.throttled = Counter("scim_throttled_requests", "requests refused with 429 because their "
                                 "address failed authentication too often", registry=r)
        # (route, method, status) -> its latency and request children; bounded by the routes
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def committed(self, changes: Sequence[Change]) -> None:
        for change in changes:
            self.operations.labels(change.resource_type, change.operation).inc()
            if change.members_added:
                self.members.labels("added").inc(len(change.members_added))
            if change.members_removed:
                self.members.labels("removed").inc(len(change.members_removed))

    def refused(self, outcome: str, scheme: str | None) -> None:
        """A request the authentication step refused: `outcome` unauthenticated or throttled."""
        if outcome == "throttled":
            self.throttled.inc()
        else:
            self.auth_failures.labels(scheme or "none").inc()

    def install(self, app: Flask) -> None:
        """Count every request the app answers (the metrics scrape included)."""

        @app.before_request
        def _started() -> None:
            g.metrics_started = time.perf_counter()

        @app.after_request
        def _answered(response: Response) -> Response:
            started = g.get("metrics_started")
            if started is None:  # a request that failed before the first hook
                return response
            route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
            key = (route, request.method, response.status_code)
            children = self._children.get(key)
            if children is None:  # labels() validates and locks: once per route, method and status
                children = (self.latency.labels(route, request.method),
                            self.requests.labels(route, request.method, str(response.status_code)))
                self._children[key] = children
            children[0].observe(time.perf_counter() - started)
            children[1].inc()
            refused = g.get("refused")
            if refused is not None:
                self.refused(refused, g.get("presented"))
            return response


def blueprint(metrics: Metrics, path: str, authenticator: Authenticator, throttle: Throttle,
              refuse: Callable[[int, str], Response]) -> Blueprint:
    """`path` on the API listener, behind the metrics credential (HTTP Basic). An address past
    the throttle's limit waits even with the right password (like the administrator's login:
    one static secret, so guesses must stay slow)."""
    served = Blueprint("metrics", __name__)

    def refused(retry_after: int | None) -> Response:
        g.refused = "unauthenticated" if retry_after is None else "throttled"
        if retry_after is None:
            response = refuse(401, "authentication required: the metrics credential")
        else:
            response = refuse(429, "too many failed authentications from this address; retry later")
            response.headers["Retry-After"] = str(retry_after)
        response.headers["WWW-Authenticate"] = 'Basic realm="metrics"'
        return response

    @served.get(path)
    def scrape() -> Response:
        auth = request.authorization
        g.presented = None if auth is None else auth.type
        address = request.remote_addr or "unknown"
        wait = throttle.waiting(address)
        if wait is not None:
            return refused(wait)
        basic = auth is not None and auth.type == "basic"
        parts = {"username": auth.username or "", "password": auth.password or ""} if auth and basic else None
        if parts is None or authenticator.authenticate("basic", parts) is None:
            return refused(throttle.failed(address))
        body = generate_latest(exposition_registry(metrics.registry))
        return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})

    return served
