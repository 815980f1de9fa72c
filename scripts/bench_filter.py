"""Benchmark: GET /Users?filter=... at growing user counts, through the real app in-process.

    .venv/bin/python scripts/bench_filter.py                      # temp SQLite file
    .venv/bin/python scripts/bench_filter.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python scripts/bench_filter.py --sizes 1000,10000 --requests 100

Users are seeded straight into the tables (bulk executemany); the database grows from one size to
the next. For each size it times userName eq (random existing user, randomly re-cased), externalId
eq, emails.value eq, userName sw (count=10) and an unindexed title co scan (count=10), and prints
latency p50/p95/max and this process's CPU per request (it includes the test client; on SQLite
the database engine runs in this process too, on PostgreSQL its backend's CPU is not counted).
Every response is checked (status and totalResults); nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_common as bc  # noqa: E402

USER_NAME_EQ = "userName eq"


@dataclass(frozen=True)
class Probe:
    """One request: its filter text, count and the totalResults it must answer."""

    filter: str
    count: int | None
    total: int


def recase(value: str, rng: random.Random) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in value)


def quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def probes(kind: str, seeded: list[bc.SeededUser], size: int, n: int, rng: random.Random,
           scan_word: str) -> list[Probe]:
    out = []
    for _ in range(n):
        i = rng.randrange(size)
        u = seeded[i]
        if kind == USER_NAME_EQ:
            out.append(Probe(f"userName eq {quoted(recase(u.user_name, rng))}", None, 1))
        elif kind == "externalId eq":  # caseExact: as stored
            out.append(Probe(f"externalId eq {quoted(u.external_id)}", None, 1))
        elif kind == "emails.value eq":
            out.append(Probe(f"emails.value eq {quoted(recase(u.email, rng))}", None, 1))
        elif kind == "userName sw":
            # "User00012" of "User0001234@Example.com": the block of 100 consecutive numbers
            prefix = u.user_name.split("@")[0][:-2]
            block = i // 100 * 100
            out.append(Probe(f"userName sw {quoted(recase(prefix, rng))}", 10, min(size, block + 100) - block))
        elif kind == "title co":
            matching = [t for t in range(len(bc.TITLES)) if scan_word.lower() in bc.TITLES[t].lower()]
            total = sum(len(range(t, size, len(bc.TITLES))) for t in matching)
            out.append(Probe(f"title co {quoted(recase(scan_word, rng))}", 10, total))
        else:
            raise ValueError(kind)
    return out


def caller(client: bc.Client) -> Callable[[Probe], None]:
    def call(p: Probe) -> None:
        query = {"filter": p.filter}
        if p.count is not None:
            query["count"] = str(p.count)
        resp = client.request("GET", "/Users", query=query)
        body = resp.get_json(silent=True) or {}
        if resp.status_code != 200 or body.get("totalResults") != p.total:
            raise SystemExit(f"unexpected answer to {p.filter!r}: {resp.status_code} "
                             f"totalResults={body.get('totalResults')} (expected {p.total}): "
                             f"{resp.get_data(as_text=True)[:300]}")

    return call


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bc.add_url_argument(parser)
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="user counts, ascending, comma-separated (default 1000,10000,100000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per indexed filter and size")
    parser.add_argument("--scan-requests", type=int, default=10, help="timed requests of the title co scan")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests before each series")
    parser.add_argument("--scan-word", default="engineer", help="the title co literal")
    parser.add_argument("--analyze", action="store_true",
                        help="also run ANALYZE on SQLite (PostgreSQL is always VACUUM ANALYZEd after "
                             "seeding, as autovacuum would; the service never runs ANALYZE on SQLite)")
    parser.add_argument("--no-explain", action="store_true", help="skip the query plans")
    args = parser.parse_args(argv)
    return bc.run_on_bench_database(args, run, bc.sizes(args.sizes))


def run(url: str, sizes: list[int], args: argparse.Namespace) -> int:
    dialect, engine, seeder = bc.start(url, "bench_filter", f"sizes {sizes}")
    app = bc.make_app(url)
    client = bc.Client(app)
    call = caller(client)
    rng = random.Random(42)
    kinds = [USER_NAME_EQ, "externalId eq", "emails.value eq", "userName sw", "title co"]
    seeded: list[bc.SeededUser] = []
    results: dict[tuple[int, str], bc.Stats] = {}
    rows = []
    try:
        for size in sizes:
            print(f"\nseeding to {size} users", flush=True)
            t0 = time.perf_counter()
            seeded.extend(seeder.users(len(seeded), size - len(seeded)))
            print(f"  seeded in {time.perf_counter() - t0:.1f} s", flush=True)
            if dialect == "postgresql" or args.analyze:
                bc.timed("ANALYZE")(lambda: bc.analyze(engine))
            series = []
            for kind in kinds:
                n = args.scan_requests if kind == "title co" else args.requests
                warm = max(1, min(args.warmup, n))
                series.append(bc.Series(call, probes(kind, seeded, size, n, rng, args.scan_word),
                                        probes(kind, seeded, size, warm, rng, args.scan_word)))
            # the filters in turn (round-robin), so drift on a noisy machine falls on all alike
            for kind, s, stats in zip(kinds, series, bc.measure_interleaved(series), strict=True):
                results[size, kind] = stats
                row = [size, kind, *stats.cells(), s.inputs[0].total]
                rows.append(row)
                print("  " + "  ".join(str(c) for c in row), flush=True)
        headers = ["size", "filter", *bc.Stats.HEADERS, "totalResults"]
        print(f"\n== GET /Users?filter=... on {dialect}")
        print(bc.table(headers, rows))
        if len(sizes) > 1:
            small, big = sizes[0], sizes[-1]
            print(f"\n== p50 ratio {big} / {small} users")
            ratio_rows = []
            for kind in kinds:
                a, b = results[small, kind], results[big, kind]
                ratio_rows.append([kind, f"{a.p50:.2f}", f"{b.p50:.2f}", f"{b.p50 / a.p50:.2f}x",
                                   f"{b.cpu / a.cpu:.2f}x"])
            print(bc.table(["filter", f"p50 @{small}", f"p50 @{big}", "p50 ratio", "CPU ratio"], ratio_rows))
            ratio = results[big, USER_NAME_EQ].p50 / results[small, USER_NAME_EQ].p50
            verdict = "within" if ratio <= 1.2 else "NOT within"
            print(f"userName eq: {ratio:.2f}x ({verdict} the 1.2x target)")
        if not args.no_explain:
            explain_all(engine, client, seeded, sizes[-1], rng, args.scan_word, kinds)
    finally:
        bc.close_app(app)
        engine.dispose()
    return 0


def explain_all(engine, client: bc.Client, seeded: list[bc.SeededUser], size: int,
                rng: random.Random, scan_word: str, kinds: list[str]) -> None:
    print(f"\n== query plans at {size} users (the statements one request runs, as sent)")
    call = caller(client)
    for kind in kinds:
        (probe,) = probes(kind, seeded, size, 1, rng, scan_word)
        with bc.captured(engine_of(client)) as statements:
            call(probe)
        sent = f"{len(statements)} statements sent, {len(bc.explainable(statements))} shown"
        bc.print_plans(engine, f"{kind}: filter={probe.filter} ({sent})", statements)


def engine_of(client: bc.Client):
    return client.app.extensions["container"].engine()


if __name__ == "__main__":
    sys.exit(main())
