"""The scenarios: each runs on every target of the run, alternating target by target, step by step
(the order rotates each round), after a few unmeasured warm-up requests."""

from __future__ import annotations

import asyncio
import json
import random
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import servers
from loadgen import Request, Response, Result
from report import Cell, Results
from targets import Target, seed_floor, seed_service, seeded_name, user_body

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
BATCH = 100  # members per PATCH, users per page


@dataclass(frozen=True)
class Profile:
    """Sizes and bounds of a run."""

    name: str
    levels: tuple[int, ...]  # user counts for filter and paging
    peer_users: int  # the peer is seeded over HTTP up to this many users
    group: int  # the group grows to this many members
    rounds: int  # alternations per operation
    single: int  # requests per step, single-resource operations
    pages: int  # pages per step (first / last pages)
    window: int  # PATCH batches per step at the start and the end of the group's growth
    growth_step: int  # PATCH batches per growth step
    growth_seconds: float  # growth over HTTP per target; the rest is seeded (service)
    removes: int  # remove requests per step
    group_gets: int  # excludedAttributes=members GETs per step
    full_gets: int  # full group GETs per step
    race_names: int
    step_seconds: float  # every step stops after this long, whatever its request count
    group_seconds: float  # the same for the steps on the group
    walk_seconds: float  # the middle of a cursor walk
    concurrency: int = 4
    warmup: int = 20


QUICK = Profile("quick", levels=(200, 2000), peer_users=2000, group=2000, rounds=2, single=100,
                pages=5, window=2, growth_step=4, growth_seconds=20, removes=2, group_gets=20,
                full_gets=2, race_names=6, step_seconds=10, group_seconds=10, walk_seconds=20)
FULL = Profile("full", levels=(1000, 10000, 100000), peer_users=10000, group=100000, rounds=3,
               single=400, pages=10, window=5, growth_step=50, growth_seconds=240, removes=5,
               group_gets=100, full_gets=2, race_names=30, step_seconds=40, group_seconds=15,
               walk_seconds=90)


