"""The supported deployment, for real: Debian's nginx with deploy/nginx.conf in front of the live
gunicorn. 64 clients that send their headers and stall their body are held by nginx (it buffers
bodies whole), so other requests are still answered promptly; against bare gunicorn the same 64
hold every worker thread and nothing is answered until they give up, which is why the README
requires a buffering proxy when the listener is reachable from the network."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import pytest

from tests.e2e.harness import REPORT, USERNAME, LiveServer
from tests.e2e.nginx import Nginx, start_nginx

pytestmark = pytest.mark.e2e
STALLED = 64
PROMPT = 2.0  # seconds: what "answered promptly" means here, under 64 stalled bodies


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"  # the stalls are in HTTP, before any store


@pytest.fixture(scope="module")
def nginx(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    proxy = start_nginx(tmp_path_factory.mktemp("nginx"), live_server.port)
    try:
        yield proxy
    finally:
        proxy.process.stop()


def basic(server: LiveServer) -> str:
    return "Basic " + base64.b64encode(f"{USERNAME}:{server.password}".encode()).decode()


@contextmanager
def stalled_bodies(port: int, authorization: str, count: int = STALLED) -> Iterator[list[socket.socket]]:
    """`count` POSTs that announce a 1000-byte body, send 10 bytes of it, and wait."""
    head = ("POST /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/scim+json\r\n"
            f"Authorization: {authorization}\r\nContent-Length: 1000\r\n\r\n").encode()
    with ExitStack() as stack:
        socks = []
        for _ in range(count):
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
            sock.sendall(head + b'{"userName')
            socks.append(sock)
        time.sleep(0.5)  # let the server take them all in
        yield socks


def timed_gets(origin: str, server: LiveServer, count: int, timeout: float) -> list[float]:
    """Seconds each of `count` sequential GET /Users took (each on a new connection)."""
    took = []
    for _ in range(count):
        start = time.monotonic()
        resp = httpx.get(f"{origin}/scim/v2/Users?count=1", auth=server.auth, timeout=timeout)
        assert resp.status_code == 200, resp.text[:200]
        took.append(time.monotonic() - start)
    return took


def test_through_nginx_64_stalled_bodies_do_not_stop_other_requests(live_server: LiveServer, nginx: Nginx) -> None:
    with stalled_bodies(nginx.port, basic(live_server)):
        took = timed_gets(nginx.origin, live_server, 20, timeout=PROMPT)
    assert max(took) < PROMPT
    REPORT.append(("nginx, 64 stalled bodies", f"20 GETs answered, slowest {max(took) * 1000:.0f} ms, "
                                               f"median {sorted(took)[10] * 1000:.0f} ms"))


def test_nginx_drops_a_stalled_body_itself_and_gunicorn_never_sees_it(live_server: LiveServer, nginx: Nginx) -> None:
    before = live_server.process.stdout().count("POST /scim/v2/Users")
    with stalled_bodies(nginx.port, basic(live_server), count=1) as (sock,):
        sock.settimeout(30)
        start = time.monotonic()
        answer = sock.recv(4096)  # nginx's client_body_timeout (10 s) ends it: it closes the connection
        waited = time.monotonic() - start
    assert answer == b"" and 8 < waited < 20, (answer, waited)
    assert '"POST /scim/v2/Users HTTP/1.1" 408' in nginx.access_log()
    assert live_server.process.stdout().count("POST /scim/v2/Users") == before


def test_nginx_answers_an_oversized_body_with_a_scim_413(live_server: LiveServer, nginx: Nginx) -> None:
    body = b'{"userName": "' + b"x" * (1024 * 1024 + 1) + b'"}'
    resp = httpx.post(f"{nginx.origin}/scim/v2/Users", content=body, auth=live_server.auth, timeout=30,
                      headers={"Content-Type": "application/scim+json"})
    assert resp.status_code == 413 and resp.headers["content-type"].startswith("application/scim+json")
    assert resp.json()["status"] == "413"


def answered_within(server: LiveServer, seconds: float) -> bool:
    try:
        httpx.get(f"{server.scim_url}/Users?count=1", auth=server.auth, timeout=seconds)
    except httpx.TimeoutException:
        return False
    return True


def test_bare_gunicorn_is_held_by_64_stalled_bodies_until_they_give_up(live_server: LiveServer) -> None:
    """The failure the proxy exists for, documented: no answer while the bodies stall, answers
    again once the clients close (each held request then ends as a 400, and writes nothing).
    Each worker accepts what it can: on a starved machine one worker may take all 64 while the
    other sleeps, and still answers, so more stalled bodies follow (at most 3 more rounds)
    until none is free: the attack needs only more connections."""
    with ExitStack() as stalls:
        stalls.enter_context(stalled_bodies(live_server.port, basic(live_server)))
        rounds, start = 1, time.monotonic()
        while answered_within(live_server, 3.0):
            assert rounds < 4, "bare gunicorn still answered with 256 stalled bodies"
            stalls.enter_context(stalled_bodies(live_server.port, basic(live_server)))
            rounds, start = rounds + 1, time.monotonic()
        held = time.monotonic() - start
    took = timed_gets(live_server.origin, live_server, 5, timeout=10.0)
    REPORT.append(("bare gunicorn, 64 stalled bodies", f"{64 * rounds} stalled bodies: no answer within {held:.1f} s; "
                                                       f"after the clients closed, slowest of 5 GETs {max(took) * 1000:.0f} ms"))
    with live_server.client() as http:
        assert http.get("Users", params={"count": 0}).json()["totalResults"] == 0
