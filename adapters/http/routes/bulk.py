"""POST /Bulk (RFC 7644 §3.7): the limits first (§3.7.4: maxPayloadSize before the body is read,
maxOperations before any operation is), then the BulkRequest envelope (messages.bulk_request),
then the domain's BulkJob, which performs each operation through HttpExecutor: the same
functions the single-resource routes call (routes/resources.py), under the same credential's
profile, principal and request id, each in its own transaction. An operation's error is its
outcome (status, SCIM Error in `response`), never the Bulk request's."""

from __future__ import annotations

from typing import Any

import orjson
from dependency_injector.wiring import Provide, inject
from flask import Response
from werkzeug.exceptions import MethodNotAllowed, NotFound

from adapters.http.auth import profile
from adapters.http.dependencies import HttpDependencies
from adapters.http.errors import domain_error, error_response
from adapters.http.messages import BULK_RESPONSE, bulk_request
from adapters.http.requests import Params, check_document, json_body
from adapters.http.responses import base_url, respond
from adapters.http.routes import resources
from domain.bulk.job import BulkJob
from domain.bulk.operations import Operation, Outcome, Result
from domain.capabilities import Capabilities
from domain.errors import DomainError, InvalidSyntax
from domain.schema.attributes import ResourceType
from domain.schema.registry import Registry

ITEM_METHODS = ["DELETE", "GET", "PATCH", "PUT"]
COLLECTION_METHODS = ["GET", "POST"]


class HttpExecutor:
    """Performs a bulk operation as the request `method path` with body `data` and If-Match
    `version` would be performed alone: same route rules (404 for no such endpoint, 405 for a
    method it does not take), same body checks, same use case, same answer."""

    def __init__(self, registry: Registry) -> None:
        self._types = {t.endpoint: t for t in registry.types}

    def execute(self, operation: Operation) -> Outcome:
        try:
            answer = self._dispatch(operation)
        except Exception as err:  # every error is this operation's answer, as alone
            answer = error_response(err)
        return _outcome(operation, answer)

    def refuse(self, operation: Operation, error: DomainError) -> Outcome:
        return _outcome(operation, domain_error(error))

    def _route(self, op: Operation) -> tuple[ResourceType, str | None]:
        endpoint, slash, resource_id = op.path[1:].partition("/") if op.path.startswith("/") else ("", "", "")
        rtype = self._types.get("/" + endpoint)
        if rtype is None or (slash and (not resource_id or "/" in resource_id or "\x00" in resource_id)):
            raise NotFound()
        if (op.method == "POST") == bool(slash):
            raise MethodNotAllowed(ITEM_METHODS if slash else COLLECTION_METHODS)
        return rtype, resource_id or None

    def _dispatch(self, op: Operation) -> Response:
        rtype, resource_id = self._route(op)
        if op.method == "DELETE":
            assert resource_id is not None
            return resources.delete(rtype, resource_id, op.version)
        policy = profile().policy
        proj = Params({}).projection(rtype, policy)  # an operation has no query parameters
        body = _body(op.data, policy.limits)
        if resource_id is None:
            return resources.create(rtype, body, proj)
        if op.method == "PUT":
            return resources.replace(rtype, resource_id, body, op.version, proj)
        return resources.patch(rtype, resource_id, body, op.version, proj)


def _body(data: Any, limits: Any) -> dict[str, Any]:
    """The operation's `data`, checked as requests.json_object checks a body."""
    if data is None:
        raise InvalidSyntax("the request body is empty")
    if not isinstance(data, dict):
        raise InvalidSyntax("the request body must be a JSON object")
    check_document(data, limits)
    return data


def _outcome(op: Operation, answer: Response) -> Outcome:
    try:
        raw = answer.get_data()  # a streamed group is read whole here
    finally:
        answer.close()
    body = orjson.loads(raw) if raw else None
    created = op.method == "POST" and answer.status_code == 201 and isinstance(body, dict)
    location = answer.headers.get("Location") if op.method == "POST" else f"{base_url()}{op.path}"
    return Outcome(answer.status_code, location, answer.headers.get("ETag"), body,
                   str(body["id"]) if created and body is not None else None)


def _entry(result: Result) -> dict[str, Any]:
    """One operation of the BulkResponse (§3.7.3): status as a string, like the RFC's examples."""
    op, outcome = result.operation, result.outcome
    entry: dict[str, Any] = {"method": op.method}
    if op.bulk_id is not None:
        entry["bulkId"] = op.bulk_id
    if outcome.version is not None:
        entry["version"] = outcome.version
    if outcome.location is not None:
        entry["location"] = outcome.location
    entry["status"] = str(outcome.status)
    if outcome.response is not None:
        entry["response"] = outcome.response
    return entry


@inject
def bulk(caps: Capabilities = Provide[HttpDependencies.capabilities],
         registry: Registry = Provide[HttpDependencies.registry]) -> Response:
    """POST /Bulk: 200 with a BulkResponse listing the operations performed, in request order."""
    body = json_body(profile().policy.limits, payload_limit=caps.bulk_max_payload, check=False)
    if not isinstance(body, dict):
        raise InvalidSyntax("the request body must be a JSON object")
    operations, fail_on_errors = bulk_request(body, caps.bulk_max_operations)
    results = BulkJob(operations, HttpExecutor(registry), fail_on_errors).run()
    return respond({"schemas": [BULK_RESPONSE], "Operations": [_entry(r) for r in results]})
