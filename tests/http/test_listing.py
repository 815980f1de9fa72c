"""GET /Users and /Groups (RFC 7644 §3.4.2): paging, stable order and the filter language.

What each filter selects is the evaluator's rule, one case per test on the memory store in
tests/unit/test_filter_matching.py (SQL agrees with memory: tests/contract/test_filters.py);
which filters are invalid is the parser's (tests/unit/test_filter_parser.py). Here the whole
table runs over HTTP once per backend, with the answers' shape and the 400 invalidFilter."""

from __future__ import annotations

from typing import Any

import pytest

from tests.http.support import (
    ENTERPRISE_URN,
    LIST_URN,
    assert_scim_error,
    create_group,
    create_user,
    filter_url,
    get_json,
    ids_of,
    search,
    user_body,
)
from tests.unit.test_filter_matching import ALL_USERS, USER_FILTERS


def names_of(listing: dict[str, Any]) -> list[str]:
    return sorted(r.get("userName") or r["displayName"] for r in listing["Resources"])


@pytest.fixture
def five(api):
    """Five users created one after another: (client, ids in creation order)."""
    return api, [create_user(api, f"user{i}")["id"] for i in range(5)]


class TestPaging:
    def test_a_list_is_a_list_response_with_integer_paging_fields(self, five):
        api, ids = five
        body = get_json(api, "/Users")
        assert body["schemas"] == [LIST_URN]
        assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (5, 1, 5)
        assert ids_of(body) == ids

    def test_an_empty_collection_is_an_empty_list_response(self, api):
        body = get_json(api, "/Groups")
        assert body == {"schemas": [LIST_URN], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0,
                        "Resources": []}

    def test_start_index_and_count_select_a_window(self, five):
        api, ids = five
        body = get_json(api, "/Users?startIndex=2&count=2")
        assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (5, 2, 2)
        assert ids_of(body) == ids[1:3]

    def test_a_start_index_below_one_means_one(self, five):
        api, ids = five
        for start in ("0", "-3", "-99999999999"):
            body = get_json(api, f"/Users?startIndex={start}&count=2")
            assert body["startIndex"] == 1 and ids_of(body) == ids[:2], start

    def test_a_zero_or_negative_count_returns_only_the_total(self, five):
        api, _ = five
        for count in ("0", "-1", "-50"):
            body = get_json(api, f"/Users?count={count}")
            assert body["totalResults"] == 5 and body["itemsPerPage"] == 0 and body["Resources"] == [], count

    def test_a_start_index_past_the_end_returns_no_resources_but_the_total(self, five):
        api, _ = five
        body = get_json(api, "/Users?startIndex=6&count=10")
        assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (5, 6, 0)
        assert body["Resources"] == []

    def test_a_huge_start_index_is_an_empty_page_not_an_error(self, five):
        api, _ = five
        resp = api.get("/Users?startIndex=100000000000000000000000000000")
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert resp.json["totalResults"] == 5 and resp.json["Resources"] == []

    def test_a_huge_count_is_capped_by_max_results(self, make_api):
        api = make_api(default_count=2, max_results=3)
        for i in range(4):
            create_user(api, f"u{i}")
        body = get_json(api, "/Users?count=100000000000000000000000000000")
        assert body["itemsPerPage"] == 3

    def test_count_defaults_to_default_count_and_is_capped_by_max_results(self, make_api):
        api = make_api(default_count=2, max_results=3)
        ids = [create_user(api, f"u{i}")["id"] for i in range(5)]
        assert ids_of(get_json(api, "/Users")) == ids[:2]
        assert ids_of(get_json(api, "/Users?count=")) == ids[:2]
        assert ids_of(get_json(api, "/Users?count=50")) == ids[:3]
        assert get_json(api, "/Users?count=50")["totalResults"] == 5

    @pytest.mark.parametrize("query", ["startIndex=abc", "count=ten", "count=1.5", "startIndex=1e3",
                                       "count=0x10"])
    def test_a_non_integer_start_index_or_count_is_400(self, client, query):
        assert_scim_error(client.get(f"/Users?{query}"), 400, "invalidValue")

    def test_unknown_query_parameters_are_ignored(self, five):
        api, ids = five
        body = get_json(api, "/Users?aadOptscim062020&sortBy=userName&startIndex=1&")
        assert ids_of(body) == ids

    def test_pages_of_any_size_concatenate_to_the_same_stable_order(self, five):
        api, ids = five
        api.put(f"/Users/{ids[0]}", user_body("user0", title="updated"))  # an update moves nothing
        for size in (1, 2, 3):
            seen: list[str] = []
            for start in range(1, 6, size):
                seen += ids_of(get_json(api, f"/Users?startIndex={start}&count={size}"))
            assert seen == ids

    def test_the_order_is_by_creation_time(self, five):
        api, _ = five
        listed = get_json(api, "/Users")["Resources"]
        assert listed == sorted(listed, key=lambda r: (r["meta"]["created"], r["id"]))

    def test_groups_page_the_same_way(self, api):
        ids = [create_group(api, f"g{i}")["id"] for i in range(4)]
        body = get_json(api, "/Groups?startIndex=3&count=5")
        assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (4, 3, 2)
        assert ids_of(body) == ids[2:]


