"""The PatchOp, SearchRequest and BulkRequest messages (RFC 7644 §3.5.2, §3.4.3, §3.7) loaded with
marshmallow; member names match case-insensitively and an ill-formed message is 400 invalidSyntax."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate

from domain.bulk.operations import METHODS
from domain.bulk.operations import Operation as BulkOperation
from domain.errors import InvalidSyntax, PayloadTooLarge
from domain.patch.engine import PatchOp

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
NON_EMPTY = "'Operations' must be a non-empty list"
NEEDS_OP = "each operation needs an 'op'"
OBJECT = "each operation must be an object"


def _lowered(data: dict[str, Any]) -> dict[str, Any]:
    """Member names in lower case; of two spellings of one name, the last wins."""
    return {k.lower(): v for k, v in data.items()}


def _required(message: str) -> dict[str, str | list[Any] | dict[Any, Any]]:
    """Error messages for a required field: missing or null reads as `message` too."""
    return {"required": message, "null": message, "invalid": message}


class Naming(fields.Field[list[Any]]):
    """A `schemas` list that must name `urn` (case-insensitively)."""

    def __init__(self, urn: str, **kw: Any) -> None:
        self.message = f"'schemas' must contain {urn}"
        super().__init__(required=True, error_messages=_required(self.message), **kw)
        self.urn = urn.lower()

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> list[Any]:
        if not isinstance(value, list) or self.urn not in {str(s).lower() for s in value}:
            raise ValidationError(self.message)
        return value


class OpName(fields.Field[str]):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError(NEEDS_OP)
        return value


class Operation(Schema):
    """One operation: `op`, `path` and `value`; other members are ignored (the MS Postman
    collection sends "name"). Whether `value` was given is kept: null is a value."""

    op = OpName(required=True, error_messages=_required(NEEDS_OP))
    path = fields.Raw(load_default=None, allow_none=True)
    value = fields.Raw(load_default=None, allow_none=True)
    has_value = fields.Boolean()

    @pre_load
    def _members(self, data: Any, **kw: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ValidationError(OBJECT)
        op = _lowered(data)
        return {**{k: op[k] for k in ("op", "path", "value") if k in op}, "has_value": "value" in op}

    @post_load
    def _patch_op(self, data: dict[str, Any], **kw: Any) -> PatchOp:
        return PatchOp(data["op"], data["path"], data["value"], data["has_value"])


class PatchRequest(Schema):
    """The PatchOp message (RFC 7644 §3.5.2): its `schemas` and a non-empty `Operations` list."""

    schemas = Naming(PATCH_OP)
    operations = fields.List(fields.Nested(Operation, error_messages={"null": OBJECT}), required=True,
                             error_messages=_required(NON_EMPTY),
                             validate=validate.Length(min=1, error=NON_EMPTY))

    @pre_load
    def _members(self, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
        body = _lowered(data)
        return {k: body[k] for k in ("schemas", "operations") if k in body}


class SearchRequest(Schema):
    """The SearchRequest message (RFC 7644 §3.4.3): its `schemas`, and the parameters beside it."""

    schemas = Naming(SEARCH_REQUEST)
    params = fields.Dict()

    @pre_load
    def _members(self, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
        body = _lowered(data)
        schemas = {"schemas": body.pop("schemas")} if "schemas" in body else {}
        return {**schemas, "params": body}


class Text(fields.Field[str]):
    """A string member of a bulk operation; `message` when it is something else."""

    def __init__(self, message: str, **kw: Any) -> None:
        super().__init__(error_messages=_required(message), **kw)
        self.message = message

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError(self.message)
        return value


class Method(Text):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> str:
        method = super()._deserialize(value, attr, data, **kw).upper()
        if method not in METHODS:
            raise ValidationError(self.message)
        return method


class FailOnErrors(fields.Field[int]):
    MESSAGE = "'failOnErrors' must be an integer of at least 1"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError(self.MESSAGE)
        return value


class BulkOperationMessage(Schema):
    """One operation of a BulkRequest (RFC 7644 §3.7): `method` and `path` required, `bulkId`
    and `version` strings; `data` is the operation's body, whatever it is (checked as the
    body of the same request alone would be)."""

    method = Method("each operation needs a 'method': POST, PUT, PATCH or DELETE", required=True)
    path = Text("each operation needs a 'path': /Users (POST) or /Users/<id>", required=True)
    bulkid = Text("'bulkId' must be a string", load_default=None, allow_none=True)
    version = Text("'version' must be a string (an ETag)", load_default=None, allow_none=True)
    data = fields.Raw(load_default=None, allow_none=True)

    @pre_load
    def _members(self, data: Any, **kw: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ValidationError(OBJECT)
        op = _lowered(data)
        return {k: op[k] for k in ("method", "path", "bulkid", "version", "data") if k in op}


class BulkRequest(Schema):
    """The BulkRequest message (RFC 7644 §3.7): its `schemas`, a non-empty `Operations` list and
    `failOnErrors`. `Operations` is REQUIRED, and an empty multi-valued attribute is the same as
    an unassigned one (RFC 7643 §2.5): an empty list is a missing one, 400 invalidSyntax (as an
    empty PatchOp `Operations` is)."""

    schemas = Naming(BULK_REQUEST)
    operations = fields.List(fields.Nested(BulkOperationMessage, error_messages={"null": OBJECT}), required=True,
                             error_messages=_required(NON_EMPTY), validate=validate.Length(min=1, error=NON_EMPTY))
    failonerrors = FailOnErrors(load_default=None, allow_none=True)

    @pre_load
    def _members(self, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
        body = _lowered(data)
        return {k: body[k] for k in ("schemas", "operations", "failonerrors") if k in body}


_PATCH, _SEARCH, _BULK = PatchRequest(), SearchRequest(), BulkRequest()


def _first(messages: Any) -> str:
    """The first of marshmallow's messages, in the order the message's members are checked."""
    if isinstance(messages, dict):
        return _first(next(iter(messages.values())))
    if isinstance(messages, list):
        return _first(messages[0])
    return str(messages)


def _load(schema: Schema, body: dict[str, Any]) -> Any:
    try:
        return schema.load(body)
    except ValidationError as err:
        raise InvalidSyntax(_first(err.messages)) from None


def patch_operations(body: dict[str, Any]) -> tuple[PatchOp, ...]:
    """The operations of a PatchOp message (RFC 7644 §3.5.2), in order; InvalidSyntax names the
    first problem: `schemas`, then `Operations`, then each operation in turn."""
    return tuple(_load(_PATCH, body)["operations"])


def search_params(body: dict[str, Any]) -> dict[str, Any]:
    """A SearchRequest's parameters (RFC 7644 §3.4.3) under lower-cased names, without `schemas`."""
    params: dict[str, Any] = _load(_SEARCH, body)["params"]
    return params


def bulk_request(body: dict[str, Any], max_operations: int) -> tuple[list[BulkOperation], int | None]:
    """A BulkRequest's operations, in order, and its failOnErrors (RFC 7644 §3.7). More operations
    than `max_operations` is 413 before any of them is read (§3.7.4)."""
    operations = _lowered(body).get("operations")
    if isinstance(operations, list) and len(operations) > max_operations:
        raise PayloadTooLarge(f"{len(operations)} operations exceed maxOperations ({max_operations})")
    loaded = _load(_BULK, body)
    return ([BulkOperation(i, op["method"], op["path"], op["bulkid"], op["version"], op["data"])
             for i, op in enumerate(loaded["operations"])], loaded["failonerrors"])
