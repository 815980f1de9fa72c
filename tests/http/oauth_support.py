"""The OAuth 2.0 mode on the wire, for tests/http/test_oauth_*.py: a deployment with one oauth
credential ("okta-oauth") and an administrator, on the `database` fixture (SQLite and
PostgreSQL), driven through the Flask test client over https://localhost as an IdP and an
administrator's browser would drive it: authorize, sign in, consent, then the token endpoint.

Time is a settable clock that every SystemClock of the process reads for the length of the
test: create_app builds the Grants, OAuthClients and Throttle (install_oauth) before a test can
reach the container, so `container.clock.override(...)` afterwards would reach Tokens alone."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from adapters.sqlalchemy.tables import changes
from adapters.system import SystemClock
from app.credential_settings import AdminSettings, CredentialSettings, ThrottleSettings
from domain.credentials.oauth import OAuthClient
from tests.conftest import SCIM, make_settings
from tests.http.support import assert_scim_error

CREDENTIAL = "okta-oauth"
ADMIN, ADMIN_PASSWORD = "admin", "admin-pass-5c2e9a71"
REDIRECT = "https://okta.example.com/cb"
HTTPS, HTTP = "https://localhost", "http://localhost"
INSECURE_ENV = "AUTHLIB_INSECURE_TRANSPORT"
_HIDDEN = re.compile(r'<input type="hidden" name="(csrf|target)" value="([^"]*)">')


class SettableClock:
    """Stands still at a real instant until the test moves it."""

    def __init__(self) -> None:
        self.current = datetime.now(UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class Registered:
    client: OAuthClient
    secret: str

    @property
    def id(self) -> str:
        return self.client.id

    def basic(self) -> dict[str, str]:
        pair = f"{self.client.id}:{self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def hidden_fields(page: TestResponse) -> dict[str, str]:
    """The hidden inputs (csrf, target) of a login or consent page."""
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(page.get_data(as_text=True))}


def query_of(location: str) -> dict[str, str]:
    """The query parameters of a redirect, each once."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query, keep_blank_values=True).items()}


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def assert_token_refused(resp: TestResponse) -> None:
    """A SCIM request whose bearer token is not (or no longer) good: 401, a SCIM Error, and the
    RFC 6750 challenge naming the invalid token."""
    assert_scim_error(resp, 401)
    challenge = resp.headers["WWW-Authenticate"]
    assert "Bearer" in challenge and 'error="invalid_token"' in challenge, challenge