def seed_directory(api):
    """A few users and groups to filter; returns (client, name -> resource)."""
    people = {
        "bjensen": create_user(
            api, "bjensen", externalId="EXT-B", displayName="Babs Jensen", title="Tour Guide", active=True,
            name={"givenName": "Barbara", "familyName": "Jensen"},
            emails=[{"value": "bjensen@example.com", "type": "work", "primary": True},
                    {"value": "babs@home.org", "type": "home"}],
            **{ENTERPRISE_URN: {"employeeNumber": "701", "department": "Tour"}}),
        "jsmith": create_user(
            api, "jsmith", externalId="ext-j", displayName="John Smith", active=False,
            name={"givenName": "John", "familyName": "Smith"},
            emails=[{"value": "jsmith@example.org", "type": "work"}],
            **{ENTERPRISE_URN: {"employeeNumber": "702"}}),
        "100%real": create_user(api, "100%real"),
        "under_score": create_user(api, "under_score"),
        "underXscore": create_user(api, "underXscore"),
        "fiona": create_user(api, "fiona"),
    }
    uid = {k: v["id"] for k, v in people.items()}
    people["Admins"] = create_group(api, "Admins", [uid["bjensen"], uid["jsmith"]], externalId="g-ext")
    people["Tour"] = create_group(api, "Tour", [uid["bjensen"]])
    people["Empty"] = create_group(api, "Empty")
    return api, people


@pytest.fixture
def directory(api):
    """The directory on each backend."""
    return seed_directory(api)


class TestFilteringUsers:
    def test_every_filter_selects_the_same_users_on_each_backend(self, directory):
        """The whole table of tests/unit/test_filter_matching.py in one test per backend (seeding
        per case would be slow), with the list response's total."""
        api, _ = directory
        wrong = {}
        for expr, expected in USER_FILTERS:
            resp = api.get(filter_url("/Users", expr))
            got = (names_of(resp.json), resp.json["totalResults"]) if resp.status_code == 200 else resp.status_code
            if got != (sorted(expected), len(expected)):
                wrong[expr] = got
        assert wrong == {}

    def test_a_filter_on_id_finds_that_user(self, directory):
        api, people = directory
        assert names_of(search(api, "/Users", f'id eq "{people["jsmith"]["id"]}"')) == ["jsmith"]

    def test_filter_results_page_like_any_list(self, directory):
        api, _ = directory
        body = search(api, "/Users", 'userName sw "u"', startIndex=2, count=1)
        assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (2, 2, 1)

    def test_an_empty_filter_lists_everything(self, directory):
        api, _ = directory
        assert get_json(api, "/Users?filter=")["totalResults"] == len(ALL_USERS)

    def test_a_deleted_user_no_longer_matches(self, directory):
        api, people = directory
        api.delete(f"/Users/{people['jsmith']['id']}")
        assert search(api, "/Users", 'userName eq "jsmith"')["totalResults"] == 0
        assert search(api, "/Groups", f'members eq "{people["jsmith"]["id"]}"')["totalResults"] == 0

    def test_a_renamed_user_is_found_under_its_new_name_only(self, directory):
        api, people = directory
        api.put(f"/Users/{people['fiona']['id']}", user_body("fiona.new"))
        assert search(api, "/Users", 'userName eq "fiona"')["totalResults"] == 0
        assert search(api, "/Users", 'userName eq "FIONA.NEW"')["totalResults"] == 1


