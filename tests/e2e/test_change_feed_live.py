"""The change feed under racing writers, for real: two gunicorn instances on one PostgreSQL, six
clients creating users and adding them to a group through both at once, and a follower paging
GET /changes while they write. The follower must see every change that was answered exactly
once, in commit order, with nothing invented and nothing skipped."""

from __future__ import annotations

import functools
import threading

import httpx
import pytest

from tests.e2e.harness import REPORT, USERNAME
from tests.e2e.pair import USER_URN, Pair
from tests.racing import race

pytestmark = [pytest.mark.e2e, pytest.mark.pg]

CLIENTS, USERS_EACH = 6, 15
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _write(pair: Pair, n: int, gid: str, answered: list[tuple[str, str]]) -> None:
    with pair.client(n % 2) as one, pair.client(1 - n % 2) as other:
        for i in range(USERS_EACH):
            made = one.post("Users", json={"schemas": [USER_URN], "userName": f"feed-{n}-{i}"})
            assert made.status_code == 201, made.text
            uid = made.json()["id"]
            answered.append(("create", uid))
            added = other.patch(f"Groups/{gid}", json={"schemas": [PATCH], "Operations": [
                {"op": "add", "path": "members", "value": [{"value": uid}]}]})
            assert added.status_code in (200, 204), added.text
            answered.append(("patch", gid))


def _feed(pair: Pair) -> httpx.Client:
    return httpx.Client(base_url=pair.origin(0), auth=httpx.BasicAuth(USERNAME, pair.password), timeout=30)


def _follow(pair: Pair, cursor: str, stop: threading.Event, *, seen: list[dict[str, object]]) -> None:
    with _feed(pair) as http:
        last_round = False
        while not last_round:
            last_round = stop.is_set()  # one full read after the writers are done
            while True:
                page = http.get("/changes", params={"cursor": cursor, "limit": 7}).json()
                seen.extend(page["changes"])
                cursor = page["cursor"]
                if not page["more"]:
                    break


def test_a_follower_sees_every_answered_change_once_in_commit_order(pair: Pair) -> None:
    with pair.client(0) as a:
        gid = a.post("Groups", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                     "displayName": "feed-race"}).json()["id"]
    answered: list[tuple[str, str]] = []
    seen: list[dict[str, object]] = []
    with _feed(pair) as http:  # before any writer starts: the follower's first page holds them all
        start = http.get("/changes", params={"cursor": "end"}).json()["cursor"]
    race(functools.partial(_follow, pair, start, seen=seen),
         [functools.partial(_write, pair, n, gid, answered) for n in range(CLIENTS)])
    seqs = [int(str(r["seq"])) for r in seen]
    assert seqs == sorted(set(seqs)), "a change seen twice or out of order"
    assert sorted((str(r["operation"]), str(r["id"])) for r in seen) == sorted(answered)
    creates = {str(r["id"]) for r in seen if r["operation"] == "create"}
    added = [m for r in seen if r["operation"] == "patch" for m in r["membersAdded"]]  # type: ignore[attr-defined]
    assert sorted(added) == sorted(creates)  # each member add names its one user
    REPORT.append(("change feed", f"change feed, 2 instances on PostgreSQL: {CLIENTS} clients wrote {len(answered)} "
                  f"changes while a follower paged; it saw {len(seen)}, each once, in commit order"))
