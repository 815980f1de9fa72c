"""What a Bulk request costs (issue 15): one POST /Bulk of 1,000 user POSTs and 10 group POSTs
that refer to all of them by bulkId (10,000 memberships), and of the same 1,000 users with 10
groups of 100 (1,000 memberships); beside each, the same load as 1,010 requests of their own
(the users, then each group with its members' ids). In-process through the Flask app and over
HTTP against the real gunicorn (gunicorn.conf.py, wsgi:app, on one keep-alive connection), on
SQLite and on PostgreSQL. Each figure is the median of --rounds runs; the loads are run in turn
in each round (so that the growing tables and other load on the machine fall on all alike),
each with names of its own. Prints figures; asserts only that every operation succeeded.

    .venv/bin/python bench/bulk.py                       # SQLite; PostgreSQL too with a URL:
    .venv/bin/python bench/bulk.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/scim_bulk2
    SCIM_BENCH_PG_URL=... .venv/bin/python bench/bulk.py --no-http --rounds 5

SQLite: a file in a temp dir, removed at the end. PostgreSQL: the schema `bench_bulk` in the
database the URL names, created for the run and dropped at the end (the run refuses to start if
it exists)."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1] / "scripts")]

import bench_common as bc  # noqa: E402
import httpx  # noqa: E402
import servers  # noqa: E402
import yaml  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from adapters.sqlalchemy.migrate import upgrade  # noqa: E402
from app.settings import BulkSettings  # noqa: E402

SCHEMA = "bench_bulk"
USERS, GROUPS = 1000, 10
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
BULK_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
MAX_OPERATIONS = 2 * (USERS + GROUPS)
Send = Callable[[str, str, Any], tuple[int, Any]]  # (method, path, body) -> (status, JSON)


@dataclass(frozen=True)
class Load:
    name: str
    members: int  # per group

    @property
    def memberships(self) -> int:
        return GROUPS * self.members

    def users(self, tag: str) -> list[dict[str, Any]]:
        return [{"schemas": [USER_URN], "userName": f"{tag}-user{i:04d}", "displayName": f"User {i}",
                 "emails": [{"value": f"{tag}-user{i}@example.org", "type": "work", "primary": True}]}
                for i in range(USERS)]

    def members_of(self, g: int) -> range:
        """Group g's members: `members` users, a window moving with g (each user in as many
        groups as the others)."""
        return range(g * self.members, g * self.members + self.members)

    def bulk(self, tag: str) -> dict[str, Any]:
        ops: list[dict[str, Any]] = [{"method": "POST", "path": "/Users", "bulkId": f"u{i}", "data": data}
                                     for i, data in enumerate(self.users(tag))]
        ops += [{"method": "POST", "path": "/Groups", "bulkId": f"g{g}", "data": {
            "schemas": [GROUP_URN], "displayName": f"{tag}-group{g}",
            "members": [{"value": f"bulkId:u{i % USERS}"} for i in self.members_of(g)]}} for g in range(GROUPS)]
        return {"schemas": [BULK_URN], "Operations": ops}


LOADS = (Load("10,000 memberships", USERS), Load("1,000 memberships", USERS // GROUPS))


def as_bulk(send: Send, load: Load, tag: str) -> None:
    status, body = send("POST", "/Bulk", load.bulk(tag))
    assert status == 200, (status, str(body)[:500])
    statuses = [op["status"] for op in body["Operations"]]
    assert statuses == ["201"] * (USERS + GROUPS), sorted(set(statuses))


def one_by_one(send: Send, load: Load, tag: str) -> None:
    ids = []
    for data in load.users(tag):
        status, body = send("POST", "/Users", data)
        assert status == 201, (status, str(body)[:500])
        ids.append(body["id"])
    for g in range(GROUPS):
        status, body = send("POST", "/Groups", {"schemas": [GROUP_URN], "displayName": f"{tag}-group{g}",
                                                "members": [{"value": ids[i % USERS]} for i in load.members_of(g)]})
        assert status == 201, (status, str(body)[:500])


# ---- the two ways in: the Flask app, the real gunicorn --------------------------------------------


@contextmanager
def in_process(url: str) -> Iterator[Send]:
    app = bc.make_app(url, bulk=BulkSettings(max_operations=MAX_OPERATIONS))
    handlers = [h for h in logging.getLogger("scim.requests").handlers if isinstance(h, logging.StreamHandler)]
    with open(os.devnull, "w") as devnull:  # the request log as shipped, written nowhere
        streams = [h.setStream(devnull) for h in handlers]
        client = bc.Client(app)

        def send(method: str, path: str, body: Any) -> tuple[int, Any]:
            resp = client.request(method, path, body)
            return resp.status_code, resp.get_json(silent=True)

        try:
            yield send
        finally:
            bc.close_app(app)
            for handler, stream in zip(handlers, streams, strict=True):
                handler.setStream(stream)


@contextmanager
def over_http(url: str, workdir: Path) -> Iterator[Send]:
    """gunicorn -c gunicorn.conf.py wsgi:app (as shipped: 2 workers x 4 threads, access log on)."""
    config = workdir / f"bulk-{make_url(url).get_backend_name()}.yaml"
    config.write_text(yaml.safe_dump({
        "scim": {"auth": [{"name": bc.USERNAME, "type": "basic", "username": bc.USERNAME, "password": bc.PASSWORD}],
                 "bulk": {"max_operations": MAX_OPERATIONS}},
        "database": {"url": url}, "server": {"secret_key": secrets.token_urlsafe(24)}}), encoding="utf-8")
    config.chmod(0o600)
    port = servers.free_port()
    argv = [sys.executable, "-m", "gunicorn", "-c", str(servers.ROOT / "gunicorn.conf.py"), "wsgi:app"]
    env = servers.clean_env(SCIM_CONFIG=str(config), SCIM_BIND=f"127.0.0.1:{port}")
    server = servers.Server(f"gunicorn-{make_url(url).get_backend_name()}", argv, port, workdir, env, core=None)
    server.start()
    try:
        server.wait_ready(servers.http_probe(port, "/scim/v2/ServiceProviderConfig", bc.AUTH["Authorization"]), 2)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/scim/v2", headers=bc.AUTH, timeout=600) as http:

            def send(method: str, path: str, body: Any) -> tuple[int, Any]:
                resp = http.request(method, path, json=body, headers={"Content-Type": bc.SCIM_JSON})
                return resp.status_code, resp.json() if resp.content else None

            yield send
        if server.problems():
            print("  server log:\n    " + "\n    ".join(server.problems()[:10]), file=sys.stderr)
    finally:
        server.stop()


# ---- databases -----------------------------------------------------------------------------------


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(dir=workdir))
    url = f"sqlite:///{folder / 'bulk.db'}"
    upgrade(url)
    try:
        yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def pg_database(admin_url: str) -> Iterator[str]:
    """The schema SCHEMA in the database of `admin_url`, created here and dropped afterwards."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"), {"s": SCHEMA}):
            raise SystemExit(f"schema {SCHEMA} already exists (left by an interrupted run?): "
                             f"DROP SCHEMA {SCHEMA} CASCADE, if it is one")
        conn.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
    url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    try:
        rendered = url.render_as_string(hide_password=False)
        upgrade(rendered)
        yield rendered
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        engine.dispose()


