"""/metrics on the API listener (adapters/http/metrics.py), in one process: the figures a scrape
reads (requests by route template, provisioning operations and member changes by committed
writes, authentication failures by scheme, throttled requests) and the credential that guards
it. Under gunicorn's workers: tests/e2e/test_metrics_live.py."""

from __future__ import annotations

import base64
import dataclasses

import pytest

from app.credential_settings import CredentialSettings, ThrottleSettings
from app.metrics_settings import MetricsSettings
from app.settings import Settings
from tests.conftest import Client, make_settings
from tests.exposition import sample as value
from tests.http.conftest import sqlite_url
from tests.http.support import group_body, user_body

SCRAPER, SCRAPE_PASSWORD = "prometheus", "scrape-secret-7f3a9c21"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


SCRAPE = basic(SCRAPER, SCRAPE_PASSWORD)


def with_metrics(settings: Settings | None = None, **metrics: object) -> Settings:
    metrics = {"enabled": True, "username": SCRAPER, "password": SCRAPE_PASSWORD, **metrics}
    return dataclasses.replace(settings or make_settings(), metrics=MetricsSettings(**metrics))  # type: ignore[arg-type]


def scrape(client: Client, address: str = "127.0.0.1") -> str:
    resp = client.raw.get("/metrics", headers=SCRAPE, environ_base={"REMOTE_ADDR": address})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "text/plain" and resp.headers["Cache-Control"] == "no-store"
    return resp.get_data(as_text=True)


@pytest.fixture(params=["memory", "sqlite"])
def metered(request, make_client, tmp_path) -> Client:
    url = "memory://" if request.param == "memory" else sqlite_url(tmp_path)
    return make_client(with_metrics(make_settings(url)))


def test_provisioning_is_counted_by_what_was_committed(metered: Client) -> None:
    ids = [metered.post("/Users", user_body(f"m{i}")).json["id"] for i in range(3)]
    group = metered.post("/Groups", group_body("eng", ids[:2]))
    assert group.status_code == 201
    gid = group.json["id"]
    patch = {"schemas": [PATCH_URN], "Operations": [
        {"op": "remove", "path": f'members[value eq "{ids[0]}"]'}, {"op": "add", "path": "members", "value": [{"value": ids[2]}]}]}
    assert metered.patch(f"/Groups/{gid}", patch).status_code in (200, 204)
    deactivate = {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "active", "value": False}]}
    assert metered.patch(f"/Users/{ids[1]}", deactivate).status_code == 200
    assert metered.delete(f"/Users/{ids[2]}").status_code == 204
    text = scrape(metered)
    count = lambda rtype, op: value(text, "scim_provisioning_operations_total", resource_type=rtype, operation=op)  # noqa: E731
    # the group's PATCH, and the group losing ids[2] when that user was deleted
    assert (count("User", "create"), count("Group", "create"), count("Group", "patch")) == (3, 1, 2)
    assert (count("User", "deactivate"), count("User", "delete"), count("User", "patch")) == (1, 1, 0)
    assert value(text, "scim_group_member_changes_total", change="added") == 3  # two at create, one by PATCH
    assert value(text, "scim_group_member_changes_total", change="removed") == 2


def test_a_write_that_fails_counts_no_operation(metered: Client) -> None:
    uid = metered.post("/Users", user_body("kept")).json["id"]
    bad = {"schemas": [PATCH_URN], "Operations": [
        {"op": "replace", "path": "displayName", "value": "x"}, {"op": "replace", "path": "id", "value": "y"}]}
    assert metered.patch(f"/Users/{uid}", bad).status_code == 400
    assert metered.post("/Users", user_body("kept")).status_code == 409
    text = scrape(metered)
    assert value(text, "scim_provisioning_operations_total", resource_type="User", operation="create") == 1
    assert value(text, "scim_provisioning_operations_total", resource_type="User", operation="patch") == 0
    assert value(text, "scim_http_requests_total", route="/scim/v2/Users", method="POST", status="409") == 1


