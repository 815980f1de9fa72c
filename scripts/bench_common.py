"""Shared helpers for the benchmark scripts (scripts/bench_filter.py, scripts/bench_members.py,
scripts/bench_paging.py).

A throw-away database (a temp SQLite file, or a dedicated PostgreSQL database `scim_bench` that
is created and dropped), bulk seeding straight into the tables, the real Flask app in-process,
latency/CPU figures and EXPLAIN of the statements a request runs. Nothing here asserts on time:
the scripts print figures.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import Engine, create_engine, event, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from adapters.sqlalchemy.mapping import email_rows, resource_row  # noqa: E402
from adapters.sqlalchemy.migrate import upgrade  # noqa: E402
from adapters.sqlalchemy.tables import groups, memberships, user_emails, users  # noqa: E402
from domain.model import GROUP, USER, Resource  # noqa: E402
from domain.schema.registry import Registry, default_registry  # noqa: E402
from tests.fakes import make_settings  # noqa: E402

USERNAME, PASSWORD = "bench", "bench-password-not-a-secret"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()}
SCIM_JSON = "application/scim+json"
PG_BENCH_DATABASE = "scim_bench"
SEED_CHUNK = 5000  # rows per executemany
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
TITLES = (
    "Software Engineer", "Senior Software Engineer", "Engineering Manager", "Product Manager",
    "Accountant", "Sales Representative", "Account Executive", "Designer", "Data Analyst",
    "Support Specialist", "Recruiter", "Office Manager", "Marketing Lead", "Legal Counsel",
    "Security Analyst", "Site Reliability Engineer", "Technical Writer", "Controller",
    "Operations Coordinator", "Chief of Staff",
)
GIVEN = ("Ada", "Björn", "Chloé", "Dmitri", "Eun-ji", "Farid", "Grace", "Hiroshi", "Ingrid", "José")
FAMILY = ("Lovelace", "Öztürk", "Nakamura", "Okafor", "Schmidt", "García", "Kowalski", "Smith")


# ---- the database ---------------------------------------------------------------------------


def add_url_argument(parser: Any) -> None:
    parser.add_argument(
        "--url", default=None,
        help="database URL; default: a fresh temp SQLite file. A PostgreSQL URL names the server "
             f"to use: the benchmark creates a database '{PG_BENCH_DATABASE}' there, and drops it "
             "afterwards (it refuses to run when that database already exists)",
    )
    parser.add_argument("--keep", action="store_true",
                        help="keep the benchmark database (prints where it is)")


def dialect_of(url: str) -> str:
    return make_url(url).get_backend_name()


@contextmanager
def bench_database(url: str | None, keep: bool = False) -> Iterator[str]:
    """A URL to an empty database, removed afterwards (unless `keep`). Never touches anything
    it did not create: a given SQLite file must not exist yet; on PostgreSQL the dedicated
    database `scim_bench` must not exist yet."""
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="scim-bench-"))
        try:
            yield f"sqlite:///{folder / 'bench.db'}"
        finally:
            if keep:
                print(f"kept: {folder / 'bench.db'}")
            else:
                shutil.rmtree(folder, ignore_errors=True)
        return
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        if not path or path == ":memory:":
            raise SystemExit("an in-memory SQLite database cannot be shared by the app's pool; give a file")
        files = [Path(path + suffix) for suffix in ("", "-wal", "-shm")]
        if any(f.exists() for f in files):
            raise SystemExit(f"{path} exists; the benchmark only writes to a new file")
        try:
            yield url
        finally:
            if keep:
                print(f"kept: {path}")
            else:
                for f in files:
                    f.unlink(missing_ok=True)
        return
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"unsupported database: {parsed.get_backend_name()}")
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": PG_BENCH_DATABASE})
            if found:
                raise SystemExit(
                    f"database {PG_BENCH_DATABASE} already exists (left by an interrupted run?); "
                    f"the benchmark only uses a database it creates. Drop it yourself if it is one: "
                    f"DROP DATABASE {PG_BENCH_DATABASE}"
                )
            conn.exec_driver_sql(f"CREATE DATABASE {PG_BENCH_DATABASE}")
        try:
            yield parsed.set(database=PG_BENCH_DATABASE).render_as_string(hide_password=False)
        finally:
            if keep:
                print(f"kept: database {PG_BENCH_DATABASE}")
            else:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_BENCH_DATABASE} WITH (FORCE)")
    finally:
        admin.dispose()


def sizes(text: str) -> list[int]:
    """A comma-separated --sizes argument, ascending, without repeats."""
    return sorted({int(s) for s in text.split(",") if s.strip()})


def run_on_bench_database(args: Any, run: Callable[..., int], *extra: Any) -> int:
    """`run(url, *extra, args)` on the database of --url/--keep (see bench_database)."""
    with bench_database(args.url, args.keep) as url:
        return run(url, *extra, args)


def start(url: str, name: str, details: str) -> tuple[str, Engine, Seeder]:
    """Print the benchmark's first line, migrate the database: (dialect, engine, a Seeder)."""
    dialect = dialect_of(url)
    print(f"{name} on {dialect} ({environment(url)}); {details}")
    engine = prepare_schema(url)
    return dialect, engine, Seeder(engine)


