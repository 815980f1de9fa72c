"""What the OAuth 2.0 endpoints refuse, and how, on SQLite and PostgreSQL (HTML and HTTP shape
alone on SQLite): a code is single-use (a replay also revokes what the first exchange got),
expires, and is bound to its client and redirect URI; an unknown client or unregistered
redirect URI is an HTML page, never a redirect; client, grant and scope errors are RFC 6749
JSON or redirects, never SCIM Errors. The administrator's pages need their CSRF token, a
same-site `target` and the right password (throttled), are never framed nor cached, and only
they get a cookie (HttpOnly, SameSite=Lax, Path=/oauth2, Secure unless plain HTTP is allowed).
Without allow_insecure_http every OAuth endpoint refuses plain HTTP. No secret is logged."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from werkzeug.test import TestResponse

from app.credential_settings import ThrottleSettings
from tests.http.oauth_support import (
    ADMIN_PASSWORD,
    HTTP,
    REDIRECT,
    OAuthDeployment,
    Registered,
    assert_oauth_error,
    assert_token_refused,
    hidden_fields,
    query_of,
)

Build = Callable[..., OAuthDeployment]
sqlite_only = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


def _html_refusal(resp: TestResponse, status: int) -> str:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "text/html" and "Location" not in resp.headers
    return resp.get_data(as_text=True)


def _signed_in(d: OAuthDeployment, client: Registered) -> bool:
    return 'name="password"' not in d.get(d.authorize_url(client)).get_data(as_text=True)


def test_a_code_exchanged_twice_is_refused_and_revokes_what_the_first_exchange_got(oauth: Build) -> None:
    d = oauth()
    client = d.register()
    code = d.code(client)
    first = d.exchange(client, code)
    assert first.status_code == 200 and d.scim(first.json["access_token"]).status_code == 200
    assert_oauth_error(d.exchange(client, code), 400, "invalid_grant")
    assert_token_refused(d.scim(first.json["access_token"]))
    assert_oauth_error(d.refresh(client, first.json["refresh_token"]), 400, "invalid_grant")


def test_a_code_expires_with_its_configured_lifetime(oauth: Build) -> None:
    d = oauth(code_lifetime_seconds=30)
    client = d.register()
    fresh, stale = d.code(client), d.code(client)
    d.clock.advance(seconds=29)
    assert d.exchange(client, fresh).status_code == 200
    d.clock.advance(seconds=1)
    assert_oauth_error(d.exchange(client, stale), 400, "invalid_grant")
    assert len(d.container.tokens().list()) == 2  # the fresh code's pair alone


def test_a_code_presented_by_another_client_is_refused(oauth: Build) -> None:
    d = oauth()
    owner, thief = d.register(), d.register("Thief", ("https://thief.example.com/cb",))
    code = d.code(owner)
    assert_oauth_error(d.exchange(thief, code), 400, "invalid_grant")
    assert list(d.container.tokens().list()) == []
    pair = d.tokens_for(owner)
    assert_oauth_error(d.refresh(thief, pair["refresh_token"]), 400, "invalid_grant")
    assert d.refresh(owner, pair["refresh_token"]).status_code == 200


@pytest.mark.parametrize("redirect_uri", ["https://okta.example.com/other", "https://okta.example.com/cb/", None])
def test_the_token_request_must_repeat_the_authorize_redirect_uri(oauth: Build, redirect_uri: str | None) -> None:
    d = oauth()
    client = d.register()
    form = {"grant_type": "authorization_code", "code": d.code(client)}
    if redirect_uri is not None:
        form["redirect_uri"] = redirect_uri
    assert_oauth_error(d.token(client, form), 400, "invalid_grant")  # RFC 6749 §4.1.3
    assert list(d.container.tokens().list()) == []


@pytest.mark.parametrize("redirect_uri", [
    "https://evil.example.com/cb", "https://okta.example.com/cb?x=1", "https://okta.example.com/cb/..",
    "http://okta.example.com/cb", "",
])
def test_an_unregistered_redirect_uri_gets_an_html_page_and_no_redirect(oauth: Build, redirect_uri: str) -> None:
    d = oauth()
    client = d.register(uris=(REDIRECT, "https://okta.example.com/second"))
    text = _html_refusal(d.get(d.authorize_url(client, redirect_uri=redirect_uri)), 400)
    assert "This request cannot be approved" in text


@pytest.mark.parametrize("client_id", ["no-such-client", ""])
def test_an_unknown_client_id_gets_an_html_page_and_no_redirect(oauth: Build, client_id: str) -> None:
    d = oauth()
    client = d.register()
    text = _html_refusal(d.get(d.authorize_url(client, client_id=client_id)), 400)
    assert "This request cannot be approved" in text


@pytest.mark.parametrize("post_auth", [False, True], ids=["basic", "post"])
def test_a_wrong_client_secret_is_401_invalid_client(oauth: Build, post_auth: bool) -> None:
    d = oauth()
    client = d.register()
    form = {"grant_type": "authorization_code", "code": d.code(client), "redirect_uri": REDIRECT}
    assert_oauth_error(d.token(client, form, post_auth=post_auth, secret=client.secret + "x"), 401,
                       "invalid_client")
    assert_oauth_error(d.token(None, form), 401, "invalid_client")  # no client authentication
    assert list(d.container.tokens().list()) == []
    assert d.exchange(client, form["code"]).status_code == 200  # the refusals did not burn the code


@sqlite_only
@pytest.mark.parametrize("grant_type", ["password", "implicit", "urn:ietf:params:oauth:grant-type:device_code", ""])
def test_an_unknown_grant_type_is_unsupported_grant_type(oauth: Build, grant_type: str) -> None:
    d = oauth()
    client = d.register()
    form = {"grant_type": grant_type, "username": "admin", "password": ADMIN_PASSWORD}
    body = assert_oauth_error(d.token(client, form), 400, "unsupported_grant_type")
    assert set(body) <= {"error", "error_description", "error_uri"}


@sqlite_only
@pytest.mark.parametrize("scope", ["admin", "scim admin", "openid"])
def test_an_unsupported_scope_redirects_with_invalid_scope_and_the_state(oauth: Build, scope: str) -> None:
    d = oauth()
    client = d.register()
    resp = d.get(d.authorize_url(client, scope=scope, state="s-scope"))
    assert resp.status_code == 302 and resp.headers["Location"].startswith(REDIRECT + "?")
    sent = query_of(resp.headers["Location"])
    assert sent["error"] == "invalid_scope" and sent["state"] == "s-scope" and "code" not in sent


@sqlite_only
@pytest.mark.parametrize("csrf", [None, "", "forged-token"])
def test_the_consent_form_without_its_csrf_token_is_403_and_sends_no_code(oauth: Build, csrf: str | None) -> None:
    d = oauth()
    client = d.register()
    d.consent_page(client)
    form = {"decision": "approve", **({} if csrf is None else {"csrf": csrf})}
    _html_refusal(d.post(d.authorize_url(client), form), 403)
    assert list(d.container.tokens().list()) == []


@sqlite_only
@pytest.mark.parametrize("csrf", [None, "", "forged-token"])
def test_the_login_form_without_its_csrf_token_is_403_and_signs_nobody_in(oauth: Build, csrf: str | None) -> None:
    d = oauth()
    client = d.register()
    fields = hidden_fields(d.get(d.authorize_url(client)))
    form = {"target": fields["target"], "username": "admin", "password": ADMIN_PASSWORD}
    _html_refusal(d.post("/oauth2/login", {**form, **({} if csrf is None else {"csrf": csrf})}), 403)
    assert not _signed_in(d, client)


@sqlite_only
def test_the_consent_form_of_someone_not_signed_in_is_403(oauth: Build) -> None:
    d = oauth()
    client = d.register()
    login = d.get(d.authorize_url(client))
    form = {"csrf": hidden_fields(login)["csrf"], "decision": "approve"}
    _html_refusal(d.post(d.authorize_url(client), form), 403)


def test_a_wrong_password_is_401_and_past_the_limit_429_with_retry_after(oauth: Build) -> None:
    d = oauth(throttle=ThrottleSettings(2, 300))
    client = d.register()
    login = d.get(d.authorize_url(client))
    for _ in range(2):
        text = _html_refusal(d.sign_in(login, "wrong-admin-password"), 401)
        assert "Wrong username or password." in text and 'name="password"' in text
    throttled = d.sign_in(login, "wrong-admin-password")
    text = _html_refusal(throttled, 429)
    assert 1 <= int(throttled.headers["Retry-After"]) <= 300
    assert "Too many failed sign-ins" in text
    assert not _signed_in(d, client)
    right = d.sign_in(login)  # past the limit even the right password waits: no guess gets through
    assert right.status_code == 429 and not _signed_in(d, client)


@sqlite_only
@pytest.mark.parametrize("target", [
    "https://evil.example.com/oauth2/authorize?x=1", "//evil.example.com/oauth2/authorize?x=1",
    "/oauth2/token", "/oauth2/authorizex?x=1", "/scim/v2/Users", "",
])
def test_the_login_target_must_be_an_authorize_request_of_this_server(oauth: Build, target: str) -> None:
    d = oauth()
    client = d.register()
    fields = hidden_fields(d.get(d.authorize_url(client)))
    form = {"csrf": fields["csrf"], "target": target, "username": "admin", "password": ADMIN_PASSWORD}
    _html_refusal(d.post("/oauth2/login", form), 403)
    assert not _signed_in(d, client)


@sqlite_only
@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/oauth2/authorize?response_type=code&client_id=x"), ("POST", "/oauth2/token"),
    ("POST", "/oauth2/revoke"), ("POST", "/oauth2/login"), ("GET", "/.well-known/oauth-authorization-server"),
])
def test_without_allow_insecure_http_plain_http_is_400_json(oauth: Build, method: str, path: str) -> None:
    d = oauth(base_url=HTTP)
    resp = d.get(path) if method == "GET" else d.post(path, {"grant_type": "client_credentials"})
    body = assert_oauth_error(resp, 400, "invalid_request")
    assert "HTTPS" in body["error_description"] and "Set-Cookie" not in resp.headers


@sqlite_only
def test_oauth_errors_are_rfc6749_json_never_cached_never_scim_errors(oauth: Build) -> None:
    d = oauth()
    client = d.register()
    bad_code = {"grant_type": "authorization_code", "code": "scim_nope", "redirect_uri": REDIRECT}
    no_refresh_token = {"grant_type": "refresh_token"}
    for resp in (d.token(client, bad_code), d.token(client, no_refresh_token), d.token(None, no_refresh_token)):
        assert resp.status_code in (400, 401) and resp.json["error"]
        assert resp.mimetype == "application/json" and "schemas" not in resp.json
        assert resp.headers["Cache-Control"] == "no-store"


def _cookie_attributes(resp: TestResponse) -> set[str]:
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("scim_admin=")
    return {part.strip() for part in cookie.split(";")[1:]}


@sqlite_only
def test_the_admin_cookie_is_httponly_lax_on_oauth2_and_secure(oauth: Build) -> None:
    d = oauth()
    client = d.register()
    expected = {"Secure", "HttpOnly", "Path=/oauth2", "SameSite=Lax"}
    assert _cookie_attributes(d.get(d.authorize_url(client))) == expected
    assert _cookie_attributes(d.sign_in(d.get(d.authorize_url(client)))) == expected  # the new session too


@sqlite_only
def test_with_allow_insecure_http_the_flow_works_on_http_and_the_cookie_is_not_secure(oauth: Build) -> None:
    d = oauth(allow_insecure_http=True, base_url=HTTP)
    client = d.register()
    expected = {"HttpOnly", "Path=/oauth2", "SameSite=Lax"}
    assert _cookie_attributes(d.get(d.authorize_url(client))) == expected
    pair = d.tokens_for(client)
    assert d.scim(pair["access_token"]).status_code == 200


@sqlite_only
def test_the_scim_api_sets_no_cookie_even_when_sent_the_admin_one(oauth: Build) -> None:
    d = oauth()
    client = d.register()
    pair = d.tokens_for(client)
    session = d.browser.get_cookie("scim_admin", path="/oauth2")
    assert session is not None
    bare = d.app.test_client(use_cookies=False)  # sends exactly the Cookie header given
    cookie = {"Cookie": f"scim_admin={session.value}"}
    consent = bare.get(d.authorize_url(client), headers=cookie, base_url=d.base_url)
    assert "Allow Okta?" in consent.get_data(as_text=True)  # the cookie signs in on /oauth2
    assert "Set-Cookie" not in d.scim(pair["access_token"]).headers
    for path in ("/scim/v2/Users", "/scim/v2/ServiceProviderConfig"):
        resp = bare.get(path, headers=cookie, base_url=d.base_url)
        assert "Set-Cookie" not in resp.headers
    assert_token_refused(bare.get("/scim/v2/Users", headers={**cookie, "Authorization": "Bearer x"},
                                  base_url=d.base_url))


@sqlite_only
def test_the_login_consent_and_error_pages_are_never_framed_nor_cached(oauth: Build) -> None:
    d = oauth()
    client = d.register()
    login = d.get(d.authorize_url(client))
    pages = [login, d.sign_in(login, "wrong"), d.post("/oauth2/login", {}),
             d.get(d.authorize_url(client, client_id="unknown")), d.consent_page(client)]
    assert [p.status_code for p in pages] == [200, 401, 403, 400, 200]
    for page in pages:
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["Cache-Control"] == "no-store"


def test_no_secret_reaches_the_logs(oauth: Build, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    d = oauth()
    client = d.register()
    d.sign_in(d.get(d.authorize_url(client)), "wrong-admin-guess-91f3")
    code = d.code(client)
    pair = d.exchange(client, code).json
    refreshed = d.refresh(client, pair["refresh_token"]).json
    d.exchange(client, code)  # a replay
    d.token(client, {"grant_type": "refresh_token", "refresh_token": pair["access_token"]}, post_auth=True)
    d.scim(refreshed["access_token"])
    d.scim(pair["refresh_token"])
    assert any(r.name.startswith("authlib") and r.levelno == logging.DEBUG for r in caplog.records)
    logged = caplog.text + "".join(r.getMessage() + repr(r.args) for r in caplog.records)
    tokens = [pair["access_token"], pair["refresh_token"], refreshed["access_token"], refreshed["refresh_token"]]
    for secret in [client.secret, code, ADMIN_PASSWORD, "wrong-admin-guess-91f3", *tokens]:
        assert secret not in logged
