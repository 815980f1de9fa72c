"""Benchmark: PATCH group members on a 100k-member group, through the real app in-process.

    .venv/bin/python scripts/bench_members.py                     # temp SQLite file
    .venv/bin/python scripts/bench_members.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python scripts/bench_members.py --sizes 10000,100000 --repeat 10

Users and memberships are seeded straight into the tables. For each group size it times
(a) adding 100 fresh users to the big group vs to an empty group, (b) removing 100 members with
100 operations {"op":"remove","path":"members[value eq \\"<id>\\"]"} and (c) removing 100 members
with Entra's value list {"op":"remove","path":"members","value":[...]}, each
  - as a full HTTP PATCH (the 200 response lists every member of the group),
  - as HTTP PATCH ?excludedAttributes=members (reported as not honoured when the response still
    lists the members),
  - through the use case directly (PatchGroup with a PatchCommand; no HTTP, no rendering, but
    the View still reads the member list), and
  - through the use case without the member-list read (PatchCommand(related=False)): the
    store's own work.
It also times the pieces of the response for the big group (member list read, render, JSON).
Each change is checked and undone between timed calls (untimed), so every call sees the same
group size. Figures are printed; nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_common as bc  # noqa: E402
from sqlalchemy import delete, func, insert, select  # noqa: E402

from adapters.sqlalchemy.tables import memberships as m  # noqa: E402
from domain.patch.engine import PatchOp
from domain.provisioning.commands import PatchCommand, View  # noqa: E402

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CASES = ("add", "remove (filter ops)", "remove (value list)")
BASE_URL = "http://localhost/scim/v2"


def operations(case: str, ids: Sequence[str]) -> list[dict[str, Any]]:
    if case == "add":
        return [{"op": "add", "path": "members", "value": [{"value": i} for i in ids]}]
    if case == "remove (filter ops)":
        return [{"op": "remove", "path": f'members[value eq "{i}"]'} for i in ids]
    if case == "remove (value list)":
        return [{"op": "remove", "path": "members", "value": [{"value": i} for i in ids]}]
    raise ValueError(case)


def patch_ops(case: str, ids: Sequence[str]) -> tuple[PatchOp, ...]:
    return tuple(PatchOp(o["op"], o["path"], o.get("value"), "value" in o) for o in operations(case, ids))


@dataclass
class Bench:
    args: argparse.Namespace
    engine: Any  # the seeding engine
    client: bc.Client
    fresh: Iterator[str]  # users in no group

    @property
    def container(self) -> Any:
        return self.client.app.extensions["container"]

    # -- the ways to send one PATCH ---------------------------------------------------------------

    def http(self, query: dict[str, str] | None = None) -> Callable[[str, str, Sequence[str]], Any]:
        def send(group_id: str, case: str, ids: Sequence[str]) -> Any:
            body = {"schemas": [PATCH_OP], "Operations": operations(case, ids)}
            resp = self.client.request("PATCH", f"/Groups/{group_id}", body, query=query)
            if resp.status_code != 200:
                raise SystemExit(f"PATCH {case} answered {resp.status_code}: {resp.get_data(as_text=True)[:300]}")
            return resp

        return send

    def use_case(self, related: bool) -> Callable[[str, str, Sequence[str]], Any]:
        patch = self.container.group_operations().patch

        def send(group_id: str, case: str, ids: Sequence[str]) -> Any:
            return patch(PatchCommand(bc.USERNAME, group_id, patch_ops(case, ids), None, related))

        return send

    # -- checking and undoing a change, untimed ---------------------------------------------------

    def member_count(self, group_id: str, ids: Sequence[str] | None = None) -> int:
        query = select(func.count()).select_from(m).where(m.c.group_id == group_id)
        if ids is not None:
            query = query.where(m.c.member_id.in_(list(ids)))
        with self.engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    def undo(self, group_id: str, case: str) -> Callable[[Sequence[str]], None]:
        def check_and_undo(ids: Sequence[str]) -> None:
            present = self.member_count(group_id, ids)
            with self.engine.begin() as conn:
                if case == "add":
                    if present != len(ids):
                        raise SystemExit(f"add: {present} of {len(ids)} members are in the group")
                    conn.execute(delete(m).where(m.c.group_id == group_id, m.c.member_id.in_(list(ids))))
                else:
                    if present:
                        raise SystemExit(f"{case}: {present} of {len(ids)} members are still in the group")
                    conn.execute(insert(m), [{"group_id": group_id, "member_id": i} for i in ids])

        return check_and_undo

    def batches(self, source: Iterator[str], n: int) -> list[list[str]]:
        size = self.args.batch
        return [[next(source) for _ in range(size)] for _ in range(n)]

    def series(self, group_id: str, case: str, send: Callable[[str, str, Sequence[str]], Any],
               removable: Iterator[str], repeat: int) -> bc.Series:
        source = self.fresh if case == "add" else removable
        warm = self.batches(source, self.args.warmup)
        timed = self.batches(source, repeat)
        return bc.Series(lambda ids: send(group_id, case, ids), timed, warm, self.undo(group_id, case))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bc.add_url_argument(parser)
    parser.add_argument("--sizes", default="100000", help="big group sizes, comma-separated (default 100000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed PATCHes per case and way")
    parser.add_argument("--full-repeat", type=int, default=10,
                        help="timed PATCHes for the ways that read the whole member list of the big "
                             "group (HTTP as-is, use case with the read); default 10")
    parser.add_argument("--warmup", type=int, default=2, help="untimed PATCHes before each series")
    parser.add_argument("--batch", type=int, default=100, help="members per PATCH (default 100)")
    parser.add_argument("--no-explain", action="store_true", help="skip the query plans")
    args = parser.parse_args(argv)
    return bc.run_on_bench_database(args, run, bc.sizes(args.sizes))


def run(url: str, sizes: list[int], args: argparse.Namespace) -> int:
    dialect, engine, seeder = bc.start(url, "bench_members",
                                       f"group sizes {sizes}, {args.batch} members per PATCH")
    ways = ["HTTP, response lists members", "HTTP ?excludedAttributes=members",
            "use case (reads member list)", "use case, no member list read"]
    full_ways = {ways[0], ways[2]}
    # fresh users for every add (big and empty group, each way), the probes and the plans
    per_size = 2 * len(ways) * (args.warmup + max(args.repeat, args.full_repeat)) * args.batch
    extra = per_size * len(sizes) + (2 + len(sizes)) * args.batch
    print(f"\nseeding {max(sizes)} members + {extra} fresh users", flush=True)
    t0 = time.perf_counter()
    users = [u.id for u in seeder.users(0, max(sizes) + extra)]
    members, fresh = users[:max(sizes)], iter(users[max(sizes):])
    print(f"  users seeded in {time.perf_counter() - t0:.1f} s", flush=True)
    groups: dict[int, tuple[str, str]] = {}
    for size in sizes:
        t0 = time.perf_counter()
        big, empty = seeder.group(f"big {size}"), seeder.group(f"empty {size}")
        seeder.members(big, members[:size])
        groups[size] = big, empty
        print(f"  group of {size} seeded in {time.perf_counter() - t0:.1f} s", flush=True)
    if dialect == "postgresql":
        bc.timed("VACUUM ANALYZE")(lambda: bc.analyze(engine))

    app = bc.make_app(url)
    bench = Bench(args, engine, bc.Client(app), fresh)
    senders = {
        ways[0]: bench.http(),
        ways[1]: bench.http({"excludedAttributes": "members"}),
        ways[2]: bench.use_case(related=True),
        ways[3]: bench.use_case(related=False),
    }
    rows, results = [], {}
    try:
        honoured = excluded_honoured(bench, groups[sizes[0]][1])
        if not honoured:
            print("  note: ?excludedAttributes=members is NOT honoured yet: the PATCH response still lists members")
        for size in sizes:
            big, empty = groups[size]
            # members to remove: consecutive slices of the big group's (put back after each call)
            removable = itertools.cycle(members[:size][::-1])
            print(f"\ngroup of {size}", flush=True)
            for case in CASES:
                # every way on every target in turn (round-robin), so drift falls on all alike
                targets = [("big", big)] + ([("empty", empty)] if case == "add" else [])
                keys, series = [], []
                for label, gid in targets:
                    for way in ways:
                        repeat = args.full_repeat if way in full_ways and label == "big" else args.repeat
                        keys.append((label, way))
                        series.append(bench.series(gid, case, senders[way], removable, repeat))
                t0 = time.perf_counter()
                for (label, way), stats in zip(keys, bc.measure_interleaved(series), strict=True):
                    results[size, case, label, way] = stats
                    group = f"{size}" if label == "big" else "0 (empty)"
                    rows.append([group, case, way, *stats.cells()])
                print(f"  {case}: {time.perf_counter() - t0:.0f} s", flush=True)
            if bench.member_count(big) != size or bench.member_count(empty) != 0:
                raise SystemExit("the groups did not keep their sizes")
        print(f"\n== PATCH /Groups/<id>, {args.batch} members per request, on {dialect}")
        print(bc.table(["group size", "case", "way", *bc.Stats.HEADERS], rows))
        print(f"\n== add {args.batch}: big group / empty group (target: p50 within 1.3x)")
        ratio_rows = []
        for size in sizes:
            for way in ways:
                a, b = results[size, "add", "big", way], results[size, "add", "empty", way]
                ratio_rows.append([size, way, f"{b.p50:.2f}", f"{a.p50:.2f}", f"{a.p50 / b.p50:.2f}x",
                                   f"{a.mean / b.mean:.2f}x", f"{a.cpu / b.cpu:.2f}x"])
        print(bc.table(["size", "way", "p50 empty", "p50 big", "p50 ratio", "mean ratio", "CPU ratio"],
                       ratio_rows))
        print("\n== remove 100 from the big group, p50 (target under 20 ms)")
        rm_rows = []
        for size in sizes:
            for case in CASES[1:]:
                for way in ways:
                    p50 = results[size, case, "big", way].p50
                    rm_rows.append([size, case, way, f"{p50:.2f}", "yes" if p50 < 20 else "NO"])
        print(bc.table(["size", "case", "way", "p50 ms", "< 20 ms"], rm_rows))
        for size in sizes:
            response_breakdown(bench, size, groups[size][0])
        if not args.no_explain:
            explain_all(bench, sizes[-1], groups[sizes[-1]][0], members)
    finally:
        bc.close_app(app)
        engine.dispose()
    return 0


def excluded_honoured(bench: Bench, empty_group: str) -> bool:
    ids = [next(bench.fresh)]
    resp = bench.http({"excludedAttributes": "members"})(empty_group, "add", ids)
    bench.undo(empty_group, "add")(ids)
    return "members" not in (resp.get_json() or {})


def response_breakdown(bench: Bench, size: int, group_id: str, n: int = 5) -> None:
    """What the member list costs a response of the big group: read, render, JSON, size."""
    from adapters.http.responses import render

    c = bench.container
    rtype = c.registry().group
    reads, renders, dumps = [], [], []
    body_bytes = 0
    listed = 0
    for _ in range(n):
        with c.transactions()(write=False) as uow:
            group = uow.groups.get(group_id)
            t0 = time.perf_counter()
            member_list = uow.memberships.members(group_id)
            reads.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        body = render(View(group, members=member_list), rtype, BASE_URL)
        renders.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        text = json.dumps(body, ensure_ascii=False)
        dumps.append(time.perf_counter() - t0)
        body_bytes, listed = len(text.encode()), len(body.get("members", []))
    # the same through HTTP: one full response, its size as sent, and the Python memory it
    # takes at its peak (tracemalloc slows this one call down; its time is not reported)
    ids = [next(bench.fresh) for _ in range(bench.args.batch)]
    tracemalloc.start()
    try:
        resp = bench.http()(group_id, "add", ids)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    bench.undo(group_id, "add")(ids)
    print(f"\n== response cost for the group of {size} (p50 of {n}; outside any PATCH)")
    print(bc.table(["piece", "p50 ms"], [
        ["member list read (SQL + MemberRef)", f"{statistics.median(reads) * 1000:.1f}"],
        ["render() to a dict", f"{statistics.median(renders) * 1000:.1f}"],
        ["json.dumps", f"{statistics.median(dumps) * 1000:.1f}"],
    ]))
    print(f"response body: {body_bytes / 1e6:.1f} MB listing {listed} members "
          f"(the HTTP PATCH adding {len(ids)} answered {len(resp.get_data()) / 1e6:.1f} MB; peak Python memory "
          f"while serving it: {peak / 1e6:.0f} MB)")


def explain_all(bench: Bench, size: int, group_id: str, members: list[str]) -> None:
    engine = bench.container.engine()
    print(f"\n== query plans for the group of {size} (the statements each request runs, as sent)")
    seen: dict[str, None] = {}
    for case in CASES:
        source = bench.fresh if case == "add" else iter(members[size // 2:])
        ids = [next(source) for _ in range(bench.args.batch)]
        with bc.captured(engine) as statements:
            bench.http()(group_id, case, ids)
        bench.undo(group_id, case)(ids)
        fresh = [(s, p) for s, p in statements if s not in seen]
        seen.update(dict.fromkeys(s for s, _ in statements))
        count = len(bc.explainable(statements))
        bc.print_plans(engine, f"PATCH {case} ({len(statements)} statements sent, {count} distinct; "
                               f"plans of those not shown above)", fresh)
    user = members[0]
    with bc.captured(engine) as statements:
        resp = bench.client.request("GET", "/Users", query={"filter": f'id eq "{user}"'})
    if resp.status_code != 200:
        raise SystemExit(f"GET /Users answered {resp.status_code}: {resp.get_data(as_text=True)[:300]}")
    bc.print_plans(engine, "GET /Users?filter=id eq <a member of the big group> (its groups)", statements)


if __name__ == "__main__":
    sys.exit(main())