def test_requests_are_counted_by_route_template_never_by_raw_path(metered: Client) -> None:
    uid = metered.post("/Users", user_body("r")).json["id"]
    for _ in range(2):
        assert metered.get(f"/Users/{uid}").status_code == 200
    assert metered.get("/Users/no-such-user").status_code == 404
    assert metered.raw.get("/nowhere/secret-looking-path").status_code == 404
    text = scrape(metered)
    item = "/scim/v2/Users/<scim_id:resource_id>"
    assert value(text, "scim_http_requests_total", route=item, method="GET", status="200") == 2
    assert value(text, "scim_http_requests_total", route=item, method="GET", status="404") == 1
    assert value(text, "scim_http_requests_total", route="(unmatched)", method="GET", status="404") == 1
    assert uid not in text and "secret-looking" not in text and "no-such-user" not in text
    assert value(text, "scim_http_request_duration_seconds_count", route=item, method="GET") == 3
    assert value(text, "scim_http_request_duration_seconds_bucket", route=item, method="GET", le="+Inf") == 3


def test_authentication_failures_are_counted_by_the_scheme_presented(metered: Client) -> None:
    assert metered.get("/Users", auth=False).status_code == 401
    assert metered.get("/Users", auth=False, headers=basic("idp", "wrong")).status_code == 401
    assert metered.get("/Users", auth=False, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert metered.get("/Users", auth=False, headers={"Authorization": "Digest x"}).status_code == 401
    assert metered.get("/Users").status_code == 200
    text = scrape(metered)
    got = {s: value(text, "scim_auth_failures_total", scheme=s) for s in ("none", "basic", "bearer", "digest")}
    assert got == {"none": 1, "basic": 1, "bearer": 1, "digest": 1}
    assert value(text, "scim_throttled_requests_total") == 0


def test_throttled_requests_are_counted(make_client) -> None:
    client = make_client(with_metrics(make_settings(throttle=ThrottleSettings(max_failures=2))))
    statuses = [client.get("/Users", auth=False, headers=basic("idp", "wrong")).status_code for _ in range(4)]
    assert statuses == [401, 401, 429, 429]
    text = scrape(client, "10.0.0.9")  # that address waits, even with the scrape credential
    assert value(text, "scim_auth_failures_total", scheme="basic") == 2
    assert value(text, "scim_throttled_requests_total") == 2


@pytest.mark.parametrize("headers", [{}, basic(SCRAPER, "wrong-password"), basic("idp", "correct horse battery staple"),
                                     {"Authorization": "Bearer " + SCRAPE_PASSWORD}],
                         ids=["none", "wrong-password", "the-scim-credential", "bearer"])
def test_the_scrape_needs_the_metrics_credential(metered: Client, headers: dict[str, str]) -> None:
    resp = metered.raw.get("/metrics", headers=headers)
    assert resp.status_code == 401
    assert resp.json["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="metrics"'
    assert "scim_" not in resp.get_data(as_text=True)


def test_past_the_limit_even_the_right_scrape_credential_waits(make_client) -> None:
    client = make_client(with_metrics(make_settings(throttle=ThrottleSettings(max_failures=2))))
    for _ in range(3):
        client.raw.get("/metrics", headers=basic(SCRAPER, "guess"))
    resp = client.raw.get("/metrics", headers=SCRAPE)
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) >= 1
    assert "scim_" not in resp.get_data(as_text=True)


def test_a_hashed_scrape_password_is_verified(make_client) -> None:
    from adapters.system import Argon2Hasher

    hashed = Argon2Hasher().hash(SCRAPE_PASSWORD)
    client = make_client(with_metrics(password=None, password_hash=hashed))
    assert "scim_http_requests_total" in scrape(client)
    assert client.raw.get("/metrics", headers=basic(SCRAPER, "nope")).status_code == 401


def test_a_custom_path_and_no_route_when_disabled_or_on_a_separate_bind(make_client) -> None:
    custom = make_client(with_metrics(path="/internal/metrics"))
    assert custom.raw.get("/internal/metrics", headers=SCRAPE).status_code == 200
    assert custom.raw.get("/metrics", headers=SCRAPE).status_code == 404
    for settings in (make_settings(), with_metrics(bind="127.0.0.1:9464", username=None, password=None)):
        client = make_client(settings)
        assert client.raw.get("/metrics", headers=SCRAPE).status_code == 404
        assert client.get("/Users").status_code == 200


def test_counting_works_without_the_scim_api_credentials_being_basic(make_client) -> None:
    """The scrape credential is its own: a service whose IdP uses bearer tokens still serves it."""
    settings = with_metrics(make_settings())
    settings = dataclasses.replace(settings, scim=dataclasses.replace(
        settings.scim, auth=(CredentialSettings(name="tokens", type="bearer"),)))
    client = make_client(settings)
    assert client.get("/Users", auth=False).status_code == 401
    assert value(scrape(client), "scim_auth_failures_total", scheme="none") == 1