def prepare_schema(url: str) -> Engine:
    """Run the migrations; an engine for seeding (the app builds its own)."""
    upgrade(url)
    from adapters.sqlalchemy.engine import make_engine

    return make_engine(url)


def analyze(engine: Engine) -> None:
    """Fresh planner statistics. PostgreSQL's autovacuum would gather them soon after a bulk load,
    so the benchmark does it at once; SQLite only has them when someone runs ANALYZE (the service
    never does), so this is not called there unless asked for."""
    if engine.dialect.name == "postgresql":
        # VACUUM cannot run in a transaction block; it also sets the visibility map, as
        # autovacuum would, so index-only scans are possible
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


# ---- seeding --------------------------------------------------------------------------------


@dataclass
class SeededUser:
    id: str
    user_name: str
    external_id: str
    email: str
    title: str


@dataclass
class Seeder:
    """Bulk inserts straight into the tables, with the column values the adapter itself would
    write (mapping.resource_row / email_rows), so lookups see exactly what a POST would store."""

    engine: Engine
    registry: Registry = field(default_factory=default_registry)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    created_at: int = 0  # seconds after EPOCH of the next resource: a distinct, ordered `created`

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _stamp(self) -> datetime:
        self.created_at += 1
        return EPOCH + timedelta(seconds=self.created_at)

    def user(self, n: int) -> tuple[SeededUser, Resource]:
        given, family = GIVEN[n % len(GIVEN)], FAMILY[(n // len(GIVEN)) % len(FAMILY)]
        seeded = SeededUser(
            id=self.new_id(),
            user_name=f"User{n:07d}@Example.com",
            external_id=f"ext-{n:07d}",
            email=f"{given.lower()}.{family.lower()}.{n}@mail.example.org",
            title=TITLES[n % len(TITLES)],
        )
        data = {
            "userName": seeded.user_name,
            "externalId": seeded.external_id,
            "displayName": f"{given} {family} {n}",
            "name": {"givenName": given, "familyName": family, "formatted": f"{given} {family}"},
            "emails": [{"value": seeded.email, "type": "work", "primary": True}],
            "title": seeded.title,
            "active": True,
        }
        stamp = self._stamp()
        return seeded, Resource(seeded.id, USER, data, stamp, stamp)

    def users(self, first: int, count: int) -> list[SeededUser]:
        """Users number first .. first+count-1, inserted in chunks."""
        rtype = self.registry.user
        out: list[SeededUser] = []
        for start in range(first, first + count, SEED_CHUNK):
            rows, emails = [], []
            for n in range(start, min(start + SEED_CHUNK, first + count)):
                seeded, resource = self.user(n)
                out.append(seeded)
                rows.append(resource_row(rtype, resource))
                emails.extend(email_rows(rtype, resource))
            with self.engine.begin() as conn:
                conn.execute(insert(users), rows)
                conn.execute(insert(user_emails), emails)
        return out

    def group(self, name: str) -> str:
        stamp = self._stamp()
        resource = Resource(self.new_id(), GROUP, {"displayName": name}, stamp, stamp)
        with self.engine.begin() as conn:
            conn.execute(insert(groups), [resource_row(self.registry.group, resource)])
        return resource.id

    def members(self, group_id: str, member_ids: Sequence[str]) -> None:
        for start in range(0, len(member_ids), SEED_CHUNK):
            part = member_ids[start:start + SEED_CHUNK]
            with self.engine.begin() as conn:
                conn.execute(insert(memberships), [{"group_id": group_id, "member_id": i} for i in part])


def timed(label: str) -> Callable[[Callable[[], Any]], Any]:
    """Run `fn` at once, printing how long it took (for seeding steps)."""

    def run(fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        result = fn()
        print(f"  {label}: {time.perf_counter() - t0:.1f} s", flush=True)
        return result

    return run


# ---- the app --------------------------------------------------------------------------------


def make_app(url: str, **scim: Any) -> Flask:
    """The real app (production hasher and all) on `url`; `scim` as tests/fakes.py make_settings."""
    from app import create_app

    return create_app(make_settings(url, username=USERNAME, password=PASSWORD, **scim))


def close_app(app: Flask) -> None:
    container = app.extensions["container"]
    container.engine().dispose()
    container.unwire()


class Client:
    """The Flask test client with Basic auth and SCIM JSON bodies."""

    def __init__(self, app: Flask) -> None:
        self.app, self.raw = app, app.test_client()

    def request(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None):
        headers = dict(AUTH)
        data = None
        if body is not None:
            headers["Content-Type"] = SCIM_JSON
            data = json.dumps(body)
        return self.raw.open("/scim/v2" + path, method=method, headers=headers, data=data,
                             query_string=query)


# ---- measuring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    n: int
    p50: float  # ms
    p95: float
    max: float
    mean: float
    cpu: float  # ms of this process's CPU per call (a mean: compare it with `mean`)

    HEADERS = ("n", "p50 ms", "p95 ms", "max ms", "mean ms", "CPU ms/req")

    def cells(self) -> list[Any]:
        return [self.n, *(f"{v:.2f}" for v in (self.p50, self.p95, self.max, self.mean, self.cpu))]

    @classmethod
    def of(cls, latencies: Sequence[float], cpu_seconds: float) -> Stats:
        return cls(len(latencies), statistics.median(latencies), percentile(latencies, 95),
                   max(latencies), statistics.fmean(latencies), cpu_seconds * 1000 / len(latencies))


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


@dataclass
class Series:
    """Calls to time: `call(x)` for each x of `inputs`, after untimed calls on `warmup`.
    `between(x)`, when given, runs after each call outside the figures (undoing a change)."""

    call: Callable[[Any], Any]
    inputs: Sequence[Any]
    warmup: Sequence[Any] = ()
    between: Callable[[Any], Any] | None = None
    latencies: list[float] = field(default_factory=list)
    cpu: float = 0.0

    def once(self, x: Any, timed: bool) -> None:
        c0, t0 = time.process_time(), time.perf_counter()
        self.call(x)
        if timed:
            self.latencies.append((time.perf_counter() - t0) * 1000)
            self.cpu += time.process_time() - c0
        if self.between is not None:
            self.between(x)

    def stats(self) -> Stats:
        return Stats.of(self.latencies, self.cpu)


def measure(call: Callable[[Any], Any], inputs: Sequence[Any], warmup: Sequence[Any] = (),
            between: Callable[[Any], Any] | None = None) -> Stats:
    """Time one series of calls (see Series)."""
    return measure_interleaved([Series(call, inputs, warmup, between)])[0]


def measure_interleaved(series: Sequence[Series]) -> list[Stats]:
    """Time several series round-robin (one call of each in turn), so that drift on a noisy
    machine (other load, SQLite WAL checkpoints, the garbage of a big response) falls on all of
    them alike instead of on whichever ran last."""
    for i in range(max((len(s.warmup) for s in series), default=0)):
        for s in series:
            if i < len(s.warmup):
                s.once(s.warmup[i], timed=False)
    for i in range(max(len(s.inputs) for s in series)):
        for s in series:
            if i < len(s.inputs):
                s.once(s.inputs[i], timed=True)
    return [s.stats() for s in series]


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    body = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)]
    numeric = [all(_is_number(r[i]) for r in body) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric, strict=True))

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in body)])


