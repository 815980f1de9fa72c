"""What a bulk request holds (RFC 7644 §3.7), what each of its operations answers (§3.7.3), and
the port that performs one operation as the same request sent alone would be performed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from domain.errors import DomainError

METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Operation:
    """One operation of a BulkRequest: `index` is its place in the request, `method` one of
    METHODS, `path` relative to the SCIM root (`/Users`, `/Groups/{id}`, `/Groups/bulkId:x`),
    `version` the ETag its If-Match names, `data` the body it would carry alone (None: none)."""

    index: int
    method: str
    path: str
    bulk_id: str | None = None
    version: str | None = None
    data: Any = None


@dataclass(frozen=True)
class Outcome:
    """What one operation answered: its status, the resource's URL (`location`; none for a
    failed POST) and version, the body (`response`: the resource, or the SCIM Error) and, for a
    created resource, its id (what its bulkId stands for)."""

    status: int
    location: str | None = None
    version: str | None = None
    response: Mapping[str, Any] | None = None
    resource_id: str | None = None

    @property
    def failed(self) -> bool:
        return self.status >= 400


@dataclass(frozen=True)
class Result:
    """An operation that was performed, with its outcome (§3.7.3)."""

    operation: Operation
    outcome: Outcome


class Executor(Protocol):
    """Performs operations. `execute` runs one (its references already resolved) exactly as the
    same request sent alone, in its own transaction: every error, of any kind, is its outcome,
    never an exception. `refuse` is the outcome of an operation that is not run because of
    `error` (a reference that cannot be resolved, a duplicate bulkId)."""

    def execute(self, operation: Operation) -> Outcome: ...

    def refuse(self, operation: Operation, error: DomainError) -> Outcome: ...