def assert_oauth_error(resp: TestResponse, status: int, error: str) -> dict[str, Any]:
    """An RFC 6749 §5.2 error: JSON with `error`, never the SCIM Error format, never cached."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    body: dict[str, Any] = resp.get_json()
    assert body["error"] == error, body
    assert "schemas" not in body and "access_token" not in body
    return body


@dataclass
class OAuthDeployment:
    app: Flask
    clock: SettableClock
    base_url: str = HTTPS
    browser: FlaskClient = field(init=False)

    def __post_init__(self) -> None:
        self.browser = self.app.test_client()

    @property
    def container(self) -> Any:
        return self.app.extensions["container"]

    def register(self, name: str = "Okta", uris: tuple[str, ...] = (REDIRECT,)) -> Registered:
        return Registered(*self.container.oauth_clients().add(name, list(uris)))

    def get(self, path: str, **kw: Any) -> TestResponse:
        return self.browser.get(path, base_url=self.base_url, **kw)

    def post(self, path: str, data: dict[str, str] | None = None, **kw: Any) -> TestResponse:
        return self.browser.post(path, data=data or {}, base_url=self.base_url, **kw)

    def authorize_url(self, client: Registered, **params: str | None) -> str:
        query = {"response_type": "code", "client_id": client.id, "redirect_uri": REDIRECT,
                 "state": "st-123", **params}
        return "/oauth2/authorize?" + urlencode({k: v for k, v in query.items() if v is not None})

    def sign_in(self, login_page: TestResponse, password: str = ADMIN_PASSWORD) -> TestResponse:
        fields = hidden_fields(login_page)
        return self.post("/oauth2/login", {**fields, "username": ADMIN, "password": password})

    def consent_page(self, client: Registered, **params: str | None) -> TestResponse:
        """The consent page of an authorization request, signed in first if need be."""
        page = self.get(self.authorize_url(client, **params))
        assert page.status_code == 200, page.get_data(as_text=True)
        if 'name="password"' in page.get_data(as_text=True):
            signed_in = self.sign_in(page)
            assert signed_in.status_code == 303, signed_in.get_data(as_text=True)
            page = self.get(signed_in.headers["Location"])
            assert page.status_code == 200, page.get_data(as_text=True)
        return page

    def decide(self, client: Registered, decision: str = "approve", **params: str | None) -> TestResponse:
        """The redirect back to the client after the administrator's decision."""
        page = self.consent_page(client, **params)
        return self.post(self.authorize_url(client, **params),
                         {"csrf": hidden_fields(page)["csrf"], "decision": decision})

    def code(self, client: Registered, **params: str | None) -> str:
        back = self.decide(client, "approve", **params)
        assert back.status_code == 302, back.get_data(as_text=True)
        return query_of(back.headers["Location"])["code"]

    def token(self, client: Registered | None, form: dict[str, str], *, post_auth: bool = False,
              secret: str | None = None) -> TestResponse:
        """POST /oauth2/token; client_secret_basic unless `post_auth` (client_secret_post)."""
        if client is None:
            return self.post("/oauth2/token", form)
        secret = client.secret if secret is None else secret
        if post_auth:
            return self.post("/oauth2/token", {**form, "client_id": client.id, "client_secret": secret})
        pair = base64.b64encode(f"{client.id}:{secret}".encode()).decode()
        return self.post("/oauth2/token", form, headers={"Authorization": f"Basic {pair}"})

    def exchange(self, client: Registered, code: str, **extra: str) -> TestResponse:
        return self.token(client, {"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": REDIRECT, **extra})

    def tokens_for(self, client: Registered, **params: str | None) -> dict[str, Any]:
        """A whole authorization: its token response body."""
        resp = self.exchange(client, self.code(client, **params))
        assert resp.status_code == 200, resp.get_data(as_text=True)
        body: dict[str, Any] = resp.get_json()
        return body

    def refresh(self, client: Registered, refresh_token: str) -> TestResponse:
        return self.token(client, {"grant_type": "refresh_token", "refresh_token": refresh_token})

    def revoke(self, client: Registered, token: str) -> TestResponse:
        return self.post("/oauth2/revoke", {"token": token}, headers=client.basic())

    def scim(self, secret: str, path: str = "/scim/v2/Users", method: str = "GET",
             body: dict[str, Any] | None = None) -> TestResponse:
        headers = {**bearer(secret), **({"Content-Type": SCIM} if body is not None else {})}
        return self.browser.open(path, method=method, json=body, headers=headers, base_url=self.base_url)

    def principals(self) -> list[str]:
        with self.container.engine().connect() as conn:
            return list(conn.execute(select(changes.c.principal).order_by(changes.c.id)).scalars())


@pytest.fixture(name="oauth")
def oauth_fixture(database: str, make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[Callable[..., OAuthDeployment]]:
    """OAuthDeployments on the test's database. Keyword arguments are the oauth credential's
    fields (allow_insecure_http False unless given), plus `throttle` (ThrottleSettings) and
    `base_url`. The process environment's AUTHLIB_INSECURE_TRANSPORT is unset meanwhile, and
    restored (unset) afterwards even if allow_insecure_http set it."""
    monkeypatch.setenv(INSECURE_ENV, "guard")
    monkeypatch.delenv(INSECURE_ENV)
    clock = SettableClock()
    monkeypatch.setattr(SystemClock, "now", lambda self: clock.now())

    def build(*, throttle: ThrottleSettings | None = None, base_url: str = HTTPS,
              **fields: Any) -> OAuthDeployment:
        cred = CredentialSettings(name=CREDENTIAL, type="oauth", **fields)
        settings = make_settings(database, auth=(cred,), throttle=throttle or ThrottleSettings())
        settings = dataclasses.replace(settings, admin=AdminSettings(username=ADMIN, password=ADMIN_PASSWORD))
        return OAuthDeployment(make_app(settings), clock, base_url)

    yield build
