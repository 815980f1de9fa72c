"""Liveness and readiness probes for load balancers and orchestrators, outside /scim/v2:
unauthenticated, cheap, never cached. /healthz: the process answers. /readyz: it can serve, its
database reachable and at the schema revision this version needs (503 with the reason if not)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, jsonify

# None when ready, else why not (said to anyone: nothing secret in it)
Readiness = Callable[[], "str | None"]


def _answer(status: int, body: dict[str, str]) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def blueprint(readiness: Readiness) -> Blueprint:
    probes = Blueprint("health", __name__)

    @probes.get("/healthz")
    def healthz() -> Response:
        return _answer(200, {"status": "ok"})

    @probes.get("/readyz")
    def readyz() -> Response:
        problem = readiness()
        if problem is None:
            return _answer(200, {"status": "ready"})
        return _answer(503, {"status": "unavailable", "detail": problem})

    return probes