def size_label(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


class Runner:
    def __init__(self, targets: list[Target], profile: Profile, results: Results,
                 log: Callable[[str], None]) -> None:
        self.targets, self.profile, self.results, self.log = targets, profile, results, log
        self.t0 = time.perf_counter()
        # mean group size of a group operation's steps: (label, target) -> sizes
        self.sizes: dict[tuple[str, str], list[float]] = {}

    async def run_all(self) -> None:
        await self.bulk()
        await self.levels()
        await self.singles()
        await self.race()
        await self.group()
        for t in self.targets:
            t.client.close()
        self.growth()

    async def bulk(self) -> None:
        """Bulk load is measured once the service has Bulk (RFC 7644 §3.7); until then, skipped."""
        service = next((t for t in self.targets if t.is_service), None)
        if service is None:
            return
        resp = await service.client.one(Request("GET", "/ServiceProviderConfig"))
        service.client.close()
        supported = resp.status == 200 and resp.json().get("bulk", {}).get("supported")
        why = ("the service advertises Bulk, but this suite does not measure it yet"
               if supported else "the service has no Bulk yet (ServiceProviderConfig "
               "bulk.supported is false)")
        self.results.skipped.append(("bulk load", why))

    def say(self, text: str) -> None:
        self.log(f"[{time.perf_counter() - self.t0:6.0f} s] {text}")

    # -- measuring -------------------------------------------------------------------------------

    async def step(self, target: Target, cell: Cell, requests: Iterable[Request], n: int,
                   concurrency: int, seconds: float | None = None) -> Result:
        before = target.server.sample()
        result = await target.client.run(requests, concurrency, n,
                                         seconds or self.profile.step_seconds)
        after = target.server.sample()
        cell.add(result, servers.used(before[0], after[0]), servers.used(before[1], after[1]))
        if result.timed_out:
            await self.settle(target)
        return result

    async def settle(self, target: Target, limit: float = 180) -> None:
        """After a cancelled step the server may still be busy with the abandoned request, on the
        core the next target is measured on: wait (bounded) until it is idle."""
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < limit:
            before = target.server.sample()[0]
            await asyncio.sleep(1)
            if servers.used(before, target.server.sample()[0])[0] < 0.05:
                break
        self.say(f"{target.key}: a step hit its time bound; the server was busy for another "
                 f"{time.perf_counter() - t0:.0f} s")

    async def alternate(self, label: str, section: str, targets: list[Target],
                        make: Callable[[Target, int], Iterable[Request]], n: int,
                        concurrency: int | None = None, warmup: int | None = None,
                        seconds: float | None = None) -> None:
        """`rounds` steps of at most `n` requests per target, target after target; a target whose
        step overstayed its time bound is left out of the later rounds."""
        conc = concurrency or self.profile.concurrency
        seconds = seconds or self.profile.step_seconds
        warm = self.profile.warmup if warmup is None else warmup
        if warm:
            for target in targets:
                await target.client.run(make(target, -1), conc, warm, seconds)
        for r in range(self.profile.rounds):
            for target in _rotate(targets, r):
                cell = self.results.cell(label, section, target.key)
                if cell.timed_out:
                    cell.note("(later rounds skipped: a request outlasted the time bound)")
                    continue
                await self.step(target, cell, make(target, r), n, conc, seconds)
        self.say(self.summary(label))

    def summary(self, label: str) -> str:
        op = self.results.ops.get(label)
        if op is None or not op.cells:
            return f"{label}: nothing measured"
        parts = []
        for key, cell in op.cells.items():
            part = f"{key} {cell.ms:.2f}" if not cell.failed else f"{key} failed"
            if cell.errors:
                part += f" ({cell.errors} unexpected)"
            parts.append(part)
        return f"{label}: " + ", ".join(parts) + " ms/op"

    def skip(self, label: str, section: str, target: Target, why: str) -> None:
        self.results.skip(label, section, target.key, why)

    # -- users -------------------------------------------------------------------------------------

    async def seed(self, users: int) -> None:
        for target in self.targets:
            if target.is_floor:
                seed_floor(target, users)
            elif target.is_service:
                took = seed_service(target, users)
                self.results.seeding.append(f"{target.key}: {users} users seeded in {took:.1f} s")
                self.say(f"seeded {target.key} to {users} users in {took:.1f} s")
            else:
                await self.seed_peer(target, min(users, target.max_users or users))

    async def seed_peer(self, target: Target, users: int) -> None:
        """POST /Users over HTTP (bounded in time: whatever was created counts)."""
        have = target.users
        if users <= have:
            return
        created: dict[int, str] = {}

        def keep(n: int) -> Callable[[Response], None]:
            def on(resp: Response) -> None:
                if resp.status == 201:
                    created[n] = resp.json()["id"]
            return on

        requests = (Request("POST", "/Users", user_body(seeded_name(n), n), (201,),
                            on_response=keep(n)) for n in range(have, users))
        t0 = time.perf_counter()
        result = await target.client.run(requests, self.profile.concurrency, users - have, 600)
        for n in range(have, users):
            if n not in created:
                break
            target.user_ids.append(created[n])
        took = time.perf_counter() - t0
        self.results.seeding.append(f"peer: {target.users} users over HTTP in {took:.1f} s")
        self.say(f"seeded peer to {target.users} users over HTTP in {took:.1f} s "
                 f"({result.unexpected or 'no errors'})")

    def at(self, level: int) -> list[Target]:
        """The targets that hold `level` users."""
        return [t for t in self.targets if t.users >= level]

    def skip_small(self, label: str, section: str, level: int) -> None:
        for t in self.targets:
            if t.users < level:
                self.skip(label, section, t, f"seeded over HTTP only up to {size_label(t.users)} "
                          "users (bounded run time)")

    async def levels(self) -> None:
        for level in self.profile.levels:
            await self.seed(level)
            tag = size_label(level)
            section = f"users @{tag}"
            await self.filters(level, tag, section)
            await self.pages(level, tag, section)
            await self.cursor_walk(level, tag, section)

    def check_total(self, target: Target, label: str, section: str,
                    total: int) -> Callable[[Response], None] | None:
        if target.is_floor:
            return None
        cell = self.results.cell(label, section, target.key)

        def on(resp: Response) -> None:
            if resp.status == 200 and resp.json().get("totalResults") != total:
                cell.wrong += 1
        return on

    async def filters(self, level: int, tag: str, section: str) -> None:
        quote = urllib.parse.quote
        for kind, total in (("existing", 1), ("missing", 0)):
            label = f"filter userName eq, {kind} @{tag}"
            self.skip_small(label, section, level)

            def make(t: Target, r: int, kind: str = kind, total: int = total,
                     label: str = label) -> Iterator[Request]:
                check = self.check_total(t, label, section, total)
                rng = random.Random(r)
                while True:
                    n = rng.randrange(level)
                    name = seeded_name(n) if kind == "existing" else f"Nobody{n:07d}@Example.com"
                    yield Request("GET", "/Users?filter=" + quote(f'userName eq "{name}"'),
                                  size=total, on_response=check)

            await self.alternate(label, section, self.at(level), make, self.profile.single)

    async def pages(self, level: int, tag: str, section: str) -> None:
        last = max(1, level - BATCH + 1)
        for which in ("first", "last"):
            label = f"page of 100 (startIndex), {which} pages @{tag}"
            self.skip_small(label, section, level)

            def make(t: Target, r: int, which: str = which) -> Iterator[Request]:  # noqa: ARG001
                for k in range(self.profile.pages):
                    start = 1 + k * BATCH if which == "first" else max(1, last - k * BATCH)
                    yield Request("GET", f"/Users?startIndex={start}&count={BATCH}", size=BATCH)

            await self.alternate(label, section, self.at(level), make, self.profile.pages,
                                 warmup=2)

    async def cursor_walk(self, level: int, tag: str, section: str) -> None:
        """Every page of 100 by cursor (RFC 9865), one client: the first pages, the middle (bounded
        in time), the last pages, each measured apart."""
        pages = -(-level // BATCH)
        window = min(self.profile.pages, max(1, pages // 3))
        labels = [f"cursor page of 100, {w} @{tag}" for w in ("first pages", "middle pages",
                                                              "last pages")]
        bounds = [(labels[0], window, self.profile.step_seconds),
                  (labels[1], pages - window, self.profile.walk_seconds),
                  (labels[2], pages, self.profile.step_seconds)]
        if pages - window <= window:  # no middle
            del labels[1], bounds[1]
        walkers = []
        for t in self.at(level):
            if t.key == "peer":
                for label in labels:
                    self.skip(label, section, t, "scim2-server answers 501: no cursor paging")
                continue
            walkers.append(t)
        for label in labels:
            self.skip_small(label, section, level)
        state = {t.key: {"token": "", "page": 0} for t in walkers}

        def make(t: Target, upto: int) -> Iterator[Request]:
            s = state[t.key]

            def on(resp: Response) -> None:
                s["page"] += 1
                s["token"] = resp.json().get("nextCursor") if resp.status == 200 else None

            while s["token"] is not None and s["page"] < upto:
                yield Request("GET", f"/Users?cursor={urllib.parse.quote(s['token'])}"
                              f"&count={BATCH}", size=BATCH, on_response=on)

        for label, upto, seconds in bounds:
            for t in walkers:
                start = state[t.key]["page"]
                if start >= upto:
                    continue
                cell = self.results.cell(label, section, t.key)
                await self.step(t, cell, make(t, upto), upto - start, 1, seconds)
                t.client.close()
                reached = state[t.key]["page"]
                if reached < upto and state[t.key]["token"] is not None:
                    cell.note(f"(walk stopped at page {reached} of {pages}: time bound)")
            if label in self.results.ops:
                self.say(self.summary(label))

    # -- single resources --------------------------------------------------------------------------

    async def singles(self) -> None:
        section = "single resources @" + size_label(self.profile.levels[-1])
        counter = iter(range(10**9))

        def post(t: Target, r: int) -> Iterator[Request]:  # noqa: ARG001
            for i in counter:
                yield Request("POST", "/Users", user_body(f"new{i:07d}@bench.example.com", i),
                              (201,))

        def get(t: Target, r: int) -> Iterator[Request]:
            rng = random.Random(r)
            while True:
                yield Request("GET", f"/Users/{t.user_ids[rng.randrange(t.users)]}")

        def patch(t: Target, r: int) -> Iterator[Request]:
            rng = random.Random(100 + r)
            for i in counter:
                ops = [{"op": "replace", "path": "active", "value": i % 2 == 1},
                       {"op": "replace", "path": "name.givenName", "value": f"Given{i}"}]
                yield Request("PATCH", f"/Users/{t.user_ids[rng.randrange(t.users)]}",
                              {"schemas": [PATCH_OP], "Operations": ops}, (200, 204))

        for label, make in (("POST /Users", post), ("GET /Users/{id}", get),
                            ("PATCH user (active, name.givenName)", patch)):
            await self.alternate(label, section, self.targets, make, self.profile.single)
        # The same GETs with a bearer token instead of Basic (the floor and the peer as before):
        # the difference from the row above is what a token lookup costs.
        bearer = [replace(t, client=t.bearer_client) if t.bearer_client else t for t in self.targets]
        await self.alternate("GET /Users/{id} (service: bearer token)", section, bearer, get, self.profile.single)
        peer = next((t for t in self.targets if t.key == "peer"), None)
        if peer is not None and peer.users < self.profile.levels[-1]:
            for label in ("POST /Users", "GET /Users/{id}", "PATCH user (active, name.givenName)"):
                self.results.cell(label, section, "peer").note(f"(@{size_label(peer.users)})")

    async def race(self) -> None:
        """16 clients POST the same userName at once, name after name."""
        section = "races"
        label = "POST /Users, 16 clients racing on one userName"
        clients = 16
        names = self.profile.race_names
        per_round = -(-names // self.profile.rounds)
        tallies: dict[str, dict[str, Any]] = {}
        for r in range(self.profile.rounds):
            for t in _rotate(self.targets, r):
                tally = tallies.setdefault(t.key, {"names": 0, "posts": 0, "created": 0,
                                                   "conflicts": 0, "other": {}, "bad_names": 0,
                                                   "duplicates": 0, "by_name": {}})
                cell = self.results.cell(label, section, t.key)
                before = t.server.sample()
                t0, c0 = time.perf_counter(), time.process_time()
                result = Result()
                for k in range(r * per_round, min(names, (r + 1) * per_round)):
                    name = f"Race{k:04d}@Bench.example.com"
                    body = json.dumps(user_body(name, k)).encode()
                    answers = await t.client.burst([Request("POST", "/Users", body, (201, 409))
                                                    for _ in range(clients)])
                    tally["names"] += 1
                    made = 0
                    for a in answers:
                        tally["posts"] += 1
                        status = a.status if a is not None else 0
                        result.statuses.append(status)
                        if a is not None:
                            result.latencies.append(a.latency)
                        if status == 201:
                            made += 1
                        elif status == 409:
                            tally["conflicts"] += 1
                        else:
                            key = str(status) if status else "closed"
                            tally["other"][key] = tally["other"].get(key, 0) + 1
                            result.unexpected[key] = result.unexpected.get(key, 0) + 1
                    tally["created"] += made
                    tally["by_name"][name] = made
                result.wall, result.client_cpu = time.perf_counter() - t0, time.process_time() - c0
                after = t.server.sample()
                cell.add(result, servers.used(before[0], after[0]), servers.used(before[1], after[1]))
                t.client.close()
        for t in self.targets:
            tally = tallies[t.key]
            by_name = tally.pop("by_name")
            if t.is_floor:
                tally["bad_names"] = tally["duplicates"] = "n/a"
                continue
            for name, made in by_name.items():
                path = "/Users?filter=" + urllib.parse.quote(f'userName eq "{name}"')
                resp = await t.client.one(Request("GET", path))
                total = resp.json().get("totalResults", 0) if resp.status == 200 else -1
                if total != 1 or made != 1:
                    tally["bad_names"] += 1
                tally["duplicates"] += max(0, total - 1)
            t.client.close()
        self.results.races = tallies
        self.say(self.summary(label) + "; duplicates: "
                 + ", ".join(f"{k} {v['duplicates']}" for k, v in tallies.items()))

    # -- the group ---------------------------------------------------------------------------------

    def group_goal(self, t: Target) -> int:
        return min(self.profile.group, t.users - t.users % BATCH)

    def add_batch(self, t: Target, excluded: bool,
                  on: Callable[[Response], None] | None = None) -> Request:
        """The next 100 users into the group; they count as members once the server said yes."""
        ids = t.user_ids[t.added:t.added + BATCH]
        t.added += len(ids)

        def added(resp: Response) -> None:
            if resp.status in (200, 204):
                t.members.extend(ids)
            if on is not None:
                on(resp)

        body = {"schemas": [PATCH_OP],
                "Operations": [{"op": "add", "path": "members",
                                "value": [{"value": i} for i in ids]}]}
        query = "?excludedAttributes=members" if excluded else ""
        return Request("PATCH", f"/Groups/{t.group_id}{query}", body, (200, 204),
                       size=len(t.members) + len(ids), on_response=added)

    @staticmethod
    def add_label(where: str, excluded: bool) -> str:
        answer = "excludedAttributes=members" if excluded else "members in response"
        return f"PATCH add 100 members, {where}, {answer}"

    def answer_check(self, t: Target, label: str, section: str,
                     excluded: bool) -> Callable[[Response], None]:
        """Notes on a PATCH answer: members listed although excluded, or no body at all."""
        cell = self.results.cell(label, section, t.key)

        def on(resp: Response) -> None:
            if excluded and b'"members"' in resp.body:
                cell.note("(members listed despite excludedAttributes)")
            if not excluded and resp.status == 204:
                cell.note("(answers 204 without a body)")
        return on

    async def group(self) -> None:
        p = self.profile
        section = f"a group growing to {size_label(p.group)} members (PATCH batches of 100)"
        for t in self.targets:
            resp = await t.client.one(Request("POST", "/Groups", {"schemas": [GROUP_SCHEMA],
                                                                 "displayName": "Bench group"}))
            if resp.status != 201:
                raise RuntimeError(f"{t.key}: POST /Groups answered {resp.status}: "
                                   f"{resp.body[:300]!r}")
            t.group_id = resp.json()["id"]
            t.client.close()
        await self.window(section, "first batches")
        await self.grow(section)
        await self.window(section, "last batches")
        await self.removes(section)
        await self.group_gets(section)

    async def window(self, section: str, where: str) -> None:
        """rounds x (members in response, excluded) steps of `window` batches per target."""
        p = self.profile
        for r in range(p.rounds):
            for excluded in (False, True):
                label = self.add_label(where, excluded)
                for t in _rotate(self.targets, r):
                    n = min(p.window, (self.group_goal(t) - len(t.members)) // BATCH)
                    cell = self.results.cell(label, section, t.key)
                    if n <= 0 or cell.timed_out:
                        continue
                    first = len(t.members)
                    on = self.answer_check(t, label, section, excluded)

                    def make(t: Target = t, excluded: bool = excluded,
                             on: Any = on) -> Iterator[Request]:
                        while True:
                            yield self.add_batch(t, excluded, on)
                    await self.step(t, cell, make(), n, 1, p.group_seconds)
                    self.sizes.setdefault((label, t.key), []).append(
                        (first + len(t.members)) / 2)
        for excluded in (False, True):
            label = self.add_label(where, excluded)
            self.note_size(label)
            self.say(self.summary(label))

    async def grow(self, section: str) -> None:
        """Up to the last window: PATCH excludedAttributes=members, alternating targets, bounded
        in time per target; the service tops the rest up straight into the membership table."""
        p = self.profile
        label = "PATCH add 100 members, while growing, excludedAttributes=members"
        spent = {t.key: 0.0 for t in self.targets}
        last_window = 2 * p.rounds * p.window * BATCH

        def goal(t: Target) -> int:
            return max(len(t.members), self.group_goal(t) - last_window)

        r = 0
        while True:
            active = [t for t in self.targets
                      if len(t.members) + BATCH <= goal(t) and spent[t.key] < p.growth_seconds]
            if not active:
                break
            for t in _rotate(active, r):
                n = min(p.growth_step, (goal(t) - len(t.members)) // BATCH)
                cell = self.results.cell(label, section, t.key)

                def make(t: Target = t) -> Iterator[Request]:
                    while True:
                        yield self.add_batch(t, True)
                result = await self.step(t, cell, make(), n, 1, p.growth_seconds)
                spent[t.key] += result.wall
            r += 1
        for t in self.targets:
            missing = goal(t) - len(t.members)
            if missing < BATCH:
                continue
            if t.is_service:
                assert t.seeder is not None and t.group_id is not None
                ids = t.user_ids[t.added:t.added + missing]
                t0 = time.perf_counter()
                t.seeder.members(t.group_id, ids)
                t.seeder.engine.dispose()
                t.added += len(ids)
                t.members += ids
                self.results.cell(label, section, t.key).note(
                    f"(over HTTP to {size_label_approx(len(t.members) - len(ids))} in "
                    f"{p.growth_seconds:.0f} s, the rest seeded)")
                self.say(f"{t.key}: growth over HTTP reached its time bound; seeded {len(ids)} "
                         f"members in {time.perf_counter() - t0:.1f} s")
            elif t.is_floor:
                t.added += missing
                t.members += t.user_ids[t.added - missing:t.added]
            else:
                self.results.cell(label, section, t.key).note(
                    f"(grew to {size_label_approx(len(t.members))} in {p.growth_seconds:.0f} s)")
        self.say(self.summary(label) + "; members now: "
                 + ", ".join(f"{t.key} {len(t.members)}" for t in self.targets))

    async def removes(self, section: str) -> None:
        p = self.profile
        tag = size_label_approx(self.planned_size())
        forms = {
            "members[value eq ...] x100": lambda ids: [
                {"op": "remove", "path": f'members[value eq "{i}"]'} for i in ids],
            "value list (Entra)": lambda ids: [
                {"op": "remove", "path": "members", "value": [{"value": i} for i in ids]}],
        }
        for form, ops in forms.items():
            label = f"PATCH remove 100 members by {form} @{tag}, excludedAttributes=members"

            def make(t: Target, r: int, ops: Any = ops,  # noqa: ARG001
                     label: str = label) -> Iterator[Request]:
                check = self.answer_check(t, label, section, True)

                def removed(resp: Response) -> None:  # one client: the answer comes first
                    if resp.status in (200, 204):
                        del t.members[-BATCH:]
                    check(resp)

                while len(t.members) >= BATCH:
                    yield Request("PATCH", f"/Groups/{t.group_id}?excludedAttributes=members",
                                  {"schemas": [PATCH_OP], "Operations": ops(t.members[-BATCH:])},
                                  (200, 204), size=len(t.members) - BATCH, on_response=removed)

            at = {t.key: len(t.members) for t in self.targets}
            await self.alternate(label, section, self.targets, make, p.removes, concurrency=1,
                                 warmup=0, seconds=p.group_seconds)
            self.note_size(label, at)

    async def group_gets(self, section: str) -> None:
        p = self.profile
        tag = size_label_approx(self.planned_size())
        for label, query, n in ((f"GET group excludedAttributes=members @{tag}",
                                 "?excludedAttributes=members", p.group_gets),
                                (f"GET group in full @{tag}", "", p.full_gets)):
            def make(t: Target, r: int, query: str = query,  # noqa: ARG001
                     label: str = label) -> Iterator[Request]:
                cell = self.results.cell(label, section, t.key)

                def framing(resp: Response) -> None:  # is a big answer streamed?
                    if not query and resp.status == 200:
                        chunked = b"chunked" in resp.headers.get(b"transfer-encoding", b"")
                        cell.note("(streamed, chunked)" if chunked else "(one Content-Length body)")
                while True:
                    yield Request("GET", f"/Groups/{t.group_id}{query}", size=len(t.members),
                                  on_response=framing)

            await self.alternate(label, section, self.targets, make, n, concurrency=1,
                                 warmup=1 if query else 0, seconds=p.group_seconds)
            for t in self.targets:
                self.sizes[(label, t.key)] = [len(t.members)]
            self.note_size(label)

    def planned_size(self) -> int:
        """The group's size as planned: the floor's (it follows the plan, never refuses)."""
        floor = next((t for t in self.targets if t.is_floor), self.targets[0])
        return len(floor.members)

    def note_size(self, label: str, at: dict[str, int] | None = None) -> None:
        """The peer's group can be another size (its users were created over HTTP, it refuses
        the value-list remove): say how big."""
        op = self.results.ops.get(label)
        for t in self.targets:
            if t.key != "peer" or op is None or "first batches" in label:
                continue
            cell = op.cells.get("peer")
            size = (at or {}).get(t.key, len(t.members))
            planned = (at or {}).get("floor", self.planned_size())
            if cell is not None and (self.group_goal(t) < self.profile.group or size != planned):
                cell.note(f"(@{size_label_approx(size)})")

    # -- derived figures -----------------------------------------------------------------------

    def growth(self) -> None:
        """Ratios within each target, and per-member costs: the issue's growth targets."""
        get = self.results.get
        levels = self.profile.levels
        lo, hi = size_label(levels[0]), size_label(levels[-1])
        ops = {op.label: op for op in self.results.ops.values()}
        group_label = next((k for k in ops if k.startswith("GET group excludedAttributes")), "")
        full_label = next((k for k in ops if k.startswith("GET group in full")), "")
        ratios = [
            (f"filter userName eq (existing) @{hi} / @{lo}",
             f"filter userName eq, existing @{hi}", f"filter userName eq, existing @{lo}"),
            (f"page of 100 (startIndex) @{hi}: last / first pages",
             f"page of 100 (startIndex), last pages @{hi}",
             f"page of 100 (startIndex), first pages @{hi}"),
            (f"cursor page of 100 @{hi}: last / first pages",
             f"cursor page of 100, last pages @{hi}", f"cursor page of 100, first pages @{hi}"),
            ("PATCH add 100 members, members in response: last / first batches",
             self.add_label("last batches", False), self.add_label("first batches", False)),
            ("PATCH add 100 members, excludedAttributes=members: last / first batches",
             self.add_label("last batches", True), self.add_label("first batches", True)),
            ("GET group excludedAttributes=members / GET /Users/{id}", group_label,
             "GET /Users/{id}"),
        ]
        for name, top, bottom in ratios:
            values = {}
            for t in self.targets:
                a, b = get(top, t.key), get(bottom, t.key)
                if a is not None and b is not None and b.ms > 0 and not t.is_floor:
                    values[t.key] = a.ms / b.ms
            if values:
                self.results.growth.append((name, "x", values))
        with_, without = self.add_label("last batches", False), self.add_label("last batches", True)
        per_member = {}
        full = {}
        for t in self.targets:
            a, b = get(with_, t.key), get(without, t.key)
            sizes = self.sizes.get((with_, t.key))
            if a is not None and b is not None and sizes and not t.is_floor \
                    and "(answers 204 without a body)" not in a.notes:
                per_member[t.key] = (a.ms - b.ms) * 1000 / (sum(sizes) / len(sizes))
            c, size = get(full_label, t.key), self.sizes.get((full_label, t.key))
            if c is not None and size and size[0] and not t.is_floor:
                full[t.key] = c.ms * 1000 / size[0]
        if per_member:
            self.results.growth.append(("members in a PATCH answer (last batches: with − "
                                        "without members) per member", "us", per_member))
        if full:
            self.results.growth.append(("full group GET per member", "us", full))


def size_label_approx(n: int) -> str:
    if n >= 1000:
        return f"{n / 1000:.0f}k" if n % 1000 == 0 or n >= 10000 else f"{n / 1000:.1f}k"
    return str(n)


def _rotate(items: list[Target], r: int) -> list[Target]:
    if not items:
        return items
    k = r % len(items)
    return items[k:] + items[:k]
