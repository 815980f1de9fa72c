"""GET /changes (adapters/http/changes.py): the change feed on the wire. Behind the SCIM API's
authentication, JSON pages in commit order with a cursor to resume from, `cursor=end` for the
newest, 400 for a malformed cursor or limit, 410 once the records after a cursor are pruned;
names and ids only, never a value that was sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import AUTH, PASSWORD
from tests.http.support import create_group, create_user, send_patch


def feed(api, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    resp = api.raw.get(f"/changes?{query}", headers=AUTH)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "no-store"
    return resp.json


def _provision(api):
    alice = create_user(api, "alice", password="S3cret-value!", displayName="Alice Secret")
    bob = create_user(api, "bob")
    group = create_group(api, "Engineers", [alice["id"]])
    send_patch(api, f"/Groups/{group['id']}",
               {"op": "add", "path": "members", "value": [{"value": bob["id"]}]},
               {"op": "remove", "path": f'members[value eq "{alice["id"]}"]'})
    send_patch(api, f"/Users/{bob['id']}", {"op": "replace", "path": "active", "value": False})
    assert api.delete(f"/Users/{alice['id']}").status_code == 204
    return alice, bob, group


def test_every_change_in_commit_order_with_who_what_and_where(api):
    alice, bob, group = _provision(api)
    page = feed(api)
    records = page["changes"]
    assert [(r["operation"], r["resourceType"], r["id"]) for r in records] == [
        ("create", "User", alice["id"]), ("create", "User", bob["id"]),
        ("create", "Group", group["id"]), ("patch", "Group", group["id"]),
        ("deactivate", "User", bob["id"]), ("delete", "User", alice["id"])]
    seqs = [r["seq"] for r in records]
    assert seqs == sorted(set(seqs)) and page["cursor"] == str(seqs[-1]) and page["more"] is False
    assert {r["principal"] for r in records} == {"idp"}
    assert records[2]["membersAdded"] == [alice["id"]] and "membersRemoved" not in records[2]
    assert (records[3]["membersAdded"], records[3]["membersRemoved"]) == ([bob["id"]], [alice["id"]])
    assert records[3]["attributes"] == ["members"] and records[4]["attributes"] == ["active"]
    assert records[0]["location"] == alice["meta"]["location"]
    assert all(r["requestId"] and r["at"].endswith("Z") for r in records)


def test_no_value_that_was_sent_is_in_the_feed(api):
    _provision(api)
    body = api.raw.get("/changes", headers=AUTH).get_data(as_text=True)
    for value in ("S3cret-value!", "Alice Secret", "Engineers", PASSWORD):
        assert value not in body


def test_a_follower_resumes_from_its_cursor_and_sees_each_change_once(api):
    _provision(api)
    seen, cursor = [], "0"
    while True:
        page = feed(api, cursor=cursor, limit=4)
        seen += [r["seq"] for r in page["changes"]]
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert len(seen) == 6 == len(set(seen))
    create_user(api, "carol")
    later = feed(api, cursor=cursor)
    assert [r["operation"] for r in later["changes"]] == ["create"] and later["more"] is False
    assert feed(api, cursor=later["cursor"]) == {"changes": [], "cursor": later["cursor"], "more": False}


def test_cursor_end_is_the_newest_record_without_records(api):
    assert feed(api, cursor="end") == {"changes": [], "cursor": "0", "more": False}
    _provision(api)
    end = feed(api, cursor="end")
    assert end["changes"] == [] and end["cursor"] == str(feed(api)["changes"][-1]["seq"])
    create_user(api, "dave")
    assert [r["operation"] for r in feed(api, cursor=end["cursor"])["changes"]] == ["create"]


def test_the_feed_needs_the_scim_credentials(api):
    resp = api.raw.get("/changes")
    assert resp.status_code == 401 and "WWW-Authenticate" in resp.headers
    assert resp.json["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_a_malformed_cursor_or_limit_is_a_scim_400(api):
    for query in ("cursor=-1", "cursor=abc", "cursor=1e3", "cursor=" + "9" * 19, "limit=0",
                  "limit=1001", "limit=x"):
        resp = api.raw.get(f"/changes?{query}", headers=AUTH)
        assert resp.status_code == 400, query
        assert resp.json["status"] == "400" and resp.json["scimType"] == "invalidValue", query


def test_a_cursor_no_page_gave_is_a_400(api):
    _provision(api)
    newest = int(feed(api, cursor="end")["cursor"])
    for cursor in (newest + 1, 916236040599, 10**18 - 1):  # beyond a 32-bit id too (schemathesis)
        resp = api.raw.get(f"/changes?cursor={cursor}", headers=AUTH)
        assert resp.status_code == 400 and resp.json["scimType"] == "invalidValue", cursor
        assert "cursor=end" in resp.json["detail"]


def test_a_cursor_behind_pruned_records_is_410_and_says_what_to_do(api):
    _provision(api)
    audit = api.app.extensions["container"].audit_log()
    assert audit.prune(datetime.now(UTC) + timedelta(seconds=1)) == 6
    resp = api.raw.get("/changes?cursor=2", headers=AUTH)
    assert resp.status_code == 410 and resp.json["status"] == "410"
    assert "pruned" in resp.json["detail"] and "end" in resp.json["detail"]
    end = feed(api, cursor="end")["cursor"]
    assert int(end) >= 6 and feed(api, cursor=end)["changes"] == []
