"""The benchmark suite: the service beside its stack's floor (and scim2-server), one command.

    .venv/bin/python bench/run.py                 # full run, SQLite and PostgreSQL, with the peer
    .venv/bin/python bench/run.py --quick         # small sizes, a few minutes: a smoke test
    .venv/bin/python bench/run.py --db sqlite --no-peer

Writes bench/results/latest.md (and latest.json, the server error logs under results/logs/) and
prints the table. bench/README.md describes what is measured and how.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib.metadata
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

# bench/ itself, and scripts/ for bench_common (which puts the repo root on the path)
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1] / "scripts")]

import scenarios  # noqa: E402
import servers  # noqa: E402
import targets as tg  # noqa: E402
from loadgen import Request  # noqa: E402
from report import Results  # noqa: E402
from targets import bc  # noqa: E402

RESULTS = servers.BENCH / "results"
SERVER_CORE, CLIENT_CORE = 0, 1
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few requests (about 3 minutes): a smoke test")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both",
                        help="the service's database(s) (default: both)")
    parser.add_argument("--peer", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure scim2-server from PyPI, in memory (default: on; its venv "
                             f"is created once under {tg.CACHE})")
    parser.add_argument("--pg-url", default=DEFAULT_PG,
                        help="an admin URL of the PostgreSQL server; the run creates and drops the "
                             f"database {bc.PG_BENCH_DATABASE} there (default: {DEFAULT_PG})")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="keep-alive connections per step (default 4; group operations and "
                             "cursor walks always use 1, the race 16)")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.md",
                        help="the Markdown report (a .json beside it holds the raw figures)")
    return parser.parse_args(argv)


def pin_client() -> bool:
    """The load generator (and seeding) on CLIENT_CORE, when there are two cores."""
    if len(os.sched_getaffinity(0)) < 2 or (os.cpu_count() or 1) < 2:
        return False
    os.sched_setaffinity(0, {CLIENT_CORE})
    return True


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


async def ceiling(workdir: Path, profile: scenarios.Profile) -> dict[str, float]:
    """The load generator against a trivial server pinned like the others: the best of a few
    concurrencies."""
    best: dict[str, float] = {}
    with tg.trivial_server(workdir) as (server, client):
        for concurrency in (1, profile.concurrency, 16):
            requests = (Request("GET", "/Users/2819c223") for _ in range(10**9))
            before = server.sample()[0]
            result = await client.run(requests, concurrency, 200_000, 2.0 if profile.name ==
                                      "quick" else 4.0)
            server_cpu = servers.used(before, server.sample()[0])[0]
            rate = result.n / result.wall
            if rate > best.get("rate", 0):
                best = {"rate": rate, "concurrency": concurrency,
                        "client_us": result.client_cpu / result.n * 1e6,
                        "client_busy": result.client_cpu / result.wall,
                        "server_us": server_cpu / result.n * 1e6}
        client.close()
    return best


def header(args: argparse.Namespace, profile: scenarios.Profile, pinned: bool,
           versions: list[str], ceiling_: dict[str, float], took: float, results: Results,
           load: str) -> list[str]:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    busiest = max((c.rate for op in results.ops.values() for c in op.cells.values()
                   if c.n and not c.failed), default=0.0)
    busy = max((c.client_busy for op in results.ops.values() for c in op.cells.values()),
               default=0.0)
    gunicorn = importlib.metadata.version("gunicorn")
    lines = [
        f"# scim-service benchmark ({profile.name} run, {now})",
        "",
        f"- machine: {os.cpu_count()} cores, {cpu_model()}, Linux {platform.release()}; "
        f"load average at start {load}, at the end "
        f"{Path('/proc/loadavg').read_text().split()[0]} (other work on the machine moves the "
        "wall-clock figures more than the CPU ones)",
        "- pinning: " + (f"servers (and their PostgreSQL backends) on CPU {SERVER_CORE} "
                         f"(`taskset -c {SERVER_CORE}`), load generator and seeding on CPU "
                         f"{CLIENT_CORE}" if pinned else "none (fewer than 2 cores)"),
        "- code: " + "; ".join(versions),
        f"- gunicorn {gunicorn}: gthread, 2 workers x 4 threads for the floor and the service "
        "(gunicorn.conf.py; the floor's bench/gunicorn_bench.py copies its settings), the peer 1 "
        "worker x 4 threads (its store is in the process); access log on for all "
        "(gunicorn.conf.py's `accesslog = \"-\"`, sent to /dev/null)",
        f"- load generator ceiling: {ceiling_['rate']:,.0f} req/s against a trivial asyncio "
        f"server at concurrency {ceiling_['concurrency']:.0f} ({ceiling_['client_us']:.0f} µs of "
        f"generator CPU per request, its core {ceiling_['client_busy']:.0%} busy; the trivial "
        f"server {ceiling_['server_us']:.0f} µs); the fastest step of this run did "
        f"{busiest:,.0f} req/s, the busiest kept the generator's core {busy:.0%} busy",
        f"- steps: {profile.concurrency} keep-alive connections (group operations and cursor "
        f"walks 1, the race 16), {profile.rounds} rounds per operation alternating the targets "
        f"(rotated each round), each step bounded to its request count and "
        f"{profile.step_seconds:.0f} s",
        f"- run took {took / 60:.1f} min (`{' '.join(['bench/run.py', *sys.argv[1:]])}`)",
    ]
    if results.seeding:
        lines.append("- seeding: " + "; ".join(results.seeding))
    return lines


def collect(results: Results, targets: list[tg.Target]) -> None:
    for t in targets:
        t.server.sample()
        workers = t.server.workers()
        peaks = [servers.status_kb(pid, "VmHWM") or t.server.peak_kb.get(pid, 0) for pid in workers]
        results.rss[t.key] = {"workers": len(workers), "peaks_kb": peaks,
                              "restarts": t.server.restarts()}
        results.problems[t.label] = t.server.problems()


def save_logs(targets: list[tg.Target]) -> None:
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for t in targets:
        if t.server.log_path.exists():
            shutil.copyfile(t.server.log_path, logs / t.server.log_path.name)


def run(args: argparse.Namespace) -> int:
    profile = scenarios.QUICK if args.quick else scenarios.FULL
    if args.concurrency:
        profile = dataclasses.replace(profile, concurrency=args.concurrency)
    started = time.perf_counter()
    load = Path("/proc/loadavg").read_text().split()[0]
    pinned = pin_client()
    results = Results()
    targets: list[tg.Target] = []
    versions: list[str] = []
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="scim-bench-run-"))
        stack.callback(shutil.rmtree, workdir, True)
        log(f"{profile.name} run; working in {workdir}")
        ceiling_ = asyncio.run(ceiling(workdir, profile))
        log(f"load generator ceiling: {ceiling_['rate']:,.0f} req/s "
            f"({ceiling_['client_us']:.0f} µs/request of generator CPU)")
        creds = tg.Credentials()

        def started_(target: tg.Target) -> tg.Target:
            stack.callback(target.server.stop)
            targets.append(target)
            return target

        started_(tg.start_floor(workdir, creds, profile.group))
        if args.db in ("sqlite", "both"):
            url = stack.enter_context(bc.bench_database(None))
            versions.append(bc.environment(url))
            t = started_(tg.start_service("sqlite", "service SQLite", url, workdir, creds))
            stack.callback(t.seeder.engine.dispose)  # type: ignore[union-attr]
        if args.db in ("postgresql", "both"):
            why = tg.ensure_postgres(args.pg_url)
            if why is not None and args.db == "postgresql":
                raise SystemExit(why)
            if why is not None:
                results.skipped.append(("service on PostgreSQL", why))
                log(f"skipping PostgreSQL: {why}")
            else:
                url = stack.enter_context(bc.bench_database(args.pg_url))
                versions.append(bc.environment(url).split(", ")[-1])
                backends = tg.Backends(args.pg_url, bc.PG_BENCH_DATABASE)
                stack.callback(backends.close)
                t = started_(tg.start_service("postgresql", "service PostgreSQL", url, workdir,
                                              creds, backends))
                stack.callback(t.seeder.engine.dispose)  # type: ignore[union-attr]
        if args.peer:
            python, version = tg.peer_python(log=log)
            if python is None:
                results.skipped.append(("scim2-server (the peer)", version))
                log(f"skipping the peer: {version}")
            else:
                versions.append(f"peer scim2-server {version}")
                started_(tg.start_peer(python, workdir, profile.peer_users))
        results.columns = [t.key for t in targets]
        for t in targets:
            tg.wait_ready(t)
        log("servers up: " + ", ".join(f"{t.key} :{t.server.port}" for t in targets))
        runner = scenarios.Runner(targets, profile, results, log)
        try:
            asyncio.run(runner.run_all())
        finally:
            collect(results, targets)
            save_logs(targets)
            took = time.perf_counter() - started
            results.header = header(args, profile, pinned, versions, ceiling_, took, results,
                                    load)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(results.markdown(), encoding="utf-8")
            args.out.with_suffix(".json").write_text(results.to_json(), encoding="utf-8")
    print(results.markdown())
    log(f"written: {args.out} (took {(time.perf_counter() - started) / 60:.1f} min)")
    return 0


def main(argv: list[str] | None = None) -> int:
    def stop(signum: int, frame: object) -> None:  # noqa: ARG001
        raise KeyboardInterrupt

    # SIGINT too: a shell that starts the run in the background hands it SIGINT ignored
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    args = parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        log("interrupted: servers stopped, databases and temp files removed")
        return 130


if __name__ == "__main__":
    sys.exit(main())
