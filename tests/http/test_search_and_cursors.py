"""POST .search (RFC 7644 §3.4.3), sortBy/sortOrder (§3.4.2.3) and RFC 9865 cursor paging,
through HTTP on memory and SQLite."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from adapters.http.cursors import Cursors, Position
from tests.http.support import LIST_URN, assert_scim_error, create_group, create_user, get_json
from tests.unit.test_cursors import _payload

SEARCH_URN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def search_body(**fields):
    return {"schemas": [SEARCH_URN], **fields}


@pytest.fixture
def people(api):
    names = ["carol", "alice", "Émile", "bob", "dave"]
    return {n: create_user(api, n, displayName=n.upper(), title=f"t{i}")["id"] for i, n in enumerate(names)}


def names(listing):
    return [r["userName"] for r in listing["Resources"]]


class TestDotSearch:
    def test_a_search_request_filters_pages_and_projects_like_get(self, api, people):
        resp = api.post("/Users/.search", search_body(filter='userName sw "a" or userName sw "b"',
                                                      attributes=["userName"], count=10))
        assert resp.status_code == 200
        body = resp.get_json()
        assert body["schemas"] == [LIST_URN] and body["totalResults"] == 2
        assert sorted(names(body)) == ["alice", "bob"]
        assert all(set(r) == {"schemas", "id", "userName"} for r in body["Resources"])

    def test_count_zero_returns_only_the_total(self, api, people):
        body = api.post("/Users/.search", search_body(count=0)).get_json()
        assert body["totalResults"] == 5 and body["Resources"] == [] and body["itemsPerPage"] == 0

    @pytest.mark.memory_only  # the request and the cursor are checked before any store is involved
    def test_a_body_without_the_search_request_schema_is_invalid_syntax(self, api, people):
        assert_scim_error(api.post("/Users/.search", {"filter": 'userName eq "bob"'}), 400, "invalidSyntax")

    @pytest.mark.memory_only  # the request and the cursor are checked before any store is involved
    def test_a_bad_filter_in_a_search_is_invalid_filter(self, api, people):
        assert_scim_error(api.post("/Users/.search", search_body(filter="userName eq")), 400, "invalidFilter")

    def test_group_search(self, api, people):
        create_group(api, "Admins", [people["bob"]])
        body = api.post("/Groups/.search", search_body(filter=f'members eq "{people["bob"]}"')).get_json()
        assert [r["displayName"] for r in body["Resources"]] == ["Admins"]

    def test_the_root_search_spans_users_then_groups(self, api, people):
        create_group(api, "Admins")
        body = api.post("/.search", search_body(filter='displayName sw "a"')).get_json()
        kinds = [r["meta"]["resourceType"] for r in body["Resources"]]
        assert body["totalResults"] == 2 and kinds == ["User", "Group"]

    def test_the_root_search_pages_across_resource_types(self, api, people):
        create_group(api, "Admins")
        create_group(api, "Staff")
        everything = api.post("/.search", search_body(count=100)).get_json()
        assert everything["totalResults"] == 7
        page = api.post("/.search", search_body(startIndex=5, count=2)).get_json()
        assert [r["id"] for r in page["Resources"]] == [r["id"] for r in everything["Resources"][4:6]]

    def test_a_filter_on_an_attribute_only_users_have_matches_no_group(self, api, people):
        create_group(api, "Admins")
        body = api.post("/.search", search_body(filter='userName eq "bob"')).get_json()
        assert body["totalResults"] == 1 and body["Resources"][0]["meta"]["resourceType"] == "User"


class TestSorting:
    def test_sort_by_user_name_ascending_folds_case_and_compatibility_forms(self, api, people):
        body = get_json(api, "/Users?sortBy=userName")
        assert names(body) == ["alice", "bob", "carol", "dave", "Émile"]

    def test_sort_descending(self, api, people):
        assert names(get_json(api, "/Users?sortBy=userName&sortOrder=descending"))[0] == "Émile"

    def test_resources_without_the_sort_value_come_last_ascending_and_first_descending(self, api, people):
        create_user(api, "zed-no-title")
        asc = names(get_json(api, "/Users?sortBy=title"))
        desc = names(get_json(api, "/Users?sortBy=title&sortOrder=descending"))
        assert asc[-1] == "zed-no-title" and desc[0] == "zed-no-title"

    def test_sort_names_are_case_insensitive_and_paging_follows_the_order(self, api, people):
        page = get_json(api, "/Users?sortBy=USERNAME&startIndex=2&count=2")
        assert names(page) == ["bob", "carol"]

    @pytest.mark.memory_only  # the request and the cursor are checked before any store is involved
    def test_an_unknown_sort_attribute_or_order_is_invalid_value(self, api, people):
        assert_scim_error(api.get("/Users?sortBy=nosuch"), 400, "invalidValue")
        assert_scim_error(api.get("/Users?sortBy=userName&sortOrder=sideways"), 400, "invalidValue")


class TestCursorPaging:
    def walk(self, api, url):
        seen, cursor, pages = [], "", 0
        while cursor is not None:
            body = get_json(api, f"{url}&cursor={quote(cursor)}")
            assert "startIndex" not in body
            seen += [r["id"] for r in body["Resources"]]
            cursor, pages = body.get("nextCursor"), pages + 1
            assert pages < 20
        return seen, pages

    def test_an_empty_cursor_starts_and_next_cursor_walks_every_item_once(self, api, people):
        seen, pages = self.walk(api, "/Users?count=2")
        assert sorted(seen) == sorted(people.values()) and pages == 3

    def test_cursor_paging_follows_the_sort_order(self, api, people):
        seen, _ = self.walk(api, "/Users?count=2&sortBy=userName&sortOrder=descending")
        assert seen == [people[n] for n in ["Émile", "dave", "carol", "bob", "alice"]]

    def test_inserts_and_deletes_between_pages_never_skip_or_repeat_a_survivor(self, api, people):
        first = get_json(api, "/Users?count=2&sortBy=userName&cursor=")
        api.delete(f"/Users/{people['carol']}")  # not yet seen
        create_user(api, "aaron")  # sorts before the position: not part of the rest
        create_user(api, "zoe")  # sorts after: will be seen
        rest, cursor = [], first["nextCursor"]
        while cursor:
            body = get_json(api, f"/Users?count=2&sortBy=userName&cursor={quote(cursor)}")
            rest += names(body)
            cursor = body.get("nextCursor")
        # folded byte order: "émile" sorts after "zoe"
        assert names(first) == ["alice", "bob"] and rest == ["dave", "zoe", "Émile"]

    @pytest.mark.memory_only  # the request and the cursor are checked before any store is involved
    def test_a_tampered_cursor_is_invalid_cursor(self, api, people):
        cursor = get_json(api, "/Users?count=2&cursor=")["nextCursor"]
        payload, mac = cursor.split(".")
        forged = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + mac
        assert_scim_error(api.get(f"/Users?count=2&cursor={quote(forged)}"), 400, "invalidCursor")
        assert_scim_error(api.get("/Users?count=2&cursor=garbage"), 400, "invalidCursor")

    @pytest.mark.memory_only  # the request and the cursor are checked before any store is involved
    def test_a_cursor_for_another_query_is_invalid_cursor(self, api, people):
        cursor = get_json(api, "/Users?count=2&cursor=")["nextCursor"]
        resp = api.get(f"/Users?count=2&sortBy=userName&cursor={quote(cursor)}")
        assert_scim_error(resp, 400, "invalidCursor")
        assert_scim_error(api.get(f"/Groups?count=2&cursor={quote(cursor)}"), 400, "invalidCursor")

    @pytest.mark.memory_only  # the request and the cursor are checked before any store is involved
    def test_a_different_count_with_a_cursor_is_invalid_count(self, api, people):
        cursor = get_json(api, "/Users?count=2&cursor=")["nextCursor"]
        assert_scim_error(api.get(f"/Users?count=3&cursor={quote(cursor)}"), 400, "invalidCount")

    @pytest.mark.memory_only  # the request and the cursor are checked before any store is involved
    def test_a_count_above_the_maximum_page_size_is_invalid_count(self, make_api, people):
        api = make_api(max_results=3, default_count=2)
        assert_scim_error(api.get("/Users?count=4&cursor="), 400, "invalidCount")

    @pytest.mark.memory_only  # the request and the cursor are checked before any store is involved
    def test_an_expired_cursor_is_expired_cursor(self, api, people):
        cursors: Cursors = api.app.extensions["container"].cursors()
        first = get_json(api, "/Users?count=2&cursor=")
        last = first["Resources"][-1]["id"]
        # the same position, issued two hours ago: reuse the fingerprint the server gave
        fingerprint = _payload(first["nextCursor"])["f"]
        old = cursors.seal(fingerprint, Position(None, last, 2), now=0)
        assert_scim_error(api.get(f"/Users?count=2&cursor={quote(old)}"), 400, "expiredCursor")

    @pytest.mark.memory_only  # the request and the cursor are checked before any store is involved
    def test_the_service_provider_config_advertises_cursor_paging(self, api):
        pagination = get_json(api, "/ServiceProviderConfig")["pagination"]
        assert pagination["cursor"] is True and pagination["index"] is True
        assert pagination["cursorTimeout"] == 3600
