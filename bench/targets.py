"""The targets of a run: the floor, the service on SQLite and on PostgreSQL, the peer; how each is
configured, started, seeded and reached."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bench_common as bc  # scripts/, on the path by run.py
import loadgen
import servers
import yaml

PEER_SPEC = "scim2-server==0.8.3"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "scim-bench"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
DEPARTMENTS = ("Engineering", "Sales", "Finance", "Support", "Legal", "Marketing", "Operations")


def user_body(user_name: str, n: int) -> dict[str, Any]:
    """A realistic POST /Users body, as Okta or Entra send it: name, emails, externalId, the
    enterprise extension's department (no password: IdPs mostly do not provision one)."""
    given, family = bc.GIVEN[n % len(bc.GIVEN)], bc.FAMILY[(n // len(bc.GIVEN)) % len(bc.FAMILY)]
    return {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "userName": user_name,
        "externalId": f"ext-{n:07d}",
        "name": {"givenName": given, "familyName": family, "formatted": f"{given} {family}"},
        "displayName": f"{given} {family} {n}",
        "emails": [{"value": f"{given.lower()}.{family.lower()}.{n}@mail.example.org",
                    "type": "work", "primary": True}],
        "title": bc.TITLES[n % len(bc.TITLES)],
        "active": True,
        ENTERPRISE: {"department": DEPARTMENTS[n % len(DEPARTMENTS)]},
    }


def seeded_name(n: int) -> str:
    """The userName of user number n, as bench_common's Seeder writes it."""
    return f"User{n:07d}@Example.com"


@dataclass
class Target:
    key: str  # floor, sqlite, postgresql, peer
    label: str
    server: servers.Server
    client: loadgen.Client
    auth: str | None = None  # the Authorization header
    bearer_client: loadgen.Client | None = None  # the service: the same, with a bearer token
    url: str | None = None  # the service's database
    seeder: bc.Seeder | None = None
    user_ids: list[str] = field(default_factory=list)  # user number n -> id
    max_users: int | None = None  # the peer: seeded over HTTP up to this many
    group_id: str | None = None
    members: list[str] = field(default_factory=list)  # in the group now, in the order added
    added: int = 0  # user numbers [0, added) were added to the group at some point

    @property
    def is_floor(self) -> bool:
        return self.key == "floor"

    @property
    def is_service(self) -> bool:
        return self.key in ("sqlite", "postgresql")

    @property
    def users(self) -> int:
        return len(self.user_ids)


# ---- PostgreSQL --------------------------------------------------------------------------------


def ensure_postgres(admin_url: str) -> str | None:
    """None when PostgreSQL answers at `admin_url` (started first if it is a local cluster that is
    down), else why not."""
    from sqlalchemy import create_engine, text

    def answers() -> bool:
        engine = create_engine(admin_url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False
        finally:
            engine.dispose()

    if answers():
        return None
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions:
        return f"no PostgreSQL answers at {admin_url} and none is installed"
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
                   capture_output=True, text=True, timeout=60)
    for _ in range(30):
        if answers():
            return None
        time.sleep(1)
    return f"PostgreSQL {versions[-1]} main did not start"


class Backends:
    """The PostgreSQL backends serving one database, found through pg_stat_activity on an
    admin connection to another database (whose own backend is not counted)."""

    def __init__(self, admin_url: str, database: str) -> None:
        from sqlalchemy import create_engine

        self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
        self.database = database
        self.conn = self.engine.connect()

    def pids(self) -> list[int]:
        from sqlalchemy import text

        rows = self.conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :d AND backend_type = 'client backend'"
        ), {"d": self.database})
        return [int(r[0]) for r in rows]

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


# ---- the peer's virtualenv ---------------------------------------------------------------------


def peer_python(spec: str = PEER_SPEC, log: Callable[[str], None] = print) -> tuple[str | None, str]:
    """The Python of a venv holding `spec` and this venv's gunicorn version, created on first use
    under ~/.cache/scim-bench/ (kept between runs): (path or None, version or why not)."""
    gunicorn = f"gunicorn=={importlib.metadata.version('gunicorn')}"
    tag = hashlib.sha1(f"{spec} {gunicorn} {sys.version_info[:2]}".encode()).hexdigest()[:10]
    venv = CACHE / f"peer-venv-{tag}"
    python = venv / "bin" / "python"
    marker = venv / ".bench-installed"
    if not marker.exists():
        log(f"creating the peer venv {venv} ({spec}, {gunicorn}) ...")
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                           capture_output=True, text=True, timeout=300)
            subprocess.run([str(python), "-m", "pip", "install", "-q", spec, gunicorn],
                           check=True, capture_output=True, text=True, timeout=600)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
            shutil.rmtree(venv, ignore_errors=True)
            detail = getattr(err, "stderr", "") or str(err)
            return None, "pip install failed: " + detail.strip().splitlines()[-1][:200]
        marker.write_text(spec + "\n")
    done = subprocess.run([str(python), "-c",
                           "import importlib.metadata as m; print(m.version('scim2-server'))"],
                          capture_output=True, text=True)
    return str(python), done.stdout.strip() or "?"


