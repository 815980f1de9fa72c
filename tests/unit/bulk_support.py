"""An Executor for the bulk job's unit tests: each operation runs the write use cases on the
in-memory store, as the HTTP adapter runs them (without its envelope and rendering)."""

from __future__ import annotations

from typing import Any

from adapters.memory.store import InMemoryTransactions
from app.containers import operations_of
from domain.bulk.operations import Operation, Outcome
from domain.errors import (
    Conflict,
    DomainError,
    InvalidValue,
    Mutability,
    NotFound,
    PreconditionFailed,
    Uniqueness,
)
from domain.idp.policy import policy_for
from domain.patch.engine import PatchOp
from domain.provisioning.commands import DeleteCommand, MemberInput, PatchCommand, WriteCommand
from domain.schema.registry import default_registry
from domain.schema.validation import conform
from tests.fakes import FixedClock, ReversibleHasher, SequentialIds

REG = default_registry()
POLICY = policy_for("default")
STATUS = {InvalidValue: 400, Mutability: 400, NotFound: 404, Uniqueness: 409, Conflict: 409,
          PreconditionFailed: 412}
TYPES = {"/Users": REG.user, "/Groups": REG.group}
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class StoreExecutor:
    """Runs operations on one in-memory store; `log` keeps each (method, path) executed."""

    def __init__(self) -> None:
        self.tx = InMemoryTransactions()
        self.operations = operations_of(POLICY, self.tx, REG, FixedClock(), SequentialIds(), ReversibleHasher(), 10_000)
        self.log: list[tuple[str, str]] = []

    def refuse(self, operation: Operation, error: DomainError) -> Outcome:
        status = next(s for cls, s in STATUS.items() if isinstance(error, cls))
        return Outcome(status, response={"status": str(status), "detail": error.detail,
                                         "error": type(error).__name__})

    def execute(self, operation: Operation) -> Outcome:
        self.log.append((operation.method, operation.path))
        try:
            return self._run(operation)
        except DomainError as err:
            return self.refuse(operation, err)

    def _run(self, op: Operation) -> Outcome:
        endpoint, _, resource_id = op.path.partition("/")[2].partition("/")
        rtype = TYPES["/" + endpoint]
        uses = self.operations[rtype.name]
        version = None if op.version is None else int(op.version.strip('W/"'))
        if op.method == "DELETE":
            uses.delete(DeleteCommand("idp", resource_id, version, "req-1"))
            return Outcome(204, f"/{endpoint}/{resource_id}")
        if op.method == "PATCH":
            patch = tuple(PatchOp(o["op"], o.get("path"), o.get("value"), "value" in o) for o in op.data["Operations"])
            view = uses.patch(PatchCommand("idp", resource_id, patch, version, True, "req-1"))
            return self._outcome(200, endpoint, view)
        attributes = conform(rtype, {k: v for k, v in op.data.items() if k != "schemas"}, POLICY)
        members = attributes.pop("members", None)
        inputs = None if members is None else tuple(MemberInput(m["value"], m.get("type")) for m in members)
        command = WriteCommand("idp", attributes, resource_id or None, None, inputs, version, True, "req-1")
        if op.method == "POST":
            return self._outcome(201, endpoint, uses.create(command))
        return self._outcome(200, endpoint, uses.replace(command))

    def _outcome(self, status: int, endpoint: str, view: Any) -> Outcome:
        r = view.resource
        return Outcome(status, f"/{endpoint}/{r.id}", r.etag, {"id": r.id, **r.data}, r.id)

    def user(self, user_id: str) -> dict[str, Any]:
        with self.tx(write=False) as uow:
            return dict(uow.users.get(user_id).data)


def post(index: int, endpoint: str, bulk_id: str | None, **data: Any) -> Operation:
    return Operation(index, "POST", endpoint, bulk_id, data=data)


def user(index: int, bulk_id: str | None, name: str, manager: str | None = None) -> Operation:
    extra = {ENTERPRISE: {"manager": {"value": manager}}} if manager else {}
    return post(index, "/Users", bulk_id, userName=name, **extra)


def group(index: int, bulk_id: str | None, name: str, *members: str, kind: str | None = None) -> Operation:
    values = [{"value": m, **({"type": kind} if kind else {})} for m in members]
    return post(index, "/Groups", bulk_id, displayName=name, members=values)


def patch(index: int, path: str, *operations: dict[str, Any], version: str | None = None) -> Operation:
    return Operation(index, "PATCH", path, None, version, {"Operations": list(operations)})
