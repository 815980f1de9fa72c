"""Benchmark: paging through 100k users, index (startIndex/count) vs cursor (RFC 9865), through the real app.

    .venv/bin/python scripts/bench_paging.py                      # temp SQLite file
    .venv/bin/python scripts/bench_paging.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python scripts/bench_paging.py --users 10000 --requests 20 --explain

Users are seeded straight into the tables (as bench_filter does), in an order that is both their
`created` order and their userName order. Then, through the real Flask app in-process, with
count=100 (unsorted, i.e. by created, and with sortBy=userName):
  - index paging: the first page (startIndex=1) vs the last (startIndex=99901 of 100k): OFFSET;
  - cursor paging: the first page (cursor=) vs the last, whose cursor is collected by walking
    every nextCursor once, untimed: keyset;
  - the first pages with attributes=id (no groups read, little to render): the projection's cost;
  - one timed walk of every cursor page from the first to the last (unsorted; see --walk-sorts).
Every response is checked (status, the page's ids, totalResults, nextCursor). It prints latency
p50/p95 and this process's CPU per request (the test client and rendering; on SQLite the database
engine runs in this process too, on PostgreSQL its backend's CPU is not counted), and the
last/first ratios. Nothing is asserted about time. --explain adds the plans of the statements
the last pages run (on PostgreSQL EXPLAIN ANALYZE, run and rolled back) and each statement's time
run alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_common as bc  # noqa: E402

INDEX, CURSOR = "index", "cursor"
FIRST, LAST = "first", "last"
SORTS: tuple[str | None, ...] = (None, "userName")


@dataclass(frozen=True)
class Probe:
    """One request and what its answer must hold."""

    mode: str  # INDEX or CURSOR
    sort: str | None  # sortBy, or None: the default order (created, id)
    page: str  # FIRST or LAST
    attributes: str | None
    query: dict[str, str]
    ids: tuple[str, ...]  # the ids of the page, in order
    next_cursor: bool  # whether the answer must carry a nextCursor (cursor mode)

    @property
    def label(self) -> tuple[str, str, str]:
        page = self.page if self.attributes is None else f"{self.page}, attributes={self.attributes}"
        return self.mode, self.sort or "(none: created)", page


class Pager:
    def __init__(self, client: bc.Client, users: int, count: int, ids: Sequence[str]) -> None:
        self.client, self.users, self.count, self.ids = client, users, count, list(ids)

    def get(self, query: dict[str, str]) -> dict[str, Any]:
        resp = self.client.request("GET", "/Users", query=query)
        body = resp.get_json(silent=True) or {}
        if resp.status_code != 200:
            raise SystemExit(f"GET /Users?{query} answered {resp.status_code}: {resp.get_data(as_text=True)[:300]}")
        return body

    def base(self, sort: str | None, attributes: str | None = None) -> dict[str, str]:
        query = {"count": str(self.count)}
        if sort is not None:
            query["sortBy"] = sort
        if attributes is not None:
            query["attributes"] = attributes
        return query

    def check(self, body: dict[str, Any], ids: Sequence[str], what: str,
              next_cursor: bool | None = None) -> None:
        got = [r.get("id") for r in body.get("Resources", [])]
        if got != list(ids):
            raise SystemExit(f"{what}: {len(got)} resources, not the {len(ids)} expected "
                             f"(first {got[:2]}, expected {list(ids[:2])})")
        if body.get("totalResults") not in (None, self.users):
            raise SystemExit(f"{what}: totalResults={body.get('totalResults')}, expected {self.users}")
        if next_cursor is not None and ("nextCursor" in body) != next_cursor:
            raise SystemExit(f"{what}: nextCursor {'missing' if next_cursor else 'present on the last page'}")

    def walk(self, sort: str | None) -> tuple[list[str], float, float]:
        """Follow nextCursor from the first page to the last, checking every page: the cursors
        used (first: ""), wall and CPU seconds."""
        tokens, token, start = [], "", 0
        c0, t0 = time.process_time(), time.perf_counter()
        while True:
            tokens.append(token)
            body = self.get({**self.base(sort), "cursor": token})
            expected = self.ids[start:start + self.count]
            start += self.count
            self.check(body, expected, f"cursor walk ({sort}), page {len(tokens)}", start < self.users)
            if "nextCursor" not in body:
                break
            token = body["nextCursor"]
        return tokens, time.perf_counter() - t0, time.process_time() - c0

    def probe(self, mode: str, sort: str | None, page: str, attributes: str | None = None,
              last_cursor: str = "") -> Probe:
        first = 0 if page == FIRST else (self.users - 1) // self.count * self.count
        query = self.base(sort, attributes)
        if mode == INDEX:
            query["startIndex"] = str(first + 1)
        else:
            query["cursor"] = "" if page == FIRST else last_cursor
        ids = tuple(self.ids[first:first + self.count])
        return Probe(mode, sort, page, attributes, query, ids, first + self.count < self.users)

    def call(self, probe: Probe) -> None:
        body = self.get(probe.query)
        self.check(body, probe.ids, " ".join(probe.label), probe.next_cursor if probe.mode == CURSOR else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bc.add_url_argument(parser)
    parser.add_argument("--users", type=int, default=100_000, help="users to seed (default 100000)")
    parser.add_argument("--count", type=int, default=100, help="page size (default 100)")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per series (default 40)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests before each series")
    parser.add_argument("--walk-sorts", default="none",
                        help="sort orders of the timed full cursor walk: none, userName, both, or "
                             "off (default none: one walk, unsorted)")
    parser.add_argument("--analyze", action="store_true",
                        help="also run ANALYZE on SQLite (PostgreSQL is always VACUUM ANALYZEd after "
                             "seeding, as autovacuum would; the service never runs ANALYZE on SQLite)")
    parser.add_argument("--explain", action="store_true",
                        help="print the plans of the statements the last pages run (offset vs keyset)")
    args = parser.parse_args(argv)
    if args.users < 2 * args.count:
        parser.error("--users must be at least two pages")
    walk_sorts = {"none": [None], "username": ["userName"], "both": list(SORTS), "off": []}.get(
        args.walk_sorts.lower())
    if walk_sorts is None:
        parser.error("--walk-sorts: none, userName, both or off")
    return bc.run_on_bench_database(args, run, walk_sorts)


def run(url: str, walk_sorts: list[str | None], args: argparse.Namespace) -> int:
    started = time.perf_counter()
    dialect, engine, seeder = bc.start(url, "bench_paging", f"{args.users} users, count={args.count}")
    print(f"\nseeding {args.users} users", flush=True)
    seeded = bc.timed("seeded")(lambda: seeder.users(0, args.users))
    if dialect == "postgresql" or args.analyze:
        bc.timed("ANALYZE")(lambda: bc.analyze(engine))
    app = bc.make_app(url)
    pager = Pager(bc.Client(app), args.users, args.count, [u.id for u in seeded])
    try:
        # the cursor of the last page, per sort order: one untimed walk each (it checks every page)
        last_cursor: dict[str | None, str] = {}
        print("\nwalking every cursor page once (untimed) for the last page's cursor", flush=True)
        for sort in SORTS:
            tokens, seconds, _ = pager.walk(sort)
            last_cursor[sort] = tokens[-1]
            print(f"  sortBy={sort}: {len(tokens)} pages in {seconds:.1f} s", flush=True)
        probes = []
        for sort in SORTS:
            for mode in (INDEX, CURSOR):
                for page in (FIRST, LAST):
                    probes.append(pager.probe(mode, sort, page, last_cursor=last_cursor[sort]))
                probes.append(pager.probe(mode, sort, FIRST, "id"))
        # every series in turn (round-robin), so drift on a noisy machine falls on all alike
        series = [bc.Series(pager.call, [p] * args.requests, [p] * args.warmup) for p in probes]
        print(f"\ntiming {len(series)} series of {args.requests} requests", flush=True)
        t0 = time.perf_counter()
        results = list(zip(probes, bc.measure_interleaved(series), strict=True))
        print(f"  {time.perf_counter() - t0:.1f} s", flush=True)
        walks = []
        for sort in walk_sorts:
            print(f"timed cursor walk, sortBy={sort}", flush=True)
            tokens, seconds, cpu = pager.walk(sort)
            walks.append((sort, len(tokens), seconds, cpu))
        report(dialect, args, results, walks)
        if args.explain:
            explain_last_pages(pager, probes)
    finally:
        bc.close_app(app)
        engine.dispose()
    print(f"\nbench_paging took {time.perf_counter() - started:.0f} s")
    return 0


def report(dialect: str, args: argparse.Namespace, results: list[tuple[Probe, bc.Stats]],
           walks: list[tuple[str | None, int, float, float]]) -> None:
    cpu_note = "" if dialect == "sqlite" else " (CPU: this process only, not the PostgreSQL backend)"
    print(f"\n== GET /Users, {args.users} users, count={args.count}, on {dialect}{cpu_note}")
    rows = [[*p.label, *s.cells()] for p, s in results]
    print(bc.table(["mode", "sort", "page", *bc.Stats.HEADERS], rows))

    def find(mode: str, sort: str | None, page: str, attributes: str | None = None) -> bc.Stats:
        return next(s for p, s in results
                    if (p.mode, p.sort, p.page, p.attributes) == (mode, sort, page, attributes))

    print("\n== last page / first page")
    ratio_rows = []
    for mode in (INDEX, CURSOR):
        for sort in SORTS:
            a, b = find(mode, sort, FIRST), find(mode, sort, LAST)
            ratio_rows.append([mode, sort or "(none: created)", f"{a.p50:.2f}", f"{b.p50:.2f}",
                               f"{b.p50 / a.p50:.2f}x", f"{b.p95 / a.p95:.2f}x", f"{b.cpu / a.cpu:.2f}x"])
    print(bc.table(["mode", "sort", "p50 first", "p50 last", "p50 ratio", "p95 ratio", "CPU ratio"],
                   ratio_rows))

    print("\n== last page: index (OFFSET) / cursor (keyset)")
    rows = []
    for sort in SORTS:
        a, b = find(CURSOR, sort, LAST), find(INDEX, sort, LAST)
        rows.append([sort or "(none: created)", f"{a.p50:.2f}", f"{b.p50:.2f}", f"{b.p50 / a.p50:.2f}x"])
    print(bc.table(["sort", "p50 cursor", "p50 index", "index / cursor"], rows))

    print("\n== first page: attributes=id / all attributes (the projection's cost)")
    rows = []
    for mode in (INDEX, CURSOR):
        for sort in SORTS:
            a, b = find(mode, sort, FIRST), find(mode, sort, FIRST, "id")
            rows.append([mode, sort or "(none: created)", f"{a.p50:.2f}", f"{b.p50:.2f}",
                         f"{b.p50 / a.p50:.2f}x", f"{a.cpu:.2f}", f"{b.cpu:.2f}"])
    print(bc.table(["mode", "sort", "p50 all", "p50 id", "p50 ratio", "CPU all", "CPU id"], rows))

    if walks:
        print("\n== full cursor walk, first page to last (timed once)")
        rows = [[sort or "(none: created)", pages, f"{seconds:.2f}", f"{seconds * 1000 / pages:.2f}",
                 f"{cpu:.2f}"] for sort, pages, seconds, cpu in walks]
        print(bc.table(["sort", "pages", "total s", "mean ms/page", "CPU s"], rows))


def explain_last_pages(pager: Pager, probes: list[Probe]) -> None:
    engine = pager.client.app.extensions["container"].engine()
    analyze = engine.dialect.name == "postgresql"
    how = "EXPLAIN (ANALYZE, BUFFERS), run and rolled back" if analyze else "EXPLAIN QUERY PLAN"
    print(f"\n== query plans of the last pages (the statements one request runs, as sent; {how})")
    for probe in probes:
        if probe.page != LAST:
            continue
        with bc.captured(engine) as statements:
            pager.call(probe)
        sent = f"{len(statements)} statements sent, {len(bc.explainable(statements))} shown"
        what = "OFFSET" if probe.mode == INDEX else "keyset"
        bc.print_plans(engine, f"{probe.mode} ({what}), sortBy={probe.sort}, last page ({sent})",
                       statements, analyze=analyze)
        print("   each statement run alone (median of 5, rows fetched):")
        for statement, params in bc.explainable(statements):
            ms, rows = run_alone(engine, statement, params)
            shown = " ".join(statement.split())
            head, found, tail = shown.partition(" FROM ")  # the select lists are long and alike
            print(f"     {ms:8.2f} ms  {rows:4d} rows  {(head[:20] + ' ...' + found + tail) if found else shown}"[:160])


def run_alone(engine: Any, statement: str, params: Any, n: int = 5) -> tuple[float, int]:
    """Median wall time of executing and fetching one statement on its own connection."""
    times, rows = [], 0
    with engine.connect() as conn:
        for _ in range(n):
            t0 = time.perf_counter()
            rows = len(conn.exec_driver_sql(statement, params).all())
            times.append((time.perf_counter() - t0) * 1000)
        conn.rollback()
    return statistics.median(times), rows


if __name__ == "__main__":
    sys.exit(main())