def _is_number(cell: str) -> bool:
    try:
        float(cell.rstrip("x"))
    except ValueError:
        return False
    return True


# ---- EXPLAIN --------------------------------------------------------------------------------


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The statements (with parameters) that reach the driver on `engine` inside the block."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if not many:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


SKIP = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "SET ", "SELECT PG_", "SHOW ")


def explainable(statements: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The distinct data statements among `statements` (first parameters of each)."""
    out: dict[str, Any] = {}
    for statement, params in statements:
        head = statement.lstrip().upper()
        if head.startswith(SKIP) or head == "SELECT 1":
            continue
        out.setdefault(statement, params)
    return list(out.items())


def explain(engine: Engine, statement: str, params: Any, analyze: bool = False) -> list[str]:
    """The plan of one statement, without running it (rolled back regardless). With `analyze`,
    on PostgreSQL it is run (EXPLAIN ANALYZE, BUFFERS: actual rows and times; still rolled back);
    SQLite has no such thing and gives its query plan."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            depth: dict[int, int] = {0: 0}
            lines = []
            for node, parent, _, detail in rows:
                depth[node] = depth.get(parent, 0) + 1
                lines.append("  " * (depth[node] - 1) + detail)
        else:
            head = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
            rows = conn.exec_driver_sql(head + statement, params).all()
            lines = [r[0] for r in rows]
        conn.rollback()
    return lines


def print_plans(engine: Engine, title: str, statements: Iterable[tuple[str, Any]],
                only: Callable[[str], bool] | None = None, width: int = 400,
                analyze: bool = False) -> None:
    print(f"\n-- {title}")
    for statement, params in explainable(statements):
        if only is not None and not only(statement):
            continue
        shown = " ".join(statement.split())
        if len(shown) > width:  # long IN / VALUES lists: keep the head and the tail
            shown = shown[:width - 160] + " ... " + shown[-160:]
        print("   SQL: " + shown)
        for line in explain(engine, statement, params, analyze):
            print("        " + line)


def environment(url: str) -> str:
    import platform

    import sqlalchemy

    parts = [f"python {platform.python_version()}", f"sqlalchemy {sqlalchemy.__version__}", _revision()]
    if dialect_of(url) == "sqlite":
        import sqlite3

        parts.append(f"sqlite {sqlite3.sqlite_version}")
    else:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                version = str(conn.scalar(text("SHOW server_version"))).split()[0]
                parts.append(f"postgresql {version}")
        finally:
            engine.dispose()
    return ", ".join(parts)


def _revision() -> str:
    """The commit measured, and whether the working tree differs from it."""
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "commit unknown"
    return f"commit {head}" + (" + uncommitted changes" if dirty else "")
