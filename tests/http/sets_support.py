"""The deployments of the SET poll tests: memory or SQLite, SETs on with two receivers (`app`,
notice; `replica`, full), each with a bearer token of its own."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from adapters.http.sets import receiver_credential
from app.set_settings import ReceiverSettings, SetSettings
from app.settings import EventsSettings
from tests.conftest import Client, make_settings
from tests.sets_support import ISSUER, ec_pem

PEM = ec_pem()
RECEIVERS = (ReceiverSettings("app", "https://app.example.com"),
             ReceiverSettings("replica", "https://replica.example.com", full=True))


@dataclass
class SetsApi:
    api: Client
    tokens: dict[str, str]

    def poll(self, receiver: str = "app", body: Any = None, token: str | None = None, **headers: str) -> Any:
        auth = {"Authorization": f"Bearer {token or self.tokens[receiver]}"} if token != "" else {}
        body = {"returnImmediately": True} if body is None else body
        return self.api.raw.post(f"/events/poll/{receiver}", json=body, headers={**auth, **headers})


def sets_settings(url: str, **sets: Any) -> Any:
    configured = SetSettings(enabled=True, issuer=ISSUER, signing_key=PEM, start="beginning",
                             long_poll_seconds=1, receivers=RECEIVERS)
    return replace(make_settings(url), events=EventsSettings(sets=replace(configured, **sets)))


def build_sets_api(backend: str, make_client: Callable[..., Client], request: pytest.FixtureRequest) -> SetsApi:
    url = "memory://"
    if backend == "sqlite":
        path = request.getfixturevalue("tmp_path") / "scim.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        url = f"sqlite:///{path}"
    api = make_client(sets_settings(url))
    tokens = api.app.extensions["container"].tokens()
    return SetsApi(api, {r.name: tokens.issue(receiver_credential(r.name), None, "").secret for r in RECEIVERS})
