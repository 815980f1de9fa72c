"""The request log (adapters/http/request_log.py): one line per request with its id, route,
status, credential, operation and resource id, in JSON or text; the X-Request-ID echoed (a
client's if it is a plain token); and never a value the client sent: a full provisioning run is
scanned for every password, name, address and filter literal it sent."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from app.settings import ServerSettings
from tests.conftest import Client, make_settings
from tests.fakes import PASSWORD, USERNAME
from tests.http.support import GROUP_URN, PATCH_URN, USER_URN

SENT = ["Sekr3t-Passw0rd!", "alice.martin", "alice.martin@example.com", "Alice Martin", "Quality Team",
        "EXT-778899", "+1 555 0100"]


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What the request logger writes, beside its own stderr handler."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger = logging.getLogger("scim.requests")
    logger.addHandler(handler)
    yield out
    logger.removeHandler(handler)


def json_client(make_client, log_format: str = "json") -> Client:
    client = make_client(make_settings(server=ServerSettings(log_format=log_format)))
    handler = next(h for h in logging.getLogger("scim.requests").handlers if getattr(h, "scim_requests", False))
    for h in logging.getLogger("scim.requests").handlers:
        h.setFormatter(handler.formatter)
    return client


def provision(client: Client) -> str:
    made = client.post("/Users", {"schemas": [USER_URN], "userName": SENT[1], "password": SENT[0],
                                  "emails": [{"value": SENT[2]}], "displayName": SENT[3], "externalId": SENT[5],
                                  "phoneNumbers": [{"value": SENT[6]}]}, headers={"User-Agent": "Okta SCIM Client 1.0.0"})
    uid = made.json["id"]
    client.get(f"/Users?filter=userName%20eq%20%22{SENT[1]}%22")
    group = client.post("/Groups", {"schemas": [GROUP_URN], "displayName": SENT[4]}).json["id"]
    client.patch(f"/Groups/{group}", {"schemas": [PATCH_URN], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": uid}]}]})
    client.patch(f"/Users/{uid}", {"schemas": [PATCH_URN], "Operations": [
        {"op": "replace", "path": "password", "value": SENT[0] + "2"}]})
    client.delete(f"/Users/{uid}")
    client.request("GET", "/Users", auth=False, headers={"Authorization": f"Basic {PASSWORD}"})  # a 401
    return uid


def test_a_full_run_logs_one_json_line_a_request_and_no_value_sent(make_client, lines) -> None:
    client = json_client(make_client)
    uid = provision(client)
    records = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert [(r["method"], r["operation"], r["status"]) for r in records] == [
        ("POST", "create", 201), ("GET", "list", 200), ("POST", "create", 201), ("PATCH", "patch", 200),
        ("PATCH", "patch", 200), ("DELETE", "delete", 204), ("GET", "list", 401)]
    first = records[0]
    assert first["route"] == "/scim/v2/Users" and first["resource_type"] == "Users"
    assert first["user_agent"] == "Okta SCIM Client 1.0.0" and first["credential"] == USERNAME
    assert records[5]["resource_id"] == uid and records[5]["route"] == "/scim/v2/Users/<scim_id:resource_id>"
    assert records[6]["credential"] is None and all(r["duration_ms"] >= 0 for r in records)
    assert len({r["request_id"] for r in records}) == len(records)
    text = lines.getvalue()
    for value in [*SENT, PASSWORD]:
        assert value not in text, value


def test_the_request_id_is_the_clients_when_it_is_a_plain_token_and_is_echoed(make_client, lines) -> None:
    client = json_client(make_client)
    mine = client.get("/Users", headers={"X-Request-ID": "okta-req-42.a:b"})
    assert mine.headers["X-Request-ID"] == "okta-req-42.a:b"
    forged = client.get("/Users", headers={"X-Request-ID": 'x" injected\\n'})
    assert forged.headers["X-Request-ID"] != 'x" injected\\n' and len(forged.headers["X-Request-ID"]) == 32
    ids = [json.loads(line)["request_id"] for line in lines.getvalue().splitlines()]
    assert ids == ["okta-req-42.a:b", forged.headers["X-Request-ID"]]


def test_the_text_format_is_one_readable_line(make_client, lines) -> None:
    client = json_client(make_client, "text")
    resp = client.get("/ServiceProviderConfig")
    (line,) = lines.getvalue().splitlines()
    assert line.startswith(f"{resp.headers['X-Request-ID']} GET /scim/v2/ServiceProviderConfig 200 ")
