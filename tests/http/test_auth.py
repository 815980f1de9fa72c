"""Authentication on the wire, on SQLite and PostgreSQL: every configured credential (plain and
hashed Basic, bearer tokens from the database) gets in as itself, and everything else —
missing, malformed, unknown, expired, revoked, another scheme's secret — is a 401 SCIM Error
with a challenge for each configured scheme. The throttle is in test_auth_throttle.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.settings import CredentialSettings
from domain.credentials.tokens import Tokens
from tests.http.credentials import (
    OKTA,
    OKTA_PASSWORD,
    STRICT,
    basic,
    bearer,
)
from tests.http.support import assert_scim_error, user_body

CHALLENGE = 'Basic realm="scim", Bearer realm="scim"'


class PastClock:
    def now(self) -> datetime:
        return datetime.now(UTC) - timedelta(hours=2)


def refused(resp, challenge: str = CHALLENGE) -> None:
    assert_scim_error(resp, 401)
    assert resp.headers["WWW-Authenticate"] == challenge


def test_each_credential_gets_in_as_itself_and_is_the_principal_of_its_changes(deploy) -> None:
    d = deploy()
    token = d.issue("entra")
    for name, headers in (("okta", OKTA), ("strict-basic", STRICT), ("entra", bearer(token))):
        resp = d.client.post("/Users", user_body(f"made-by-{name}"), auth=False, headers=headers)
        assert resp.status_code == 201, resp.get_data(as_text=True)
    assert d.principals() == ["okta", "strict-basic", "entra"]


def test_a_hashed_password_keeps_working_after_its_first_verification(deploy) -> None:
    d = deploy()
    assert [d.get(headers=STRICT).status_code for _ in range(3)] == [200, 200, 200]
    refused(d.get(headers=basic("auditor", "hashed-pass-wrong")))
    assert d.get(headers=STRICT).status_code == 200


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_bearer_scheme_is_case_insensitive(deploy, scheme: str) -> None:
    d = deploy()
    assert d.get(headers=bearer(d.issue(), scheme)).status_code == 200


def test_several_tokens_of_one_credential_work_at_once_and_revoking_one_spares_the_other(deploy) -> None:
    d = deploy()
    old, new = d.tokens.issue("entra"), d.tokens.issue("entra")
    assert d.get(headers=bearer(old.secret)).status_code == 200
    assert d.get(headers=bearer(new.secret)).status_code == 200
    d.tokens.revoke(old.token.id)
    refused(d.get(headers=bearer(old.secret)), CHALLENGE + ', error="invalid_token"')
    assert d.get(headers=bearer(new.secret)).status_code == 200
    assert d.tokens.revoke_all("entra") == 1
    refused(d.get(headers=bearer(new.secret)), CHALLENGE + ', error="invalid_token"')


def test_an_expired_token_is_refused(deploy) -> None:
    d = deploy()
    container = d.app.extensions["container"]
    # issued two hours ago for one hour
    stale = Tokens(container.token_store(), PastClock(), container.ids()).issue("entra", timedelta(hours=1))
    refused(d.get(headers=bearer(stale.secret)), CHALLENGE + ', error="invalid_token"')
    assert d.get(headers=bearer(d.issue("entra", lifetime=timedelta(hours=1)))).status_code == 200


def test_a_token_of_a_credential_no_longer_configured_is_refused(deploy) -> None:
    d = deploy()
    orphan = d.issue("removed-from-the-config")
    refused(d.get(headers=bearer(orphan)), CHALLENGE + ', error="invalid_token"')


@pytest.mark.parametrize("header", [
    None, "", "Basic", "Basic ", "Basic !!!notbase64", "Bearer", "Bearer ", "Bearer scim_short",
    "Bearer scim_" + "A" * 43, "Token scim_" + "A" * 43, "non-token", "Digest username=okta",
    "Basic " + "b2t0YS1wcm92aXNpb25lcjp3cm9uZw==",  # okta-provisioner:wrong
])
def test_missing_malformed_and_unknown_credentials_are_401_with_every_challenge(deploy, header) -> None:
    resp = deploy().get(headers={} if header is None else {"Authorization": header})
    expected = CHALLENGE + (', error="invalid_token"' if (header or "").lower().startswith("bearer") else "")
    refused(resp, expected)


def test_one_schemes_secret_under_the_other_scheme_is_refused(deploy) -> None:
    d = deploy()
    token = d.issue()
    refused(d.get(headers=basic("okta-provisioner", token)))
    refused(d.get(headers=basic(token, "")))
    refused(d.get(headers=bearer(OKTA_PASSWORD)), CHALLENGE + ', error="invalid_token"')
    refused(d.get(headers=bearer(OKTA["Authorization"].split()[1])), CHALLENGE + ', error="invalid_token"')


def test_a_refused_write_writes_nothing(deploy) -> None:
    d = deploy()
    resp = d.client.post("/Users", user_body("intruder"), auth=False, headers=bearer("scim_" + "B" * 43))
    refused(resp, CHALLENGE + ', error="invalid_token"')
    assert d.get("/Users", headers=OKTA).json["totalResults"] == 0
    assert d.principals() == []


def test_the_challenge_and_discovery_name_exactly_the_configured_schemes(deploy) -> None:
    only_bearer = (CredentialSettings(name="entra", type="bearer"),)
    d = deploy(auth=only_bearer)
    refused(d.get(), 'Bearer realm="scim"')
    schemes = d.client.get("/ServiceProviderConfig", auth=False).json["authenticationSchemes"]
    assert [(s["type"], s["primary"]) for s in schemes] == [("oauthbearertoken", True)]
    refused(d.get(headers=OKTA), 'Bearer realm="scim"')  # no basic credential at all
    both = deploy().client.get("/ServiceProviderConfig", auth=False).json["authenticationSchemes"]
    assert [(s["type"], s["primary"]) for s in both] == [("httpbasic", True), ("oauthbearertoken", False)]
    assert all(s["name"] and s["description"] and s["specUri"] for s in both)


def test_each_credential_is_served_with_its_own_policy(deploy) -> None:
    d = deploy()
    unknown = user_body("with-unknown", nickName="n", favouriteColour="blue")
    # okta (lenient preset) ignores an unknown attribute; strict-basic's preset rejects it
    assert d.client.post("/Users", unknown, auth=False, headers=OKTA).status_code == 201
    unknown["userName"] = "with-unknown-2"
    assert_scim_error(d.client.post("/Users", unknown, auth=False, headers=STRICT), 400, "invalidValue")
    token = d.issue("spare")  # no policy of its own: scim.policy (here unknown: ignore)
    unknown["userName"] = "with-unknown-3"
    assert d.client.post("/Users", unknown, auth=False, headers=bearer(token)).status_code == 201
