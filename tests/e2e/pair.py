"""Two gunicorn instances on different ports sharing one PostgreSQL database, as a module-scoped
fixture (`pair`, declared in tests/e2e/conftest.py): tests of one service on several hosts."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.e2e.harness import (
    BEARER,
    SCIM_PATH,
    USERNAME,
    Process,
    db_upgrade,
    pg_e2e_url,
    pg_reset,
    start_gunicorn,
    wait_until_serving,
)

FAILURES = 4  # the throttle's limit in the shared config
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"


def write_shared_config(path: Path, url: str, password: str) -> Path:
    data = {
        "scim": {
            "auth": [{"name": USERNAME, "type": "basic", "username": USERNAME, "password": password},
                     {"name": BEARER, "type": "bearer"},
                     {"name": "oauth", "type": "oauth", "allow_insecure_http": True, "client_credentials": True}],
            "throttle": {"max_failures": FAILURES, "window_seconds": 300},
        },
        "admin": {"username": "admin", "password": secrets.token_urlsafe(16)},
        "database": {"url": url},
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return path


class Pair:
    def __init__(self, config: Path, password: str, ports: tuple[int, int]) -> None:
        self.config, self.password, self.ports = config, password, ports

    def client(self, which: int, **kw: object) -> httpx.Client:
        kw.setdefault("auth", httpx.BasicAuth(USERNAME, self.password))
        return httpx.Client(base_url=f"http://127.0.0.1:{self.ports[which]}{SCIM_PATH}/", timeout=30, **kw)  # type: ignore[arg-type]

    def origin(self, which: int) -> str:
        return f"http://127.0.0.1:{self.ports[which]}"


def start_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    workdir = tmp_path_factory.mktemp("two-instances")
    url = pg_e2e_url()
    pg_reset(url)
    password = secrets.token_urlsafe(24)
    config = write_shared_config(workdir / "config.yaml", url, password)
    db_upgrade(config)
    processes: list[Process] = []
    try:
        ports = []
        for name in ("a", "b"):
            process, port = start_gunicorn(workdir, config, name=f"gunicorn-{name}")
            processes.append(process)
            wait_until_serving(process, f"http://127.0.0.1:{port}{SCIM_PATH}/ServiceProviderConfig", None)
            ports.append(port)
        yield Pair(config, password, (ports[0], ports[1]))
    finally:
        for process in processes:
            process.stop()