# ---- starting everything -----------------------------------------------------------------------


@dataclass
class Credentials:
    username: str = "bench"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))

    @property
    def header(self) -> str:
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode()


BEARER = "bench-bearer"


def write_service_config(path: Path, url: str, creds: Credentials) -> Path:
    """Basic auth as `creds`, and the bearer credential BEARER (its token: issue_token)."""
    data = {
        "scim": {"auth": [{"name": creds.username, "type": "basic", "username": creds.username,
                           "password": creds.password}, {"name": BEARER, "type": "bearer"}]},
        "database": {"url": url},
        "server": {"secret_key": secrets.token_urlsafe(24)},
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return path


def start_floor(workdir: Path, creds: Credentials, members: int) -> Target:
    port = servers.free_port()
    argv = servers.gunicorn_argv(sys.executable, servers.BENCH / "gunicorn_bench.py", "floor:app",
                                 port)
    server = servers.Server("floor", argv, port, workdir,
                            servers.clean_env(SCIM_BENCH_AUTH=creds.header,
                                              SCIM_BENCH_MEMBERS=str(members))).start()
    client = loadgen.Client("127.0.0.1", port, "/scim/v2", creds.header)
    return Target("floor", "floor", server, client, creds.header)


def start_service(key: str, label: str, url: str, workdir: Path, creds: Credentials,
                  backends: Backends | None = None) -> Target:
    engine = bc.prepare_schema(url)  # migrations (adapters.sqlalchemy.migrate.upgrade)
    config = write_service_config(workdir / f"{key}.yaml", url, creds)
    port = servers.free_port()
    argv = servers.gunicorn_argv(sys.executable, servers.ROOT / "gunicorn.conf.py", "wsgi:app", port)
    env = servers.clean_env(SCIM_CONFIG=str(config), SCIM_BIND=f"127.0.0.1:{port}")
    server = servers.Server(key, argv, port, workdir, env,
                            extra_pids=backends.pids if backends else None).start()
    client = loadgen.Client("127.0.0.1", port, "/scim/v2", creds.header)
    bearer = loadgen.Client("127.0.0.1", port, "/scim/v2", "Bearer " + issue_token(engine))
    return Target(key, label, server, client, creds.header, bearer, url=url, seeder=bc.Seeder(engine))


def issue_token(engine: Any) -> str:
    """A token of BEARER, made as `scim-service token create` makes one."""
    from adapters.sqlalchemy.credentials import SqlTokenStore
    from adapters.system import SystemClock, UuidGenerator
    from domain.credentials.tokens import Tokens

    return Tokens(SqlTokenStore(engine), SystemClock(), UuidGenerator()).issue(BEARER, note="bench").secret


def start_peer(python: str, workdir: Path, max_users: int) -> Target:
    port = servers.free_port()
    argv = servers.gunicorn_argv(python, servers.BENCH / "gunicorn_bench.py", "peer_app:app", port,
                                 "--workers", "1")
    server = servers.Server("peer", argv, port, workdir, servers.clean_env()).start()
    client = loadgen.Client("127.0.0.1", port, "/v2", None)
    return Target("peer", "scim2-server (memory)", server, client, max_users=max_users)


def wait_ready(target: Target) -> None:
    """Until the target answers (ServiceProviderConfig; a user on the floor) with all workers."""
    tail = "/Users/x" if target.is_floor else "/ServiceProviderConfig"
    probe = servers.http_probe(target.server.port, target.client.base_path + tail, target.auth)
    target.server.wait_ready(probe, 1 if target.key == "peer" else 2)


@contextmanager
def trivial_server(workdir: Path) -> Iterator[tuple[servers.Server, loadgen.Client]]:
    port = servers.free_port()
    server = servers.Server("trivial", [sys.executable, str(servers.BENCH / "trivial.py"), str(port)],
                            port, workdir, servers.clean_env()).start()
    try:
        server.wait_ready(servers.http_probe(port, "/"), 0)
        yield server, loadgen.Client("127.0.0.1", port, "/scim/v2", "Basic eDp5")
    finally:
        server.stop()


def seed_floor(target: Target, users: int) -> None:
    """The floor stores nothing: any id will do."""
    target.user_ids += [str(uuid.UUID(int=n + 1)) for n in range(target.users, users)]


def seed_service(target: Target, users: int) -> float:
    """Users number len(user_ids) .. users-1 straight into the tables; seconds taken."""
    assert target.seeder is not None
    t0 = time.perf_counter()
    have = target.users
    if users > have:
        target.user_ids += [u.id for u in target.seeder.users(have, users - have)]
        if target.key == "postgresql":
            bc.analyze(target.seeder.engine)
    target.seeder.engine.dispose()
    return time.perf_counter() - t0


def stop_all(stack: ExitStack, targets: list[Target]) -> None:
    for target in targets:
        stack.callback(target.server.stop)
        stack.callback(target.client.close)
        if target.bearer_client is not None:
            stack.callback(target.bearer_client.close)
