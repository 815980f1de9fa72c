"""The bulk job (domain/bulk/job.py) on the in-memory store: the order of operations, bulkId
bookkeeping and its errors, failOnErrors, circular references; no HTTP."""

from __future__ import annotations

import pytest

from domain.bulk.job import BulkJob
from domain.bulk.operations import Operation, Result
from tests.unit.bulk_support import ENTERPRISE, StoreExecutor, group, patch, user


@pytest.fixture
def store() -> StoreExecutor:
    return StoreExecutor()


def run(store: StoreExecutor, *ops: Operation, fail_on_errors: int | None = None) -> list[Result]:
    return BulkJob(ops, store, fail_on_errors).run()


def summary(results: list[Result]) -> list[tuple[int, str, int]]:
    return [(r.operation.index, r.operation.method, r.outcome.status) for r in results]


def members_of(store: StoreExecutor, group_id: str) -> set[str]:
    with store.tx(write=False) as uow:
        return {m.value for m in uow.memberships.members(group_id)}


class TestOrder:
    def test_a_group_before_its_users_runs_after_them(self, store):
        results = run(store, group(0, "g", "Admins", "bulkId:a", "bulkId:b"), user(1, "a", "ann"), user(2, "b", "bob"))
        assert summary(results) == [(0, "POST", 201), (1, "POST", 201), (2, "POST", 201)]  # the request's order
        assert store.log == [("POST", "/Users"), ("POST", "/Users"), ("POST", "/Groups")]  # the run's order
        ann, bob = results[1].outcome.resource_id, results[2].outcome.resource_id
        assert members_of(store, results[0].outcome.resource_id) == {ann, bob}

    def test_a_manager_reference_is_resolved(self, store):
        results = run(store, user(0, "e", "emp", manager="bulkId:m"), user(1, "m", "boss"))
        assert store.user(results[0].outcome.resource_id)[ENTERPRISE]["manager"]["value"] == results[1].outcome.resource_id

    def test_references_in_a_patch_path_value_and_operation_path(self, store):
        results = run(
            store,
            patch(0, "/Groups/bulkId:g", {"op": "remove", "path": 'members[value eq "bulkId:a"]'},
                  {"op": "add", "path": "members", "value": [{"value": "bulkId:b"}]}),
            group(1, "g", "G", "bulkId:a"), user(2, "a", "ann"), user(3, "b", "bob"))
        assert summary(results) == [(0, "PATCH", 200), (1, "POST", 201), (2, "POST", 201), (3, "POST", 201)]
        assert members_of(store, results[1].outcome.resource_id) == {results[3].outcome.resource_id}

    def test_a_reference_inside_other_text_is_no_reference(self, store):
        results = run(store, user(0, "a", "ann"), Operation(1, "POST", "/Users", "b", data={
            "userName": "bob", "title": "see bulkId:a", "nickName": "bulkId:"}))
        assert summary(results) == [(0, "POST", 201), (1, "POST", 201)]
        assert store.user(results[1].outcome.resource_id)["title"] == "see bulkId:a"

    def test_a_long_chain_of_references_needs_no_recursion(self, store):
        ops = [user(i, f"u{i}", f"user{i}", manager=f"bulkId:u{i + 1}") for i in range(1500)]
        results = run(store, *ops, user(1500, "u1500", "top"))
        assert all(r.outcome.status == 201 for r in results) and len(results) == 1501
        assert store.log[0] == ("POST", "/Users") and results[1500].outcome.resource_id == "id-0001"

    def test_a_group_listed_before_its_users_costs_steps_linear_in_them(self, store, monkeypatch):
        """Issue 15: the walk looked up each of a group's bulkIds again every time it came back
        to the group (n² lookups for n members listed after it: 2 million for 2,000)."""
        lookups = [0]
        target = BulkJob._target

        def counted(job: BulkJob, bulk_id: str) -> int | None:
            lookups[0] += 1
            return target(job, bulk_id)

        monkeypatch.setattr(BulkJob, "_target", counted)
        n = 2000
        results = run(store, group(0, "g", "G", *(f"bulkId:u{i}" for i in range(n))),
                      *(user(i + 1, f"u{i}", f"user{i}") for i in range(n)))
        assert [r.outcome.status for r in results] == [201] * (n + 1)
        assert len(members_of(store, results[0].outcome.resource_id)) == n
        assert lookups[0] <= 4 * n


class TestReferenceErrors:
    def test_a_duplicate_bulk_id_fails_every_post_having_it_and_every_reference(self, store):
        results = run(store, user(0, "x", "ann"), user(1, "x", "bob"), group(2, "g", "G", "bulkId:x"), user(3, "y", "cid"))
        assert summary(results) == [(0, "POST", 409), (1, "POST", 409), (2, "POST", 409), (3, "POST", 201)]
        assert [r.outcome.response["error"] for r in results[:3]] == ["Uniqueness", "Uniqueness", "Conflict"]
        assert store.log == [("POST", "/Users")]

    def test_an_unknown_bulk_id_is_400(self, store):
        results = run(store, group(0, "g", "G", "bulkId:nobody"))
        assert summary(results) == [(0, "POST", 400)]
        assert "'bulkId:nobody' names no POST" in results[0].outcome.response["detail"]
        assert store.log == []

    def test_only_posts_define_bulk_ids(self, store):
        created = run(store, user(0, "a", "ann"))[0].outcome.resource_id
        results = run(store, Operation(0, "PUT", f"/Users/{created}", "p", data={"userName": "ann2"}),
                      patch(1, "/Users/bulkId:p", {"op": "replace", "path": "title", "value": "x"}))
        assert summary(results) == [(0, "PUT", 200), (1, "PATCH", 400)]

    def test_a_reference_to_a_failed_post_is_409_and_writes_nothing(self, store):
        run(store, user(0, "a", "taken"))
        results = run(store, user(0, "a", "taken"), group(1, "g", "G", "bulkId:a"))
        assert summary(results) == [(0, "POST", 409), (1, "POST", 409)]
        assert results[1].outcome.response["error"] == "Conflict"
        with store.tx(write=False) as uow:
            assert uow.groups.existing(["id-0002", "id-0003"]) == set()

    def test_a_post_without_bulk_id_is_400(self, store):
        assert summary(run(store, user(0, None, "ann"))) == [(0, "POST", 400)]


