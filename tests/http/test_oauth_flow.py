"""The OAuth 2.0 authorization-code flow that works, on SQLite and PostgreSQL: an IdP sends the
administrator to /oauth2/authorize, they sign in and approve, the IdP exchanges the code (with
client_secret_basic or client_secret_post, with or without PKCE S256) for an access token that
opens the SCIM API as the oauth credential, and a refresh token that rotates (a repeat within
the grace window gets the same pair, after it nothing). Tokens end with their lifetime, their
client's removal or their revocation; client_credentials exists only when configured."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.http.oauth_support import (
    CREDENTIAL,
    REDIRECT,
    OAuthDeployment,
    Registered,
    assert_oauth_error,
    assert_token_refused,
    hidden_fields,
    query_of,
    s256,
)
from tests.http.support import user_body

Build = Callable[..., OAuthDeployment]
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-verifier"


def _approve_by_hand(d: OAuthDeployment, client: Registered) -> str:
    """authorize → login page → login → consent page → approve; the code sent back."""
    login = d.get(d.authorize_url(client))
    assert login.status_code == 200 and 'name="password"' in login.get_data(as_text=True)
    fields = hidden_fields(login)
    assert fields["csrf"] and fields["target"] == d.authorize_url(client)
    signed_in = d.sign_in(login)
    assert signed_in.status_code == 303
    assert signed_in.headers["Location"] == fields["target"]
    consent = d.get(fields["target"])
    assert consent.status_code == 200 and "Allow Okta?" in consent.get_data(as_text=True)
    back = d.post(fields["target"], {"csrf": hidden_fields(consent)["csrf"], "decision": "approve"})
    assert back.status_code == 302
    assert back.headers["Location"].startswith(REDIRECT + "?")
    sent = query_of(back.headers["Location"])
    assert sent["state"] == "st-123" and set(sent) == {"code", "state"}
    return sent["code"]


def _check_pair(body: dict[str, object], lifetime: int = 7200) -> None:
    assert body["token_type"] == "Bearer" and body["scope"] == "scim"
    assert body["expires_in"] == lifetime
    assert str(body["access_token"]).startswith("scim_") and str(body["refresh_token"]).startswith("scim_")
    assert body["access_token"] != body["refresh_token"]


def test_the_whole_flow_opens_the_scim_api_as_the_oauth_credential(oauth: Build) -> None:
    d = oauth()
    client = d.register()
    resp = d.exchange(client, _approve_by_hand(d, client))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "no-store"
    _check_pair(resp.json)
    access = resp.json["access_token"]
    assert d.scim(access).status_code == 200
    created = d.scim(access, method="POST", body=user_body("via-oauth"))
    assert created.status_code == 201, created.get_data(as_text=True)
    assert d.principals() == [CREDENTIAL]
    issued = sorted((t.kind, t.client_id, t.credential, t.scope) for t in d.container.tokens().list())
    assert issued == [("access", client.id, CREDENTIAL, "scim"), ("refresh", client.id, CREDENTIAL, "scim")]


def test_a_refresh_rotates_and_a_repeat_within_the_grace_window_gets_the_same_pair(oauth: Build) -> None:
    d = oauth()
    client = d.register()
    first = d.tokens_for(client)
    rotated = d.refresh(client, first["refresh_token"])
    assert rotated.status_code == 200, rotated.get_data(as_text=True)
    _check_pair(rotated.json)
    new = rotated.json
    assert {new["access_token"], new["refresh_token"]}.isdisjoint(first.values())
    assert d.scim(new["access_token"]).status_code == 200
    d.clock.advance(seconds=59)
    again = d.refresh(client, first["refresh_token"])
    assert again.status_code == 200, again.get_data(as_text=True)
    assert (again.json["access_token"], again.json["refresh_token"]) == (new["access_token"], new["refresh_token"])
    assert again.json["expires_in"] == 7200 - 59
    d.clock.advance(seconds=2)  # 61 s after the rotation: past the 60 s grace
    assert_oauth_error(d.refresh(client, first["refresh_token"]), 400, "invalid_grant")
    assert d.refresh(client, new["refresh_token"]).status_code == 200  # the successor rotates on


def test_with_no_grace_window_a_rotated_refresh_token_is_refused_at_once(oauth: Build) -> None:
    d = oauth(refresh_grace_seconds=0)
    client = d.register()
    first = d.tokens_for(client)
    assert d.refresh(client, first["refresh_token"]).status_code == 200
    d.clock.advance(seconds=1)
    assert_oauth_error(d.refresh(client, first["refresh_token"]), 400, "invalid_grant")


def test_revoking_a_refresh_token_ends_its_whole_authorization(oauth: Build) -> None:
    d = oauth()
    client = d.register()
    pair = d.tokens_for(client)
    other = d.tokens_for(client)  # another authorization of the same client
    resp = d.revoke(client, pair["refresh_token"])
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert_token_refused(d.scim(pair["access_token"]))
    assert_oauth_error(d.refresh(client, pair["refresh_token"]), 400, "invalid_grant")
    assert d.scim(other["access_token"]).status_code == 200


def test_revoking_an_access_token_ends_it_and_another_clients_token_is_left_alone(oauth: Build) -> None:
    d = oauth()
    client, stranger = d.register(), d.register("Stranger")
    pair = d.tokens_for(client)
    assert d.revoke(stranger, pair["access_token"]).status_code == 200  # RFC 7009 §2.2: no error
    assert d.scim(pair["access_token"]).status_code == 200
    assert d.revoke(client, pair["access_token"]).status_code == 200
    assert_token_refused(d.scim(pair["access_token"]))
    assert d.refresh(client, pair["refresh_token"]).status_code == 200


def test_client_secret_post_authenticates_like_client_secret_basic(oauth: Build) -> None:
    d = oauth()
    client = d.register()
    form = {"grant_type": "authorization_code", "code": d.code(client), "redirect_uri": REDIRECT}
    resp = d.token(client, form, post_auth=True)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    _check_pair(resp.json)
    refreshed = d.token(client, {"grant_type": "refresh_token", "refresh_token": resp.json["refresh_token"]},
                        post_auth=True)
    assert refreshed.status_code == 200, refreshed.get_data(as_text=True)
    assert d.scim(refreshed.json["access_token"]).status_code == 200


def test_pkce_s256_the_right_verifier_gets_the_tokens(oauth: Build) -> None:
    d = oauth()
    client = d.register()
    code = d.code(client, code_challenge=s256(VERIFIER), code_challenge_method="S256")
    resp = d.exchange(client, code, code_verifier=VERIFIER)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert d.scim(resp.json["access_token"]).status_code == 200


@pytest.mark.parametrize(("verifier", "error"), [
    ("wrong-" + VERIFIER, "invalid_grant"),
    (None, "invalid_request"),
])
def test_pkce_a_wrong_or_missing_verifier_gets_no_tokens(oauth: Build, verifier: str | None, error: str) -> None:
    d = oauth()
    client = d.register()
    code = d.code(client, code_challenge=s256(VERIFIER), code_challenge_method="S256")
    extra = {} if verifier is None else {"code_verifier": verifier}
    assert_oauth_error(d.exchange(client, code, **extra), 400, error)
    assert d.container.tokens().list() == []


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.parametrize("method", ["plain", None])
def test_pkce_only_s256_is_accepted_at_authorize(oauth: Build, method: str | None) -> None:
    d = oauth()
    client = d.register()
    resp = d.get(d.authorize_url(client, code_challenge=VERIFIER, code_challenge_method=method))
    assert resp.status_code == 302
    sent = query_of(resp.headers["Location"])
    assert sent["error"] == "invalid_request" and sent["state"] == "st-123" and "code" not in sent


@pytest.mark.parametrize("scope", [None, "scim"])
def test_the_token_scope_is_scim_with_or_without_a_scope_parameter(oauth: Build, scope: str | None) -> None:
    d = oauth()
    client = d.register()
    assert d.tokens_for(client, scope=scope)["scope"] == "scim"
    assert {t.scope for t in d.container.tokens().list()} == {"scim"}


@pytest.mark.parametrize("decision", ["approve", "deny"])
def test_the_state_comes_back_exactly(oauth: Build, decision: str) -> None:
    d = oauth()
    client = d.register()
    state = "a b&c=d/é+%2F?#~" + "x" * 200
    back = d.decide(client, decision, state=state)
    assert back.status_code == 302
    assert query_of(back.headers["Location"])["state"] == state


def test_deny_sends_access_denied_with_the_state_and_no_code(oauth: Build) -> None:
    d = oauth()
    client = d.register()
    back = d.decide(client, "deny", state="deny-me")
    assert back.status_code == 302 and back.headers["Location"].startswith(REDIRECT + "?")
    sent = query_of(back.headers["Location"])
    assert sent["error"] == "access_denied" and sent["state"] == "deny-me" and "code" not in sent
    assert d.container.tokens().list() == []


def test_the_consent_page_names_the_client_escaped_and_where_it_sends_back(oauth: Build) -> None:
    d = oauth()
    client = d.register("Okta <b>Prod</b>")
    text = d.consent_page(client).get_data(as_text=True)
    assert "Allow Okta &lt;b&gt;Prod&lt;/b&gt;?" in text and "<b>Prod</b>" not in text
    assert REDIRECT in text and "<code>scim</code>" in text and "Signed in as admin" in text


def test_a_refresh_token_never_opens_the_scim_api(oauth: Build) -> None:
    d = oauth()
    pair = d.tokens_for(d.register())
    assert_token_refused(d.scim(pair["refresh_token"]))
    assert d.scim(pair["access_token"]).status_code == 200


def test_removing_the_client_ends_its_tokens_at_once(oauth: Build) -> None:
    d = oauth()
    client, kept = d.register(), d.register("Kept")
    pair, other = d.tokens_for(client), d.tokens_for(kept)
    assert d.container.oauth_clients().remove(client.id) == 2
    assert_token_refused(d.scim(pair["access_token"]))
    assert_oauth_error(d.refresh(client, pair["refresh_token"]), 401, "invalid_client")
    now = d.clock.now()
    assert {t.status(now) for t in d.container.tokens().list() if t.client_id == client.id} == {"revoked"}
    assert d.scim(other["access_token"]).status_code == 200


def test_an_access_token_ends_with_its_configured_lifetime(oauth: Build) -> None:
    d = oauth(access_token_lifetime_seconds=120)
    pair = d.tokens_for(d.register())
    assert pair["expires_in"] == 120
    d.clock.advance(seconds=119)
    assert d.scim(pair["access_token"]).status_code == 200
    d.clock.advance(seconds=1)
    assert_token_refused(d.scim(pair["access_token"]))


def test_client_credentials_is_refused_unless_configured(oauth: Build) -> None:
    d = oauth()
    client = d.register()
    assert_oauth_error(d.token(client, {"grant_type": "client_credentials"}), 400, "unsupported_grant_type")
    assert d.container.tokens().list() == []
    metadata = d.get("/.well-known/oauth-authorization-server").json
    assert metadata["grant_types_supported"] == ["authorization_code", "refresh_token"]


def test_client_credentials_when_configured_gets_an_access_token_alone(oauth: Build) -> None:
    d = oauth(client_credentials=True)
    client = d.register()
    resp = d.token(client, {"grant_type": "client_credentials"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["scope"] == "scim" and "refresh_token" not in resp.json
    assert d.scim(resp.json["access_token"]).status_code == 200
    assert [(t.kind, t.client_id) for t in d.container.tokens().list()] == [("access", client.id)]
    assert_oauth_error(d.token(client, {"grant_type": "client_credentials"}, secret="wrong"), 401,
                       "invalid_client")
    grants = d.get("/.well-known/oauth-authorization-server").json["grant_types_supported"]
    assert grants == ["authorization_code", "refresh_token", "client_credentials"]


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_the_metadata_names_the_endpoints_under_the_issuer(oauth: Build) -> None:
    body = oauth().get("/.well-known/oauth-authorization-server").json
    issuer = "https://localhost"
    assert body["issuer"] == issuer
    assert body["authorization_endpoint"] == issuer + "/oauth2/authorize"
    assert body["token_endpoint"] == issuer + "/oauth2/token"
    assert body["revocation_endpoint"] == issuer + "/oauth2/revoke"
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["response_types_supported"] == ["code"] and body["scopes_supported"] == ["scim"]
    assert body["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
