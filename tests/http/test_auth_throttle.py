"""The throttle on failed authentication, on the wire (SQLite and PostgreSQL: the count is in
the database, shared by every worker), and a scan of every log line of every auth path for the
secrets that went through it."""

from __future__ import annotations

import base64
import logging

import pytest

from app.settings import ServerSettings
from tests.http.credentials import (
    HASHED_PASSWORD,
    OKTA,
    OKTA_PASSWORD,
    STRICT,
    basic,
    bearer,
)
from tests.http.support import assert_scim_error

WRONG = basic("okta-provisioner", "wrong-password")


def test_past_the_limit_an_address_gets_429_with_retry_after_until_the_window_ends(deploy) -> None:
    d = deploy(max_failures=3, window_seconds=120)
    assert [d.get(headers=WRONG).status_code for _ in range(3)] == [401, 401, 401]
    resp = d.get(headers=WRONG)
    body = assert_scim_error(resp, 429)
    assert "too many failed authentications" in body["detail"]
    assert 1 <= int(resp.headers["Retry-After"]) <= 120
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="scim", Bearer realm="scim"'
    assert d.get(headers={}).status_code == 429  # a missing credential is a failure too


def test_a_request_that_authenticates_is_never_throttled(deploy) -> None:
    d = deploy(max_failures=2)
    for _ in range(5):
        d.get(headers=WRONG)
    assert d.get(headers=WRONG).status_code == 429
    assert d.get(headers=OKTA).status_code == 200  # the IdP sharing that address still gets in
    assert d.get(headers=bearer(d.issue())).status_code == 200
    assert d.get(headers=WRONG).status_code == 429  # and its success reset nothing


def test_failures_count_per_client_address(deploy) -> None:
    d = deploy(max_failures=2)
    for _ in range(3):
        d.get(headers=WRONG, address="198.51.100.7")
    assert d.get(headers=WRONG, address="198.51.100.7").status_code == 429
    assert d.get(headers=WRONG, address="198.51.100.8").status_code == 401


def test_behind_a_trusted_proxy_the_forwarded_address_counts(deploy) -> None:
    d = deploy(max_failures=2, server=ServerSettings(trusted_proxies=1))
    attacker = {**WRONG, "X-Forwarded-For": "203.0.113.9"}
    for _ in range(3):
        d.get(headers=attacker, address="10.0.0.2")
    assert d.get(headers=attacker, address="10.0.0.2").status_code == 429
    # another client behind the same proxy is not locked out with it
    assert d.get(headers={**WRONG, "X-Forwarded-For": "203.0.113.10"}, address="10.0.0.2").status_code == 401


def test_without_trusted_proxies_a_forged_forwarded_address_does_not_escape_the_count(deploy) -> None:
    d = deploy(max_failures=2)
    for i in range(3):
        d.get(headers={**WRONG, "X-Forwarded-For": f"203.0.113.{i}"}, address="192.0.2.50")
    assert d.get(headers={**WRONG, "X-Forwarded-For": "203.0.113.99"}, address="192.0.2.50").status_code == 429


def test_zero_max_failures_turns_the_throttle_off(deploy) -> None:
    d = deploy(max_failures=0)
    assert {d.get(headers=WRONG).status_code for _ in range(30)} == {401}


def test_no_secret_reaches_the_logs_or_a_response_on_any_auth_path(deploy, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level: sqlalchemy, werkzeug, the service
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
    try:
        d = deploy(max_failures=4)
        live, revoked = d.tokens.issue("entra"), d.tokens.issue("entra")
        d.tokens.revoke(revoked.token.id)
        wrong_token = "scim_" + "Z" * 43
        paths = [OKTA, STRICT, bearer(live.secret), bearer(revoked.secret), bearer(wrong_token),
                 basic("okta-provisioner", "wrong-password-9f"), basic("auditor", "wrong-hashed-3c")]
        bodies = [d.get(headers=h).get_data(as_text=True) for h in paths]
        bodies += [d.get(headers=bearer(wrong_token)).get_data(as_text=True) for _ in range(4)]  # -> 429
        assert "429" in bodies[-1]
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    secrets = [OKTA_PASSWORD, HASHED_PASSWORD, live.secret, revoked.secret, wrong_token,
               "wrong-password-9f", "wrong-hashed-3c"]
    secrets += [h["Authorization"].split()[1] for h in paths]  # the base64 of each Basic pair
    secrets += [base64.b64encode(s.encode()).decode() for s in secrets[:2]]
    logged = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
    assert caplog.records, "the scan needs log records to scan"
    for secret in secrets:
        assert secret not in logged
        assert all(secret not in body for body in bodies)
