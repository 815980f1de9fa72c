"""gunicorn takes a request line up to its maximum (8190 bytes, not its 4094 default), so a long
filter reaches the app and gets a SCIM answer: a match, or the parser's own 400 past 4096
characters, instead of gunicorn's plain "Request Line is too large"."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.e2e.harness import LiveServer

pytestmark = pytest.mark.e2e


def long_filter(chars: int) -> str:
    clauses, text = [], ""
    while len(text) < chars:
        clauses.append(f'userName eq "user-{len(clauses):06d}@example.com"')
        text = " or ".join(clauses)
    return text


def test_a_filter_of_6000_encoded_bytes_reaches_the_app(live_server: LiveServer) -> None:
    text = long_filter(4000)
    assert 5000 < len(quote(text)) < 8000  # past gunicorn's default line, within the one set
    with live_server.client() as http:
        resp = http.get("Users", params={"filter": text})
    assert resp.status_code == 200, resp.text[:300]
    assert resp.json()["totalResults"] == 0


def test_a_filter_past_the_parsers_limit_is_its_scim_400(live_server: LiveServer) -> None:
    text = long_filter(4200)
    with live_server.client() as http:
        resp = http.get("Users", params={"filter": text})
    assert resp.status_code == 400 and resp.headers["content-type"].startswith("application/scim+json")
    assert "4096" in resp.json()["detail"]
