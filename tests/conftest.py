"""Shared fixtures: an app on the in-memory adapters (or SQLite) and an authenticated client."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask

from app.settings import (
    AuthSettings,
    DatabaseSettings,
    PolicySettings,
    ScimSettings,
    ServerSettings,
    Settings,
)

USERNAME, PASSWORD = "idp", "correct horse battery staple"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()}
SCIM = "application/scim+json"


def make_settings(url: str = "memory://", **scim: Any) -> Settings:
    server = scim.pop("server", ServerSettings())
    policy = scim.pop("policy", None) or PolicySettings(unknown=scim.pop("unknown", "ignore"))
    base = ScimSettings(auth=AuthSettings("basic", USERNAME, PASSWORD), policy=policy)
    return Settings(scim=replace(base, **scim), database=DatabaseSettings(url), server=server)


class Client:
    """A Flask test client that authenticates and speaks application/scim+json."""

    def __init__(self, app: Flask) -> None:
        self.app, self.raw = app, app.test_client()

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                auth: bool = True, **kw: Any):
        h = dict(AUTH) if auth else {}
        if body is not None:
            h["Content-Type"] = SCIM
        h.update(headers or {})
        url = path if path.startswith("/scim") else "/scim/v2" + path
        return self.raw.open(url, method=method,
                             json=body, headers=h, **kw)

    def get(self, path: str, **kw: Any):
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any):
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any):
        return self.request("PUT", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any):
        return self.request("DELETE", path, **kw)


@pytest.fixture
def make_app() -> Iterator[Callable[..., Flask]]:
    """Build apps; each is unwired at teardown (dependency-injector wiring is process-global)."""
    from app import create_app

    built: list[Flask] = []

    def build(settings: Settings | None = None, **scim: Any) -> Flask:
        app = create_app(settings or make_settings(**scim))
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["container"].unwire()


@pytest.fixture
def client(make_app: Callable[..., Flask]) -> Client:
    return Client(make_app())


@pytest.fixture
def make_client(make_app: Callable[..., Flask]) -> Callable[..., Client]:
    return lambda settings=None, **scim: Client(make_app(settings, **scim))
