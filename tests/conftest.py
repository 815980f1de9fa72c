"""Shared fixtures: an app on the in-memory adapters (or SQLite) and an authenticated client."""

from __future__ import annotations

import base64
import gc
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from dependency_injector import providers
from flask import Flask

from app.settings import Settings
from tests.fakes import PASSWORD, USERNAME, cheap_argon2, make_settings

__all__ = ["AUTH", "PASSWORD", "SCIM", "USERNAME", "Client", "make_settings"]

# ---- garbage collection ------------------------------------------------------------------
# Every test builds an app (routes, a container, a store): many short-lived objects. Collecting
# young objects every 700 allocations (CPython's default) and re-scanning the long-lived
# modules, fixtures and collected items each time is a tenth of the suite's CPU time; fewer
# collections, with what collection built frozen out of them, keep it to a few percent.
def pytest_configure(config: pytest.Config) -> None:
    gc.set_threshold(20_000, 50, 100)
    # Under mutmut every product call goes through a trampoline (three frames instead of one),
    # so the tests of long filter chains would hit the default limit only there.
    if "mutmut" in sys.modules:
        sys.setrecursionlimit(10_000)


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()


# ---- the e2e summaries ---------------------------------------------------------------------
# tests/e2e/harness.py REPORT holds the conformance and race summaries, printed at the end of
# the session whether or not a test failed. Under pytest-xdist they are filled in the workers:
# each sends its own in `workeroutput`, and the controller prints them all.
_FROM_WORKERS: list[tuple[str, str]] = []


def _own_report() -> list[tuple[str, str]]:
    harness = sys.modules.get("tests.e2e.harness")  # imported only where e2e tests were collected
    return [tuple(item) for item in harness.REPORT] if harness else []  # type: ignore[misc]


def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workeroutput"):  # an xdist worker
        session.config.workeroutput["scim_report"] = [list(item) for item in _own_report()]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:  # xdist, in the controller
    output = getattr(node, "workeroutput", {})  # none when the worker crashed
    _FROM_WORKERS.extend((title, text) for title, text in output.get("scim_report", []))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for title, text in _FROM_WORKERS + _own_report():
        terminalreporter.write_sep("=", title)
        terminalreporter.write_line(text)


# ---- apps and clients -----------------------------------------------------------------------

AUTH = {"Authorization": "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()}
SCIM = "application/scim+json"


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
    """Build apps; each is unwired at teardown (dependency-injector wiring is process-global).
    Their password hasher is argon2 at the lowest cost (tests/fakes.py cheap_argon2), unless
    `production_hasher=True`: at the production cost every stored password costs ~50 ms."""
    from app import create_app

    built: list[Flask] = []

    def build(settings: Settings | None = None, *, production_hasher: bool = False, **scim: Any) -> Flask:
        app = create_app(settings or make_settings(**scim))
        if not production_hasher:
            app.extensions["container"].hasher.override(providers.Object(cheap_argon2()))
        built.append(app)
        return app

    yield build
    for app in built:
        container = app.extensions["container"]
        container.unwire()
        if container.settings().database.url != "memory://":
            container.engine().dispose()  # close the pool's connections now, not at garbage collection


@pytest.fixture
def client(make_app: Callable[..., Flask]) -> Client:
    return Client(make_app())


@pytest.fixture
def make_client(make_app: Callable[..., Flask]) -> Callable[..., Client]:
    return lambda settings=None, **scim: Client(make_app(settings, **scim))


@pytest.fixture
def policy_config(tmp_path: Path) -> Callable[[dict[str, Any]], str]:
    """Writes a config file (basic auth, memory store) with this `scim.policy`; returns its path."""
    def write(policy: dict[str, Any]) -> str:
        path = tmp_path / "config.yaml"
        auth = {"username": USERNAME, "password": PASSWORD}
        path.write_text(yaml.safe_dump({"scim": {"auth": auth, "policy": policy}, "database": {"url": "memory://"}}))
        return str(path)
    return write
