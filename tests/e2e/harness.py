"""The e2e harness: config files, the scim-service CLI, PostgreSQL setup, and gunicorn processes."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.pg import ensure_database, per_worker

ROOT = Path(__file__).resolve().parents[2]
# SCIM_TEST_E2E_DATABASE names another one, for two checkouts testing on one server at once
PG_DATABASE = os.environ.get("SCIM_TEST_E2E_DATABASE", "scim_e2e")
USERNAME = "e2e-idp"
BEARER = "e2e-bearer"
SCIM_PATH = "/scim/v2"
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0

# Filled by the tests (conformance and race summaries); conftest prints it at the end of the
# session, so that CI logs show it whether or not a test failed.
REPORT: list[tuple[str, str]] = []


# ---- helpers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus every SCIM_* variable (each would override the test's config)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCIM_")}
    env.update(extra)
    return env


def scim_service_argv() -> list[str]:
    """The `scim-service` console script of this interpreter's environment (else `-m app.cli`)."""
    script = Path(sys.executable).with_name("scim-service")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


def gunicorn_argv() -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]


def write_config(path: Path, database_url: str, password: str, **scim: Any) -> Path:
    """A YAML config: basic auth with `password` and the bearer credential BEARER (its tokens
    made with `token create`), the given database, and extra scim.* keys."""
    data: dict[str, Any] = {
        "scim": {"auth": [{"name": USERNAME, "type": "basic", "username": USERNAME, "password": password},
                          {"name": BEARER, "type": "bearer"}], **scim},
        "database": {"url": database_url},
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return path


def run_cli(config: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*scim_service_argv(), "--config", str(config), *args],
        cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=timeout,
    )


def db_upgrade(config: Path) -> None:
    done = run_cli(config, "db", "upgrade")
    assert done.returncode == 0, f"scim-service db upgrade failed ({done.returncode}):\n{done.stderr}"


def create_token(config: Path) -> str:
    """A bearer token for BEARER, made as an admin makes one."""
    done = run_cli(config, "token", "create", BEARER, "--note", "e2e")
    assert done.returncode == 0, f"scim-service token create failed ({done.returncode}):\n{done.stderr}"
    return done.stdout.strip()


# ---- PostgreSQL --------------------------------------------------------------------------------


def pg_e2e_url() -> str:
    """SCIM_TEST_DATABASE_URL with its database swapped for scim_e2e (scim_e2e_gw0, ... under
    xdist: one per worker), which exists afterwards."""
    return ensure_database(per_worker(PG_DATABASE))


def pg_reset(url: str) -> None:
    """Drop every table (alembic_version included): the next server starts on an empty database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


# ---- the live server ---------------------------------------------------------------------------


@dataclass
class Process:
    """A subprocess whose stdout and stderr go to files (a pipe left unread could block it)."""

    argv: Sequence[str]
    env: dict[str, str]
    workdir: Path
    name: str = "proc"
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def stdout_path(self) -> Path:
        return self.workdir / f"{self.name}.out"

    @property
    def stderr_path(self) -> Path:
        return self.workdir / f"{self.name}.err"

    def start(self) -> Process:
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                list(self.argv), cwd=ROOT, env=self.env, stdout=out, stderr=err,
                stdin=subprocess.DEVNULL,
            )
        return self

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def stop(self) -> int | None:
        """SIGTERM (gunicorn's graceful shutdown), then SIGKILL; the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT)
        return self.proc.returncode


@dataclass
class LiveServer:
    backend: str
    port: int
    password: str
    config: Path
    database_url: str
    process: Process
    token: str = ""

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def scim_url(self) -> str:
        return self.origin + SCIM_PATH

    @property
    def auth(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(USERNAME, self.password)

    def client(self, bearer: bool = False, **kw: Any) -> httpx.Client:
        """An httpx client on the SCIM base URL (paths are relative: "Users", not "/Users"),
        authenticating with Basic, or with the bearer token."""
        kw.setdefault("timeout", 30.0)
        if bearer:
            assert self.token, "this server has no token"
            return httpx.Client(base_url=self.scim_url + "/", headers={"Authorization": f"Bearer {self.token}"}, **kw)
        return httpx.Client(base_url=self.scim_url + "/", auth=self.auth, **kw)

    def logs(self) -> str:
        return self.process.stderr()

    def problems(self) -> list[str]:
        """Error-log lines with a traceback, an [ERROR] or "database is locked", and access-log
        lines (gunicorn.conf.py sends the access log to stdout) of a 5xx answer other than 501,
        the deliberate "not implemented" of a feature the server does not advertise."""
        errors = [line for line in self.process.stderr().splitlines()
                  if "Traceback" in line or "[ERROR]" in line or "database is locked" in line]
        answers = [line for line in self.process.stdout().splitlines()
                   if re.search(r'" 5(?!01)[0-9][0-9] ', line)]
        return errors + answers


def wait_until_serving(process: Process, url: str, auth: httpx.Auth | None,
                       timeout: float = STARTUP_TIMEOUT, expect: int | None = 200) -> None:
    """Poll `url` until it answers (`expect`, or anything when None); fail with gunicorn's stderr
    if the process exits or the timeout passes first."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    assert process.proc is not None
    while time.monotonic() < deadline:
        status = process.proc.poll()
        if status is not None:
            pytest.fail(f"{process.name} exited with status {status} before serving:\n{process.stderr()}")
        try:
            response = httpx.get(url, auth=auth, timeout=2.0)
        except httpx.TransportError as exc:
            last = repr(exc)
        else:
            if expect is None or response.status_code == expect:
                return
            last = f"HTTP {response.status_code}: {response.text[:300]}"
        time.sleep(0.2)
    process.stop()
    pytest.fail(f"{process.name} did not serve {url} within {timeout:.0f} s ({last}):\n{process.stderr()}")


def start_gunicorn(workdir: Path, config: Path, name: str = "gunicorn") -> tuple[Process, int]:
    port = free_port()
    env = clean_env(SCIM_CONFIG=str(config), SCIM_BIND=f"127.0.0.1:{port}", PYTHONUNBUFFERED="1")
    return Process(gunicorn_argv(), env, workdir, name).start(), port


def fresh_database(backend: str, workdir: Path) -> str:
    """The URL of an empty database of `backend`: the e2e PostgreSQL database, emptied, or a new
    SQLite file in `workdir`."""
    if backend == "postgres":
        url = pg_e2e_url()
        pg_reset(url)
        return url
    return f"sqlite:///{workdir / 'scim.db'}"


@contextmanager
def serving(backend: str, workdir: Path, token: bool = True, **scim: Any) -> Iterator[LiveServer]:
    """gunicorn -c gunicorn.conf.py wsgi:app (2 workers x 4 threads) on a fresh, upgraded
    database of `backend` (PostgreSQL: the e2e database, emptied first), with extra scim.* keys;
    a bearer token made when `token`. Stopped on leaving."""
    url = fresh_database(backend, workdir)
    password = secrets.token_urlsafe(24)
    config = write_config(workdir / "config.yaml", url, password, **scim)
    db_upgrade(config)
    made = create_token(config) if token else ""
    process, port = start_gunicorn(workdir, config)
    server = LiveServer(backend, port, password, config, url, process, made)
    try:
        wait_until_serving(process, server.scim_url + "/ServiceProviderConfig", server.auth)
        yield server
    finally:
        process.stop()
