"""16 clients race to create the same 100 userNames on the real gunicorn (2 workers x 4 threads).

userName is unique case-insensitively (RFC 7643 §4.1.1: caseExact false, uniqueness server), so
"race-017" and "RACE-017" are the same name. Each round, all clients POST one name at once (a
barrier lines them up), each with its own casing. Exactly one POST per name may win (201); every
other one is 409 uniqueness. A 5xx, a "database is locked" or a second winner is a bug.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.e2e.harness import REPORT, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CLIENTS = 16
NAMES = 100
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


def canonical(i: int) -> str:
    return f"race-{i:03d}"


def variant(i: int, client: int) -> str:
    """The name as client `client` spells it: lower, upper, or one of two mixed casings."""
    name = canonical(i)
    match (client + i) % 4:
        case 0:
            return name
        case 1:
            return name.upper()
        case 2:
            return name.capitalize()
        case _:
            return "".join(c.upper() if k % 2 else c for k, c in enumerate(name))


def test_concurrent_creates_of_the_same_usernames(live_server: LiveServer) -> None:
    barrier = threading.Barrier(CLIENTS, timeout=60)
    # (name index, client, status, body excerpt) of every response
    outcomes: list[tuple[int, int, int, str]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run(client: int) -> None:
        with live_server.client(timeout=60.0) as http:
            for i in range(NAMES):
                barrier.wait()
                body = {"schemas": [USER_SCHEMA], "userName": variant(i, client)}
                try:
                    r = http.post("Users", json=body,
                                  headers={"Content-Type": "application/scim+json"})
                except httpx.HTTPError as exc:  # keep going: the other clients are waiting
                    with lock:
                        errors.append(f"{canonical(i)} client {client}: {exc!r}")
                    continue
                with lock:
                    outcomes.append((i, client, r.status_code, r.text[:300]))

    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        for f in [pool.submit(run, c) for c in range(CLIENTS)]:
            f.result()
    elapsed = time.monotonic() - started

    statuses = Counter(status for _, _, status, _ in outcomes)
    winners = Counter(i for i, _, status, _ in outcomes if status == 201)
    unexpected = [o for o in outcomes if o[2] not in (201, 409)]
    conflicts = [o for o in outcomes if o[2] == 409]
    not_uniqueness = [o for o in conflicts if '"uniqueness"' not in o[3]]
    locked = [o for o in outcomes if "locked" in o[3].lower()]

    with live_server.client() as http:
        listing = http.get("Users", params={"count": 1000}).json()
    names = [u["userName"] for u in listing.get("Resources", [])]
    log_problems = live_server.problems()

    text = "\n".join([
        f"race on {live_server.backend}: {CLIENTS} clients x {NAMES} names = {len(outcomes)} "
        f"responses in {elapsed:.1f} s; statuses {dict(sorted(statuses.items()))}; "
        f"transport errors {len(errors)}; names with 201: {len(winners)}, "
        f"with more than one 201: {sum(1 for n in winners.values() if n > 1)}; "
        f"users listed afterwards: totalResults={listing.get('totalResults')}, "
        f"returned={len(names)}, distinct case-insensitively={len({n.lower() for n in names})}",
        *(f"  unexpected: {canonical(i)} client {c}: HTTP {s} {b}" for i, c, s, b in unexpected[:10]),
        *(f"  409 without scimType uniqueness: {b}" for _, _, _, b in not_uniqueness[:3]),
        *(f"  transport error: {e}" for e in errors[:5]),
        *(f"  server log: {line}" for line in log_problems[:10]),
    ])
    REPORT.append((f"race: {live_server.backend}", text))
    print(text)

    assert not errors, text
    assert not unexpected, text
    assert not locked, text
    assert len(outcomes) == CLIENTS * NAMES, text
    assert statuses[201] == NAMES, text
    assert all(n == 1 for n in winners.values()) and len(winners) == NAMES, text
    assert listing["totalResults"] == NAMES, text
    assert sorted(n.lower() for n in names) == [canonical(i) for i in range(NAMES)], text
    assert not not_uniqueness, text
    assert not log_problems, text