class TestFilteringGroups:
    def test_display_name_matches_case_insensitively(self, directory):
        api, _ = directory
        assert names_of(search(api, "/Groups", 'displayName eq "admins"')) == ["Admins"]

    def test_external_id_matches_exactly(self, directory):
        api, _ = directory
        assert names_of(search(api, "/Groups", 'externalId eq "g-ext"')) == ["Admins"]
        assert search(api, "/Groups", 'externalId eq "G-EXT"')["totalResults"] == 0

    @pytest.mark.parametrize("form", ['members eq "{}"', 'members.value eq "{}"', 'members[value eq "{}"]'])
    def test_members_eq_finds_the_groups_of_a_user(self, directory, form):
        api, people = directory
        assert names_of(search(api, "/Groups", form.format(people["bjensen"]["id"]))) == ["Admins", "Tour"]
        assert names_of(search(api, "/Groups", form.format(people["jsmith"]["id"]))) == ["Admins"]
        assert search(api, "/Groups", form.format(people["fiona"]["id"]))["totalResults"] == 0

    def test_entras_membership_probe_answers_one_group_or_none(self, directory):
        api, people = directory
        tour, jsmith, bjensen = people["Tour"]["id"], people["jsmith"]["id"], people["bjensen"]["id"]
        hit = search(api, "/Groups", f'id eq "{tour}" and members eq "{bjensen}"')
        assert ids_of(hit) == [tour]
        assert search(api, "/Groups", f'id eq "{tour}" and members eq "{jsmith}"')["totalResults"] == 0

    def test_members_pr_finds_groups_with_members(self, directory):
        api, _ = directory
        assert names_of(search(api, "/Groups", "members pr")) == ["Admins", "Tour"]
        assert names_of(search(api, "/Groups", "not (members pr)")) == ["Empty"]

    @pytest.mark.parametrize(("endpoint", "expr", "names"), [
        ("/Groups", 'members.display eq "Babs Jensen"', ["Admins", "Tour"]),
        ("/Users", 'groups.display eq "Tour"', ["bjensen"]),
    ])
    def test_a_filter_on_a_member_display_is_answered_or_refused_never_silently_empty(
            self, directory, endpoint, expr, names):
        """The display shown in `members`/`groups` either filters, or the filter is refused."""
        api, _ = directory
        resp = api.get(filter_url(endpoint, expr))
        if resp.status_code == 400:
            assert resp.json["scimType"] == "invalidFilter"
        else:
            assert names_of(resp.json) == names, resp.json

    def test_a_user_attribute_is_not_a_group_attribute(self, directory):
        api, _ = directory
        assert_scim_error(api.get(filter_url("/Groups", 'userName eq "x"')), 400, "invalidFilter")


# A few of tests/unit/test_filter_parser.py's invalid filters, for the answer on the wire.
BAD_FILTERS = ['userName eq alice', '(userName eq "a"', 'bogus eq "x"', 'userName eq "a" ; drop table users']


class TestBadFilters:
    @pytest.mark.parametrize("expr", BAD_FILTERS)
    def test_a_malformed_or_unknown_filter_is_400_invalid_filter(self, client, expr):
        assert_scim_error(client.get(filter_url("/Users", expr)), 400, "invalidFilter")

    def test_a_filter_longer_than_the_limit_is_400_invalid_filter(self, client):
        expr = " or ".join(['userName eq "x"'] * 400)
        assert_scim_error(client.get(filter_url("/Users", expr)), 400, "invalidFilter")

    @pytest.mark.parametrize("opener", ["(", "not ("])
    def test_deeply_nested_parentheses_are_400_not_500(self, client, opener):
        depth = 600 if opener == "(" else 400
        expr = opener * depth + 'userName eq "x"' + ")" * depth
        assert len(expr) <= 4096
        assert_scim_error(client.get(filter_url("/Users", expr)), 400, "invalidFilter")

    @pytest.mark.parametrize("joiner", [" or ", " and "])
    def test_a_long_flat_chain_of_conditions_is_evaluated(self, directory, joiner):
        api, _ = directory
        expr = joiner.join(["id pr"] * 400)
        assert len(expr) <= 4096
        assert names_of(search(api, "/Users", expr)) == sorted(ALL_USERS)

    def test_a_bad_filter_on_the_sql_backend_is_the_same_400(self, api):
        assert_scim_error(api.get(filter_url("/Users", "userName eq alice")), 400, "invalidFilter")
