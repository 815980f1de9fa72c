"""How the real processes start: `gunicorn wsgi:app` refusing a bad config or an outdated schema
(exit 4, one line, no traceback), `scim-service serve` migrating a fresh database itself, and
`scim.enabled: false` serving no SCIM API. SQLite only: none of this depends on the backend."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.e2e.harness import (
    USERNAME,
    Process,
    clean_env,
    db_upgrade,
    free_port,
    scim_service_argv,
    start_gunicorn,
    wait_until_serving,
    write_config,
)

pytestmark = pytest.mark.e2e

# gunicorn's APP_LOAD_ERROR: wsgi.py exits with it so that the master stops instead of respawning.
APP_LOAD_ERROR = 4
EXIT_TIMEOUT = 30


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for p in started:
        p.stop()


@pytest.fixture
def config(tmp_path: Path) -> Callable[..., Path]:
    """A config file on a fresh SQLite file in tmp_path; keyword arguments are extra scim.* keys."""
    def make(**scim: object) -> Path:
        return write_config(tmp_path / "config.yaml", f"sqlite:///{tmp_path / 'scim.db'}",
                            secrets.token_urlsafe(24), **scim)
    return make


def refused(process: Process) -> tuple[int, str]:
    try:
        status = process.wait(EXIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.stop()
        pytest.fail(f"gunicorn kept running instead of exiting:\n{process.stderr()}")
    return status, process.stderr()


def test_unknown_config_key_exits_4_with_one_line(
    tmp_path: Path, config: Callable[..., Path], processes: list[Process]
) -> None:
    cfg = config(colour="blue")  # scim.colour: no such setting
    process, _ = start_gunicorn(tmp_path, cfg)
    processes.append(process)
    status, stderr = refused(process)
    naming = [line for line in stderr.splitlines() if "scim.colour" in line]
    assert status == APP_LOAD_ERROR, stderr
    assert "Traceback" not in stderr, stderr
    assert naming, stderr
    assert len(set(naming)) == 1 and "unknown key" in naming[0], stderr
    # One line: each worker that got as far as importing wsgi.py prints it once, and the master
    # halts on the first worker's exit 4.
    assert len(naming) == 1, f"printed {len(naming)} times:\n{stderr}"


def test_outdated_schema_exits_4_naming_db_upgrade(
    tmp_path: Path, config: Callable[..., Path], processes: list[Process]
) -> None:
    cfg = config()
    (tmp_path / "scim.db").touch()  # an empty database: no tables, no alembic_version
    process, _ = start_gunicorn(tmp_path, cfg)
    processes.append(process)
    status, stderr = refused(process)
    naming = [line for line in stderr.splitlines() if "scim-service db upgrade" in line]
    assert status == APP_LOAD_ERROR, stderr
    assert "Traceback" not in stderr, stderr
    assert naming, stderr
    assert len(set(naming)) == 1, stderr
    assert len(naming) == 1, f"printed {len(naming)} times:\n{stderr}"


def test_serve_upgrades_a_fresh_database_and_serves(
    tmp_path: Path, config: Callable[..., Path], processes: list[Process]
) -> None:
    cfg = config()
    port = free_port()
    password = yaml.safe_load(cfg.read_text())["scim"]["auth"][0]["password"]
    argv = [*scim_service_argv(), "--config", str(cfg), "serve", "--bind", f"127.0.0.1:{port}"]
    process = Process(argv, clean_env(PYTHONUNBUFFERED="1"), tmp_path, "serve").start()
    processes.append(process)
    auth = httpx.BasicAuth(USERNAME, password)
    users = f"http://127.0.0.1:{port}/scim/v2/Users"
    wait_until_serving(process, users, auth)
    response = httpx.get(users, auth=auth, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["totalResults"] == 0
    assert httpx.get(users, timeout=10).status_code == 401
    assert process.stop() == 0, process.stderr()  # SIGTERM: a graceful, successful shutdown


def test_scim_disabled_serves_no_scim_api(
    tmp_path: Path, config: Callable[..., Path], processes: list[Process]
) -> None:
    cfg = config(enabled=False)
    db_upgrade(cfg)
    process, port = start_gunicorn(tmp_path, cfg)
    processes.append(process)
    origin = f"http://127.0.0.1:{port}"
    wait_until_serving(process, origin + "/", None, expect=None)
    password = yaml.safe_load(cfg.read_text())["scim"]["auth"][0]["password"]
    for path in ("/scim/v2/Users", "/scim/v2/Groups", "/scim/v2/ServiceProviderConfig"):
        r = httpx.get(origin + path, auth=(USERNAME, password), timeout=10)
        assert r.status_code == 404, (path, r.status_code, r.text)
