"""The execution of a bulk request (RFC 7644 §3.7): operations run in the request's order, except
that a POST runs before the first operation that refers to its bulkId, whatever their order in
the request (a depth-first walk of the references, without recursion). Each operation is
performed alone by the Executor, in its own transaction. The response lists the operations
performed, in the request's order; after `failOnErrors` errors nothing more is started (§3.7.3).

The errors of the references, each the outcome of the operation holding them:
- a POST without a bulkId: 400 invalidValue (§3.7: "REQUIRED when method is POST");
- a bulkId given to several POSTs: each of them is 409 uniqueness (§3.7: a bulkId is "unique
  within a bulk request"; RFC 7644 §3.12: uniqueness, a value "already in use"), and every
  reference to it is 409 (it names no single resource);
- a reference to a bulkId no POST of the request has: 400 invalidValue (a value that names no
  resource; only POSTs define bulkIds);
- a reference to a bulkId whose POST failed: 409, no scimType (§3.7.1: what cannot be resolved
  is a 409 Conflict).

Circular references (§3.7.1: the service provider "MUST try to resolve" them, and "MAY stop after
a failed attempt and instead return HTTP status code 409"). Only POSTs define bulkIds, so a cycle
is made of POSTs. It is broken at the POST that closes it (a self-reference included, a user who
is their own manager): that POST creates its resource without the attributes that refer back
(references.set_aside), so the others can refer to its id, and once the resources it refers to
exist it PATCHes those attributes in (`replace`); its outcome is the POST's 201 and location with
the version (and the body) after that PATCH. What is breakable: references in any attribute of
the body (members, manager, extension attributes). What is not: a reference in `schemas` or
`id`, which is 409 at once. A POST whose create succeeded but whose completion cannot be made
(a resource it refers to failed, the PATCH failed, or processing stopped first) is undone by a
DELETE and answers the completion's error (no location, no version): nothing of it stays but
its two change records, create and delete, both of the Bulk request (each operation is its own
transaction, and the create had to be committed for the others to refer to its id), and that id
where another operation of the cycle, already performed, put it (a manager naming it).
Groups hold users only here, so a group-in-group cycle (the RFC's example) is broken and then
each group's member that is a group answers 400 invalidValue, as it would alone."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from domain.bulk import references
from domain.bulk.operations import Executor, Operation, Outcome, Result
from domain.errors import Conflict, DomainError, InvalidValue, Uniqueness

log = logging.getLogger(__name__)
ACTIVE, DONE = "active", "done"


@dataclass(frozen=True)
class _Pending:
    """A circular POST created without its references to `awaits`, to complete by `patch`."""

    created: Outcome
    patch: dict[str, object]
    awaits: frozenset[str]


class BulkJob:
    """One bulk request's operations, run once by `run()` through `executor`."""

    def __init__(self, operations: Sequence[Operation], executor: Executor, fail_on_errors: int | None = None) -> None:
        self._ops, self._executor, self._limit = list(operations), executor, fail_on_errors
        self._refs = [references.of(op) for op in self._ops]
        self._posts: dict[str, list[int]] = {}
        for op in self._ops:
            if op.method == "POST" and op.bulk_id is not None:
                self._posts.setdefault(op.bulk_id, []).append(op.index)
        self._state: dict[int, str] = {}
        self._outcomes: dict[int, Outcome] = {}
        self._ids: dict[str, str] = {}  # bulkId -> the id of the resource its POST created
        self._pending: dict[int, _Pending] = {}
        self._errors = 0

    @property
    def stopped(self) -> bool:
        return self._limit is not None and self._errors >= self._limit

    def run(self) -> list[Result]:
        for op in self._ops:
            if self.stopped:
                break
            self._visit(op.index)
        for index in list(self._pending):  # stopped before they could be completed
            self._undo(index, Conflict("processing stopped (failOnErrors) before its circular "
                                       "references could be resolved"))
        return [Result(op, self._outcomes[op.index]) for op in self._ops if op.index in self._outcomes]

    def _target(self, bulk_id: str) -> int | None:
        """The POST a bulkId names: None when no POST or several have it."""
        posts = self._posts.get(bulk_id, [])
        return posts[0] if len(posts) == 1 else None

    def _visit(self, root: int) -> None:
        """Perform `root` after the POSTs it refers to, depth first. Each frame keeps its own
        place in the list of POSTs it refers to, so a group of n members listed before its n
        users costs n steps, not n² (a POST once seen keeps a state: skipped, it stays skipped)."""
        if root in self._state:
            return
        self._state[root] = ACTIVE
        stack = [(root, self._following(root))]
        while stack and not self.stopped:
            top, targets = stack[-1]
            following = next((t for t in targets if t not in self._state), None)
            if following is not None:
                self._state[following] = ACTIVE
                stack.append((following, self._following(following)))
                continue
            stack.pop()
            self._perform(top)
            self._state[top] = DONE

    def _following(self, index: int) -> Iterator[int]:
        """The POSTs operation `index` refers to, in the order of their bulkIds."""
        return (t for b in sorted(self._refs[index]) if (t := self._target(b)) is not None)

    def _perform(self, index: int) -> None:
        op = self._ops[index]
        circular = frozenset(b for b in self._refs[index]
                             if (t := self._target(b)) is not None and self._state.get(t) == ACTIVE)
        error = self._own_error(op) or self._reference_error(self._refs[index] - circular)
        if error is not None:
            self._record(index, self._executor.refuse(references.resolve(op, self._ids), error))
        elif circular:
            self._break(op, circular)
        else:
            self._record(index, self._executor.execute(references.resolve(op, self._ids)))

    def _own_error(self, op: Operation) -> DomainError | None:
        if op.method != "POST":
            return None
        if op.bulk_id is None:
            return InvalidValue("a POST needs a 'bulkId' (RFC 7644 §3.7)")
        if len(self._posts[op.bulk_id]) > 1:
            return Uniqueness(f"bulkId '{op.bulk_id}' is given to more than one POST of the request")
        return None

    def _reference_error(self, bulk_ids: frozenset[str]) -> DomainError | None:
        for bulk_id in sorted(bulk_ids):
            posts = self._posts.get(bulk_id, [])
            if not posts:
                return InvalidValue(f"'bulkId:{bulk_id}' names no POST of this bulk request")
            if len(posts) > 1:
                return Conflict(f"'bulkId:{bulk_id}' is given to more than one POST of the request")
            outcome = self._outcomes.get(posts[0])
            if bulk_id not in self._ids or (outcome is not None and outcome.failed):
                return Conflict(f"'bulkId:{bulk_id}' cannot be resolved: its POST failed")
        return None

    def _record(self, index: int, outcome: Outcome) -> None:
        op = self._ops[index]
        self._outcomes[index] = outcome
        if outcome.failed:
            self._errors += 1
        elif op.method == "POST" and op.bulk_id is not None and outcome.resource_id is not None:
            self._ids[op.bulk_id] = outcome.resource_id
        self._complete_ready()

    def _break(self, op: Operation, circular: frozenset[str]) -> None:
        """Create the resource without its circular references; complete it once they exist."""
        parts = references.set_aside(op.data, circular)
        if parts is None:
            error = Conflict(f"the circular reference to bulkId(s) {', '.join(sorted(circular))} "
                             "cannot be resolved: it is in the body's schemas or id")
            self._record(op.index, self._executor.refuse(op, error))
            return
        body, patch = parts
        created = self._executor.execute(references.resolve(
            Operation(op.index, op.method, op.path, op.bulk_id, op.version, body), self._ids))
        if created.failed or created.resource_id is None or op.bulk_id is None:
            self._record(op.index, created)
            return
        self._ids[op.bulk_id] = created.resource_id
        self._pending[op.index] = _Pending(created, patch, circular)
        self._complete_ready()

    def _complete_ready(self) -> None:
        """Complete each circular POST whose references are now resolved (or cannot be)."""
        for index, pending in list(self._pending.items()):
            settled = all(b in self._ids or self._outcomes.get(self._posts[b][0], Outcome(0)).failed
                          for b in pending.awaits)
            if settled and self._pending.pop(index, None) is not None:
                self._complete(index, pending)

    def _complete(self, index: int, pending: _Pending) -> None:
        op, created = self._ops[index], pending.created
        error = self._reference_error(pending.awaits)
        if error is not None:
            self._undo(index, error, pending)
            return
        path = f"{op.path.rstrip('/')}/{created.resource_id}"
        done = self._executor.execute(references.resolve(Operation(index, "PATCH", path, data=pending.patch), self._ids))
        if done.failed:
            self._undo(index, None, pending, done)
            return
        self._record(index, Outcome(created.status, created.location, done.version, done.response,
                                    created.resource_id))

    def _undo(self, index: int, error: DomainError | None, pending: _Pending | None = None,
              failure: Outcome | None = None) -> None:
        """Delete what a circular POST created; its outcome is `failure`, or the refusal by `error`."""
        pending = pending or self._pending.pop(index)
        op, created = self._ops[index], pending.created
        path = f"{op.path.rstrip('/')}/{created.resource_id}"
        undone = self._executor.execute(Operation(index, "DELETE", path))
        if undone.failed:
            log.warning("bulk: could not undo the create of %s (status %s)", path, undone.status)
        if failure is None:
            assert error is not None
            failure = self._executor.refuse(op, error)
        self._record(index, Outcome(failure.status, None, None, failure.response))