class TestFailOnErrors:
    OPS = (user(0, "a", "ann"), user(1, "b", "ann"), user(2, "c", "cid"), user(3, "d", "cid"), user(4, "e", "eve"))

    def test_without_it_every_operation_runs(self, store):
        assert [s for _, _, s in summary(run(store, *self.OPS))] == [201, 409, 201, 409, 201]

    def test_one_stops_after_the_first_error(self, store):
        assert summary(run(store, *self.OPS, fail_on_errors=1)) == [(0, "POST", 201), (1, "POST", 409)]

    def test_two_stops_after_the_second_error(self, store):
        assert [s for _, _, s in summary(run(store, *self.OPS, fail_on_errors=2))] == [201, 409, 201, 409]

    def test_a_refused_reference_counts_as_an_error(self, store):
        results = run(store, group(0, "g", "G", "bulkId:zz"), user(1, "a", "ann"), fail_on_errors=1)
        assert summary(results) == [(0, "POST", 400)]


class TestCircularReferences:
    def test_a_user_who_is_their_own_manager(self, store):
        [result] = run(store, user(0, "ceo", "ceo", manager="bulkId:ceo"))
        assert result.outcome.status == 201 and result.outcome.version == 'W/"2"'
        assert store.user(result.outcome.resource_id)[ENTERPRISE]["manager"]["value"] == result.outcome.resource_id
        assert store.log == [("POST", "/Users"), ("PATCH", f"/Users/{result.outcome.resource_id}")]

    def test_two_users_managing_each_other(self, store):
        a, b = run(store, user(0, "a", "ann", manager="bulkId:b"), user(1, "b", "bob", manager="bulkId:a"))
        assert (a.outcome.status, b.outcome.status) == (201, 201)
        assert store.user(a.outcome.resource_id)[ENTERPRISE]["manager"]["value"] == b.outcome.resource_id
        assert store.user(b.outcome.resource_id)[ENTERPRISE]["manager"]["value"] == a.outcome.resource_id

    def test_a_group_and_a_user_referring_to_each_other(self, store):
        g, u = run(store, group(0, "g", "G", "bulkId:u"), user(1, "u", "ann", manager="bulkId:g"))
        assert (g.outcome.status, u.outcome.status) == (201, 201)
        assert members_of(store, g.outcome.resource_id) == {u.outcome.resource_id}
        assert store.user(u.outcome.resource_id)[ENTERPRISE]["manager"]["value"] == g.outcome.resource_id

    def test_groups_in_each_other_fail_as_nested_groups_and_leave_nothing(self, store):
        """The RFC's §3.7.1 example: groups hold users only here."""
        a, b = run(store, group(0, "a", "A", "bulkId:b", kind="Group"), group(1, "b", "B", "bulkId:a", kind="Group"))
        assert (a.outcome.status, b.outcome.status) == (400, 409)
        assert "nested" in a.outcome.response["detail"] and b.outcome.location is None
        assert store.tx.store.groups == {}

    def test_a_completion_that_cannot_be_made_undoes_the_create(self, store):
        run(store, user(0, "x", "taken"))
        a, b = run(store, user(0, "a", "taken", manager="bulkId:b"), user(1, "b", "bob", manager="bulkId:a"))
        assert (a.outcome.status, b.outcome.status) == (409, 409)
        assert b.outcome.response["error"] == "Conflict" and b.outcome.location is None
        assert [u.data["userName"] for u in store.tx.store.users.values()] == ["taken"]
        assert [c.operation for c in store.tx.store.changes][-2:] == ["create", "delete"]

    def test_a_reference_in_schemas_cannot_be_broken(self, store):
        op = Operation(0, "POST", "/Users", "s", data={"schemas": ["bulkId:s"], "userName": "ann"})
        [result] = run(store, op)
        assert result.outcome.status == 409 and "schemas or id" in result.outcome.response["detail"]
        assert store.log == []

    def test_stopping_undoes_a_pending_completion(self, store):
        run(store, user(0, "t", "taken"))
        # y -> z -> x -> y: x is created without its manager and waits for y; z then fails and
        # stops the job before y runs, so x is undone and y never runs
        ops = (user(0, "y", "yan", manager="bulkId:z"), user(1, "z", "taken", manager="bulkId:x"),
               user(2, "x", "xia", manager="bulkId:y"))
        results = run(store, *ops, fail_on_errors=1)
        assert summary(results) == [(1, "POST", 409), (2, "POST", 409)]
        assert "processing stopped" in results[1].outcome.response["detail"]
        assert [u.data["userName"] for u in store.tx.store.users.values()] == ["taken"]

    def test_completions_count_once_and_keep_the_created_location(self, store):
        a, b = run(store, user(0, "a", "ann", manager="bulkId:b"), user(1, "b", "bob", manager="bulkId:a"),
                   fail_on_errors=1)
        assert a.outcome.location == f"/Users/{a.outcome.resource_id}" and b.outcome.version == 'W/"2"'
