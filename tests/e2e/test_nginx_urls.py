"""Absolute URLs through real nginx (deploy/nginx.conf): with server.trusted_proxies 1 they carry
nginx's scheme, host, port and a prefix it forwards (`location /identity/` setting
$scim_prefix, as deploy/nginx.conf and docs/deploy.md show); with server.public_url they are the public URL's
whatever the request says; a client's own X-Forwarded-* headers change nothing."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.e2e.harness import (
    USERNAME,
    Process,
    db_upgrade,
    start_gunicorn,
    wait_until_serving,
    write_config,
)
from tests.e2e.nginx import Nginx, start_nginx

pytestmark = pytest.mark.e2e
USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}
PUBLIC = "https://idm.example.com/identity/scim/v2"
PREFIXED = '''
    location /identity/ {
        set $scim_prefix /identity;
        proxy_pass http://scim_service/;
    }
'''


def with_prefix(site: str) -> str:
    """The shipped server block with the prefixed location of docs/deploy.md added."""
    marker = "    location / {"
    assert marker in site
    return site.replace(marker, PREFIXED + marker, 1)


def serve(workdir: Path, server: dict[str, Any]) -> tuple[Process, Nginx, str]:
    password = secrets.token_urlsafe(24)
    config = write_config(workdir / "config.yaml", f"sqlite:///{workdir / 'scim.db'}", password)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    config.write_text(yaml.safe_dump({**data, "server": server}), encoding="utf-8")
    db_upgrade(config)
    gunicorn, port = start_gunicorn(workdir, config)
    wait_until_serving(gunicorn, f"http://127.0.0.1:{port}/scim/v2/ServiceProviderConfig", None)
    return gunicorn, start_nginx(workdir / "nginx", port, with_prefix), password


@pytest.fixture(scope="module", params=[{"trusted_proxies": 1}, {"trusted_proxies": 1, "public_url": PUBLIC}],
                ids=["forwarded", "public_url"])
def deployment(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Nginx, str, dict[str, Any]]]:
    gunicorn, nginx, password = serve(tmp_path_factory.mktemp("urls"), request.param)
    try:
        yield nginx, password, request.param
    finally:
        nginx.process.stop()
        gunicorn.stop()


def create(nginx: Nginx, password: str, path: str, name: str, **headers: str) -> httpx.Response:
    resp = httpx.post(f"{nginx.origin}{path}/Users", json={**USER, "userName": name}, timeout=30,
                      auth=(USERNAME, password), headers={"Content-Type": "application/scim+json", **headers})
    assert resp.status_code == 201, resp.text
    return resp


@pytest.mark.parametrize("path", ["/scim/v2", "/identity/scim/v2"], ids=["root", "prefix"])
def test_locations_are_the_ones_the_client_reached(deployment, path: str) -> None:
    nginx, password, server = deployment
    resp = create(nginx, password, path, f"u{secrets.token_hex(4)}")
    expected = PUBLIC if "public_url" in server else f"{nginx.origin}{path}"
    assert resp.headers["Location"] == f"{expected}/Users/{resp.json()['id']}" == resp.json()["meta"]["location"]


def test_a_clients_own_forwarded_headers_change_nothing(deployment) -> None:
    nginx, password, server = deployment
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "ftp", "X-Forwarded-Prefix": "/evil"}
    resp = create(nginx, password, "/scim/v2", f"f{secrets.token_hex(4)}", **forged)
    expected = PUBLIC if "public_url" in server else f"{nginx.origin}/scim/v2"
    assert resp.headers["Location"] == f"{expected}/Users/{resp.json()['id']}"
