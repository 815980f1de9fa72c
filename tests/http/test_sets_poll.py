"""RFC 8936 poll delivery of the RFC 9967 SETs on the wire (memory and SQLite): the JWKS the
SETs verify against (PyJWT, an independent library), the events of a provisioning run, an
unacknowledged SET offered again and an acknowledged one never, setErrs, maxEvents and
moreAvailable, returnImmediately and the bounded long poll, full events carrying the resource
as GET returns it, nothing for a failed request, the receiver's own token as the only way in,
and 400s in RFC 8935's error format."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import AUTH, Client
from tests.http.sets_support import SetsApi, build_sets_api
from tests.http.support import create_group, create_user, get_json, send_patch
from tests.sets_support import verify

PROV = "urn:ietf:params:scim:event:prov:"


@pytest.fixture
def sets_api(backend: str, make_client: Callable[..., Client], request: pytest.FixtureRequest) -> SetsApi:
    return build_sets_api(backend, make_client, request)


def claims_of(s: SetsApi, response: Any, receiver: str = "app") -> list[dict[str, Any]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/json"
    jwks = s.api.raw.get("/events/jwks.json").json
    audience = {"app": "https://app.example.com", "replica": "https://replica.example.com"}[receiver]
    out = [verify(token, jwks, audience) for token in response.json["sets"].values()]
    assert [c["jti"] for c in out] == list(response.json["sets"])
    return out


def drain(s: SetsApi, receiver: str = "app") -> list[dict[str, Any]]:
    """Every SET waiting for `receiver`, acknowledged as it comes."""
    got: list[dict[str, Any]] = []
    acks: list[str] = []
    while True:
        response = s.poll(receiver, {"ack": acks, "returnImmediately": True, "maxEvents": 3})
        batch = claims_of(s, response, receiver)
        got += batch
        acks = [c["jti"] for c in batch]
        if not batch and not response.json["moreAvailable"]:
            return got


def test_the_jwks_is_open_and_holds_public_keys_only(sets_api: SetsApi) -> None:
    response = sets_api.api.raw.get("/events/jwks.json")
    assert response.status_code == 200
    [key] = response.json["keys"]
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-256", "ES256", "sig")
    assert "d" not in key and key["kid"]


def test_a_provisioning_run_is_its_events_in_order(sets_api: SetsApi) -> None:
    api = sets_api.api
    alice = create_user(api, "alice", password="S3cret-value!")
    group = create_group(api, "Engineers", [alice["id"]])
    send_patch(api, f"/Users/{alice['id']}", {"op": "replace", "path": "active", "value": False})
    assert api.delete(f"/Users/{alice['id']}").status_code == 204
    got = drain(sets_api)
    assert [(c["sub_id"]["uri"], sorted(c["events"])) for c in got] == [
        (f"/Users/{alice['id']}", [PROV + "create:notice"]),
        (f"/Groups/{group['id']}", [PROV + "create:notice"]),
        (f"/Users/{alice['id']}", [PROV + "deactivate", PROV + "patch:notice"]),
        (f"/Groups/{group['id']}", [PROV + "patch:notice"]),  # the group lost her
        (f"/Users/{alice['id']}", [PROV + "delete"]),
    ]
    assert got[2]["events"][PROV + "patch:notice"] == {"attributes": ["active"]}
    assert "S3cret" not in str(got) and "alice" not in str(got)  # names of attributes, no values
    assert all(c["iss"] == "https://idm.example.com/scim/v2" and c["sub_id"]["format"] == "scim" for c in got)
    assert all(c.get("txn") for c in got)  # each write's request id
    assert drain(sets_api) == []  # acknowledged: never again


def test_an_unacknowledged_set_comes_again_with_its_jti(sets_api: SetsApi) -> None:
    create_user(sets_api.api, "bob")
    first = sets_api.poll().json["sets"]
    again = sets_api.poll().json["sets"]
    assert list(again) == list(first) and len(first) == 1
    payload = {j: t.split(".")[1] for j, t in first.items()}
    assert {j: t.split(".")[1] for j, t in again.items()} == payload  # the same SET (ECDSA signs anew)
    assert sets_api.poll(body={"ack": list(first), "returnImmediately": True}).json == {
        "sets": {}, "moreAvailable": False}


def test_max_events_pages_and_zero_only_acknowledges(sets_api: SetsApi) -> None:
    for name in ("a", "b", "c"):
        create_user(sets_api.api, name)
    page = sets_api.poll(body={"maxEvents": 2, "returnImmediately": True}).json
    assert len(page["sets"]) == 2 and page["moreAvailable"] is True
    done = sets_api.poll(body={"ack": list(page["sets"]), "maxEvents": 0}).json
    assert done == {"sets": {}, "moreAvailable": False}
    rest = sets_api.poll().json
    assert len(rest["sets"]) == 1 and rest["moreAvailable"] is False


def test_a_set_error_is_not_offered_again(sets_api: SetsApi) -> None:
    create_user(sets_api.api, "carol")
    [jti] = sets_api.poll().json["sets"]
    body = {"setErrs": {jti: {"err": "invalid_key", "description": "unknown kid"}}, "returnImmediately": True}
    assert sets_api.poll(body=body).json["sets"] == {}


def test_return_immediately_false_waits_a_bounded_time(sets_api: SetsApi) -> None:
    started = time.monotonic()
    assert sets_api.poll(body={"returnImmediately": False}).json == {"sets": {}, "moreAvailable": False}
    assert 0.9 < time.monotonic() - started < 5  # events.sets.long_poll_seconds: 1
    started = time.monotonic()
    assert sets_api.poll(body={}).json["sets"] == {}  # the default is RFC 8936's: a long poll
    assert time.monotonic() - started > 0.9
    started = time.monotonic()
    sets_api.poll(body={"returnImmediately": True})
    assert time.monotonic() - started < 0.9


def test_a_full_receiver_gets_the_resource_as_get_returns_it(sets_api: SetsApi) -> None:
    api = sets_api.api
    dave = create_user(api, "dave", password="S3cret-value!", externalId="d-1")
    gone = create_user(api, "erin")
    assert api.delete(f"/Users/{gone['id']}").status_code == 204
    got = drain(sets_api, "replica")
    event = got[0]["events"][PROV + "create:full"]
    assert event["data"] == get_json(api, f"/Users/{dave['id']}")
    assert event["version"] == event["data"]["meta"]["version"]
    assert "password" not in event["data"] and "S3cret" not in str(got)
    assert got[0]["sub_id"]["externalId"] == "d-1"
    assert got[1]["events"] == {PROV + "create:notice": {"attributes": ["userName"]}}  # gone since
    assert got[2]["events"] == {PROV + "delete": {}}


def test_a_failed_request_makes_no_set(sets_api: SetsApi) -> None:
    frank = create_user(sets_api.api, "frank")
    drain(sets_api)
    bad = send_patch(sets_api.api, f"/Users/{frank['id']}", {"op": "replace", "path": "active", "value": "maybe"})
    assert bad.status_code == 400
    assert drain(sets_api) == []


def test_only_the_receivers_own_token_opens_its_poll(sets_api: SetsApi) -> None:
    cases = {
        "no credential": sets_api.poll(token=""),
        "the SCIM credential": sets_api.api.raw.post("/events/poll/app", json={}, headers=AUTH),
        "another receiver's token": sets_api.poll("app", token=sets_api.tokens["replica"]),
        "an unknown receiver": sets_api.poll("nobody", token=sets_api.tokens["app"]),
        "a wrong token": sets_api.poll(token="scim_" + "A" * 43),
    }
    for case, response in cases.items():
        assert response.status_code == 401, case
        assert response.json["err"] == "authentication_failed", case
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), case
    scim = sets_api.api.raw.get("/scim/v2/Users", headers={"Authorization": f"Bearer {sets_api.tokens['app']}"})
    assert scim.status_code == 401  # a receiver's token opens no SCIM resource


def test_a_malformed_poll_is_a_400_in_rfc_8935s_format(sets_api: SetsApi) -> None:
    for body in ([], {"ack": "x"}, {"ack": [1]}, {"maxEvents": -1}, {"maxEvents": True},
                 {"returnImmediately": "yes"}, {"setErrs": {"j": "x"}}, {"setErrs": {"j": {"description": "d"}}}):
        response = sets_api.poll(body=body)
        assert response.status_code == 400, body
        assert response.json["err"] == "invalid_request" and response.json["description"], body
    response = sets_api.api.raw.post("/events/poll/app", data=b"{nope", content_type="application/json",
                                     headers={"Authorization": f"Bearer {sets_api.tokens['app']}"})
    assert response.status_code == 400 and response.json["err"] == "invalid_request"


def test_an_unknown_jti_in_ack_is_ignored(sets_api: SetsApi) -> None:
    create_user(sets_api.api, "gina")
    body = {"ack": ["1-0-" + "0" * 24, "whatever"], "returnImmediately": True}
    assert len(sets_api.poll(body=body).json["sets"]) == 1


def test_service_provider_config_says_what_is_emitted(sets_api: SetsApi) -> None:
    spc = get_json(sets_api.api, "/ServiceProviderConfig")
    uris = spc["securityEvents"]["eventUris"]
    assert spc["securityEvents"]["asyncRequest"] == "none"
    assert PROV + "create:full" in uris and PROV + "deactivate" in uris  # replica is full


def test_without_sets_there_is_no_security_events_nor_route(api: Any) -> None:
    assert "securityEvents" not in get_json(api, "/ServiceProviderConfig")
    assert api.raw.get("/events/jwks.json").status_code == 404
    assert api.raw.post("/events/poll/app", json={}).status_code == 404


def test_advertising_can_be_switched_off_for_strict_clients(make_client: Callable[..., Client]) -> None:
    from scim2_models import Context, ServiceProviderConfig

    from tests.http.sets_support import sets_settings

    api = make_client(sets_settings("memory://", advertise=False))
    spc = get_json(api, "/ServiceProviderConfig")
    assert "securityEvents" not in spc
    ServiceProviderConfig.model_validate(spc, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)  # scim2-models reads it
    assert api.raw.get("/events/jwks.json").status_code == 200  # still served


def test_repeated_failures_from_one_address_are_throttled(sets_api: SetsApi) -> None:
    limit = sets_api.api.app.extensions["container"].settings().scim.throttle.max_failures
    for _ in range(limit):
        assert sets_api.poll(token="scim_" + "B" * 43).status_code == 401
    throttled = sets_api.poll(token="scim_" + "B" * 43)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert throttled.json["err"] == "access_denied"
