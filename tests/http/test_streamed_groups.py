"""A big group's GET is streamed (the test client shows it by the missing Content-Length): the body is written around its members chunk by chunk as they
are read (chunked, no Content-Length), and equals the body of the same group read whole."""

from __future__ import annotations

import json

import pytest
from dependency_injector import providers

from domain.errors import NotFound
from domain.provisioning import views
from domain.provisioning.reads import GetResource
from tests.http.support import create_group, create_user


def chunked(api, size: int) -> None:
    """The app's GetResource, with `size` members per chunk (2,000 in production)."""
    container = api.app.extensions["container"]
    container.get_resource.override(providers.Object(GetResource(container.transactions(), size)))


@pytest.fixture
def big(api):
    """A group of five users, two with a displayName: bigger than a chunk of two."""
    users = [create_user(api, f"user{i}", **({"displayName": f"U {i}"} if i < 2 else {}))["id"] for i in range(5)]
    return create_group(api, "Big", users)["id"], sorted(users)


def test_a_group_bigger_than_a_chunk_is_streamed_and_equals_the_whole_body(api, big):
    gid, users = big
    whole = api.get(f"/Groups/{gid}")
    assert int(whole.headers["Content-Length"]) == len(whole.get_data())
    chunked(api, 2)
    resp = api.get(f"/Groups/{gid}")
    assert resp.status_code == 200 and "Content-Length" not in resp.headers  # gunicorn: chunked
    assert resp.headers["ETag"] == whole.headers["ETag"] and resp.mimetype == "application/scim+json"
    body = json.loads(resp.get_data())
    assert body == whole.json
    assert [m["value"] for m in body["members"]] == users
    named = {m["value"]: m["display"] for m in body["members"] if "display" in m}
    assert sorted(named.values()) == ["U 0", "U 1"]
    assert body["members"][0] == {"value": users[0], "$ref": f"http://localhost/scim/v2/Users/{users[0]}",
                                  **({"display": named[users[0]]} if users[0] in named else {}), "type": "User"}


@pytest.mark.parametrize("size", [1, 4, 5])
def test_every_chunk_size_gives_the_same_body(api, big, size):
    gid, _ = big
    whole = api.get(f"/Groups/{gid}").json
    chunked(api, size)
    assert json.loads(api.get(f"/Groups/{gid}").get_data()) == whole


def test_projected_members_stream_with_only_what_was_asked(api, big):
    gid, users = big
    chunked(api, 2)
    resp = api.get(f"/Groups/{gid}?attributes=members.value")
    assert "Content-Length" not in resp.headers
    assert json.loads(resp.get_data()) == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": gid,
        "members": [{"value": u} for u in users],
    }


def test_members_shown_by_display_alone_are_read_whole_and_skip_members_without_one(api, big):
    gid, _ = big
    chunked(api, 2)
    resp = api.get(f"/Groups/{gid}?attributes=members.display")
    assert "Content-Length" in resp.headers
    assert sorted(m["display"] for m in resp.json["members"]) == ["U 0", "U 1"]


def test_a_streamed_group_still_answers_304_to_its_etag(api, big):
    gid, _ = big
    etag = api.get(f"/Groups/{gid}").headers["ETag"]
    chunked(api, 2)
    resp = api.get(f"/Groups/{gid}", headers={"If-None-Match": etag})
    assert resp.status_code == 304 and resp.get_data() == b""


def test_the_read_ends_with_the_body_and_writes_go_on(api, big):
    gid, users = big
    chunked(api, 2)
    assert len(json.loads(api.get(f"/Groups/{gid}").get_data())["members"]) == 5
    half = api.get(f"/Groups/{gid}")  # dropped after the first chunk
    next(iter(half.response))
    half.close()
    resp = api.patch(f"/Groups/{gid}", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": f'members[value eq "{users[0]}"]'}]})
    assert resp.status_code in (200, 204)
    assert [m["value"] for m in json.loads(api.get(f"/Groups/{gid}").get_data())["members"]] == users[1:]


@pytest.fixture
def small_chunks(api, monkeypatch):
    """Chunks of two for reads and for the write views' hand-off (MEMBER_CHUNK)."""
    monkeypatch.setattr(views, "MEMBER_CHUNK", 2)
    chunked(api, 2)


def test_a_write_of_a_big_group_answers_with_every_member_streamed(api, big, small_chunks):
    gid, users = big
    extra = create_user(api, "extra")["id"]
    resp = api.patch(f"/Groups/{gid}", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": extra}]}]})
    assert resp.status_code == 200 and "Content-Length" not in resp.headers
    body = json.loads(resp.get_data())
    assert [m["value"] for m in body["members"]] == sorted([*users, extra])
    assert resp.headers["ETag"] == body["meta"]["version"] == 'W/"2"'

    put = api.put(f"/Groups/{gid}", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                     "displayName": "Renamed", "members": [{"value": u} for u in users]})
    assert put.status_code == 200 and "Content-Length" not in put.headers
    assert [m["value"] for m in json.loads(put.get_data())["members"]] == users


def test_a_created_big_group_is_streamed_with_its_location(api, small_chunks):
    users = sorted(create_user(api, f"new{i}")["id"] for i in range(3))
    resp = api.post("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                "displayName": "Fresh", "members": [{"value": u} for u in users]})
    body = json.loads(resp.get_data())
    assert resp.status_code == 201 and "Content-Length" not in resp.headers
    assert resp.headers["Location"] == body["meta"]["location"]
    assert [m["value"] for m in body["members"]] == users


def test_a_write_of_a_small_group_still_carries_its_members(api, small_chunks):
    user = create_user(api, "solo")["id"]
    resp = api.post("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                "displayName": "Small", "members": [{"value": user}]})
    assert resp.status_code == 201 and int(resp.headers["Content-Length"]) == len(resp.get_data())
    assert [m["value"] for m in resp.json["members"]] == [user]


@pytest.mark.memory_only
def test_a_display_only_projection_of_a_big_group_reads_it_whole_and_ends_the_read(api, big, small_chunks):
    gid, _ = big
    resp = api.get(f"/Groups/{gid}?attributes=members.display")
    assert resp.status_code == 200
    assert not api.app.extensions["container"].transactions().store.lock._is_owned()


def test_a_big_group_deleted_right_after_its_write_answers_without_members(api, big, small_chunks):
    gid, users = big

    class Gone(GetResource):
        def open(self, command):
            raise NotFound(f"Group {command.resource_id} not found")

    container = api.app.extensions["container"]
    container.get_resource.override(providers.Object(Gone(container.transactions())))
    resp = api.patch(f"/Groups/{gid}", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Still here"}]})
    assert resp.status_code == 200 and resp.json["displayName"] == "Still here"
    assert "members" not in resp.json
