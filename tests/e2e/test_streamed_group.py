"""A group bigger than one chunk of members (2,000) through the real gunicorn: its GET comes
chunked, read from one snapshot (PostgreSQL: a server-side cursor), and holds every member once,
in id order; the same group without its members comes with a Content-Length."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from domain.provisioning.reads import MEMBER_CHUNK
from tests.e2e.harness import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SIZE = MEMBER_CHUNK + 150  # two chunks and a bit


def test_a_big_group_is_streamed_whole(live_server: LiveServer) -> None:
    def create(lane: int) -> list[str]:
        with live_server.client() as c:
            ids = []
            for i in range(lane, SIZE, 4):
                resp = c.post("Users", json={"schemas": [USER_SCHEMA], "userName": f"stream-{i:05d}",
                                             "displayName": f"Member {i}"})
                assert resp.status_code == 201, resp.text
                ids.append(resp.json()["id"])
            return ids

    with ThreadPoolExecutor(4) as pool:
        users = sorted(u for lane in pool.map(create, range(4)) for u in lane)
    with live_server.client() as c:
        group = c.post("Groups", json={"schemas": [GROUP_SCHEMA], "displayName": "streamed"}).json()
        for start in range(0, SIZE, 1000):
            resp = c.patch(f"Groups/{group['id']}", params={"excludedAttributes": "members"}, json={
                "schemas": [PATCH_OP],
                "Operations": [{"op": "add", "path": "members",
                                "value": [{"value": u} for u in users[start:start + 1000]]}]})
            assert resp.status_code == 200, resp.text
        full = c.get(f"Groups/{group['id']}")
        bare = c.get(f"Groups/{group['id']}", params={"excludedAttributes": "members"})

    assert full.status_code == 200 and full.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in full.headers
    body = full.json()
    assert [m["value"] for m in body["members"]] == users
    assert {m["display"] for m in body["members"]} == {f"Member {i}" for i in range(SIZE)}
    assert full.headers["etag"] == body["meta"]["version"] == bare.headers["etag"]
    assert int(bare.headers["content-length"]) == len(bare.content) and "members" not in bare.json()
    assert {k: v for k, v in body.items() if k != "members"} == bare.json()
