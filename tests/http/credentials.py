"""A deployment with several credentials, on SQLite and PostgreSQL, for the auth tests: two basic
credentials (one plain, one argon2id-hashed, with the strict policy) and two bearer ones (one
with the entra policy). Tokens are issued through the container's Tokens use cases, as
`scim-service token create` does."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from adapters.sqlalchemy.migrate import upgrade
from adapters.sqlalchemy.tables import changes
from app.settings import CredentialSettings, ThrottleSettings
from domain.credentials.tokens import Tokens
from tests import pg
from tests.conftest import Client, make_settings
from tests.fakes import cheap_argon2

OKTA_PASSWORD = "okta-pass-4d8e1c9b"
HASHED_PASSWORD = "hashed-pass-77c1f0aa"
HASH = cheap_argon2().hash(HASHED_PASSWORD)
CREDENTIALS = (
    CredentialSettings(name="okta", type="basic", username="okta-provisioner", password=OKTA_PASSWORD,
                       policy="okta"),
    CredentialSettings(name="strict-basic", type="basic", username="auditor", password_hash=HASH,
                       policy="strict"),
    CredentialSettings(name="entra", type="bearer", policy="entra"),
    CredentialSettings(name="spare", type="bearer"),
)
PG_SCHEMA = "scim_http_auth"
_pg = [pytest.param("postgresql", marks=pytest.mark.pg)] if pg.configured() else []


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def bearer(secret: str, scheme: str = "Bearer") -> dict[str, str]:
    return {"Authorization": f"{scheme} {secret}"}


OKTA = basic("okta-provisioner", OKTA_PASSWORD)
STRICT = basic("auditor", HASHED_PASSWORD)


@dataclass
class Deployment:
    app: Flask
    client: Client

    @property
    def tokens(self) -> Tokens:
        tokens: Tokens = self.app.extensions["container"].tokens()
        return tokens

    def issue(self, credential: str = "entra", **kw: Any) -> str:
        return self.tokens.issue(credential, **kw).secret

    def get(self, path: str = "/Users", headers: dict[str, str] | None = None, address: str = "192.0.2.1") -> Any:
        return self.client.get(path, auth=False, headers=headers or {},
                               environ_base={"REMOTE_ADDR": address})

    def principals(self) -> list[str]:
        engine = self.app.extensions["container"].engine()
        with engine.connect() as conn:
            return list(conn.execute(select(changes.c.principal).order_by(changes.c.id)).scalars())


@pytest.fixture(scope="session")
def auth_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auth") / "scim.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", *_pg])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("auth_template"), tmp_path / "scim.db")
        yield f"sqlite:///{tmp_path / 'scim.db'}"
        return
    schema = pg.per_worker(PG_SCHEMA)
    pg.admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE', f'CREATE SCHEMA "{schema}"')
    url = pg.pg_url(schema=schema)
    upgrade(url)
    yield url
    pg.admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def deploy(database: str, make_app: Callable[..., Flask]) -> Callable[..., Deployment]:
    """Deployments on the test's database; keyword arguments are ScimSettings fields (or
    `max_failures`, `window_seconds` for scim.throttle, `server` for ServerSettings)."""

    def build(**scim: Any) -> Deployment:
        throttle = ThrottleSettings(scim.pop("max_failures", 20), scim.pop("window_seconds", 300))
        scim.setdefault("auth", CREDENTIALS)
        app = make_app(make_settings(database, throttle=throttle, **scim))
        return Deployment(app, Client(app))

    return build