# ---- the run -------------------------------------------------------------------------------------


@dataclass
class Figure:
    seconds: list[float]
    cpu: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def measure(send: Send, rounds: int, label: str) -> dict[tuple[str, str], Figure]:
    """Every load both ways, in turn, `rounds` times."""
    figures: dict[tuple[str, str], Figure] = {}
    for r in range(rounds):
        for load in LOADS:
            for how, run in (("1 Bulk request", as_bulk), (f"{USERS + GROUPS:,} requests", one_by_one)):
                tag = f"r{r}-{load.members}-{'b' if run is as_bulk else 'i'}"
                c0, t0 = time.process_time(), time.perf_counter()
                run(send, load, tag)
                took, cpu = time.perf_counter() - t0, time.process_time() - c0
                fig = figures.setdefault((load.name, how), Figure([], []))
                fig.seconds.append(took)
                fig.cpu.append(cpu)
                print(f"  {label}, {load.name}, {how}, round {r + 1}: {took:.2f} s", file=sys.stderr, flush=True)
    return figures


def rows(db: str, way: str, figures: dict[tuple[str, str], Figure], in_proc: bool) -> list[list[str]]:
    out = []
    for load in LOADS:
        bulk = figures[(load.name, "1 Bulk request")]
        for how in ("1 Bulk request", f"{USERS + GROUPS:,} requests"):
            fig = figures[(load.name, how)]
            cpu = f"{statistics.median(fig.cpu):.2f}" if in_proc else "-"
            out.append([db, way, load.name, how, f"{fig.median:.2f}", f"{min(fig.seconds):.2f}",
                        f"{max(fig.seconds):.2f}", cpu, f"{fig.median / bulk.median:.2f}x"])
    return out


def per_membership(figures: dict[tuple[str, str], Figure]) -> str:
    """The cost of one more membership in a Bulk request: the difference of the two loads over
    the difference of their memberships (the users and groups are the same)."""
    big, small = LOADS
    extra = figures[(big.name, "1 Bulk request")].median - figures[(small.name, "1 Bulk request")].median
    return f"{extra / (big.memberships - small.memberships) * 1e6:.0f} µs"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("SCIM_BENCH_PG_URL"),
                        help="a PostgreSQL database to run in (the schema bench_bulk is made there and "
                             "dropped); default $SCIM_BENCH_PG_URL; none: SQLite only")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each figure (its median is shown)")
    parser.add_argument("--http", action=argparse.BooleanOptionalAction, default=True,
                        help="also over HTTP against gunicorn (default: on)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="scim-bench-bulk-"))
    table: list[list[str]] = []
    marginal: list[str] = []
    try:
        dbs: list[tuple[str, Callable[[], Any]]] = [("sqlite", lambda: sqlite_database(workdir))]
        if args.pg_url:
            dbs.append(("postgresql", lambda: pg_database(args.pg_url)))
        for db, database in dbs:
            ways: list[tuple[str, Callable[[str], Any]]] = [("in-process", in_process)]
            if args.http:
                ways.append(("HTTP", lambda url: over_http(url, workdir)))
            for way, entry in ways:
                with ExitStack() as stack:
                    url = stack.enter_context(database())
                    send = stack.enter_context(entry(url))
                    figures = measure(send, args.rounds, f"{db} {way}")
                table += rows(db, way, figures, way == "in-process")
                marginal.append(f"{db} {way}: {per_membership(figures)}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"Bulk: {USERS:,} users + {GROUPS} groups, median of {args.rounds} (seconds; CPU of this "
          "process, in-process only; ratio to the Bulk request of the same load)\n")
    print(bc.table(["db", "way", "load", "as", "median s", "min s", "max s", "CPU s", "vs Bulk"], table))
    print("\none more membership in a Bulk request: " + "; ".join(marginal))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
