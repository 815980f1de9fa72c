"""/metrics under the real gunicorn (2 workers x 4 threads, gunicorn.conf.py): prometheus_client's
multiprocess mode sums every worker's figures, whichever worker answers the scrape; a worker
killed with SIGKILL keeps its counts in the sums; figures of an earlier run are not; and with
metrics.bind the master serves them on their own address while the API listener has no route."""

from __future__ import annotations

import re
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.e2e.harness import (
    USERNAME,
    LiveServer,
    Process,
    db_upgrade,
    free_port,
    start_gunicorn,
    wait_until_serving,
    write_config,
)
from tests.exposition import sample

pytestmark = pytest.mark.e2e

SCRAPER, SCRAPE_PASSWORD = "prometheus", secrets.token_urlsafe(18)
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
CLIENTS, CREATES_EACH, REFUSED = 8, 10, 5


def start(workdir: Path, metrics: dict[str, object]) -> LiveServer:
    password = secrets.token_urlsafe(18)
    config = write_config(workdir / "config.yaml", f"sqlite:///{workdir / 'scim.db'}", password)
    data = yaml.safe_load(config.read_text())
    data["metrics"] = {"enabled": True, **metrics}
    config.write_text(yaml.safe_dump(data))
    db_upgrade(config)
    process, port = start_gunicorn(workdir, config)
    server = LiveServer("sqlite", port, password, config, "", process)
    wait_until_serving(process, server.scim_url + "/ServiceProviderConfig", server.auth)
    return server


@pytest.fixture
def metered(tmp_path: Path) -> Iterator[tuple[LiveServer, Path]]:
    figures = tmp_path / "metrics"
    figures.mkdir()
    (figures / "counter_1.db").write_bytes(b"\x00" * 64)  # an earlier run's file: must not be read
    server = start(tmp_path, {"path": "/metrics", "username": SCRAPER, "password": SCRAPE_PASSWORD,
                              "multiproc_dir": str(figures)})
    try:
        yield server, figures
    finally:
        server.process.stop()


def scrape(server: LiveServer) -> str:
    # a new connection each time: the scrape may land on either worker
    resp = httpx.get(server.origin + "/metrics", auth=(SCRAPER, SCRAPE_PASSWORD), timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.text


def burst(server: LiveServer) -> None:
    def creates(n: int) -> None:
        for i in range(CREATES_EACH):
            resp = httpx.post(server.scim_url + "/Users", auth=(USERNAME, server.password), timeout=30,
                              json={"schemas": [USER_URN], "userName": f"c{n}-{i}"})
            assert resp.status_code == 201, resp.text

    threads = [threading.Thread(target=creates, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for _ in range(REFUSED):
        assert httpx.get(server.scim_url + "/Users", timeout=10).status_code == 401


def workers(master: Process) -> list[int]:
    assert master.proc is not None
    pid = master.proc.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children]


def assert_sums(server: LiveServer, creates: int) -> None:
    for _ in range(4):  # whichever worker answers, the same sums
        text = scrape(server)
        assert sample(text, "scim_provisioning_operations_total", resource_type="User", operation="create") == creates
        assert sample(text, "scim_http_requests_total", route="/scim/v2/Users", method="POST", status="201") == creates
        assert sample(text, "scim_auth_failures_total", scheme="none") == REFUSED


def test_every_workers_figures_are_summed_and_a_killed_workers_stay(metered: tuple[LiveServer, Path]) -> None:
    server, figures = metered
    assert not (figures / "counter_1.db").exists()
    burst(server)
    total = CLIENTS * CREATES_EACH
    assert_sums(server, total)
    before = workers(server.process)
    assert len(before) == 2
    pids = {int(m[1]) for f in figures.iterdir() if (m := re.search(r"_(\d+)\.db$", f.name))}
    assert set(before) <= pids  # each worker writes its own files
    victim = before[0]
    import os

    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (victim in workers(server.process) or len(workers(server.process)) < 2):
        time.sleep(0.2)
    assert victim not in workers(server.process) and len(workers(server.process)) == 2
    wait_until_serving(server.process, server.scim_url + "/ServiceProviderConfig", server.auth)
    assert_sums(server, total)
    assert httpx.get(server.origin + "/metrics", timeout=10).status_code == 401


def test_a_separate_bind_serves_the_figures_and_the_api_listener_does_not(tmp_path: Path) -> None:
    port = free_port()
    server = start(tmp_path, {"bind": f"127.0.0.1:{port}"})
    try:
        with server.client() as api:
            assert api.post("Users", json={"schemas": [USER_URN], "userName": "bound"}).status_code == 201
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert sample(text, "scim_provisioning_operations_total", resource_type="User", operation="create") == 1
        assert httpx.get(server.origin + "/metrics", timeout=10).status_code == 404
        assert "metrics served on http://127.0.0.1:" in server.logs()
    finally:
        server.process.stop()
