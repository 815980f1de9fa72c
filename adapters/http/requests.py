"""Reading requests: content type, JSON that PostgreSQL can store, query parameters (list and
search parameters, attributes/excludedAttributes), If-Match and If-None-Match."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from domain.errors import InvalidSyntax, InvalidValue, PayloadTooLarge, PreconditionFailed
from domain.idp.policy import Policy
from domain.limits import Limits
from domain.query.projection import Projection, projection
from domain.schema.attributes import ResourceType
from domain.text import FORBIDDEN_CHARS

JSON_TYPES = ("application/scim+json", "application/json")
_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,18})"\s*$')


def _reject_constant(name: str) -> Any:
    raise InvalidSyntax(f"{name} is not valid JSON")


def check_document(value: Any, limits: Limits) -> None:
    """Walk the document iteratively (no recursion limit to hit): strings without characters no
    store can hold, objects and arrays nested at most limits.json_depth deep."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            bad = FORBIDDEN_CHARS.search(item)
            if bad:
                raise InvalidValue(f"string contains a forbidden character U+{ord(bad.group()):04X}")
        elif isinstance(item, dict | list):
            if depth > limits.json_depth:
                raise InvalidSyntax(limits.exceeded("json_depth", "objects and arrays nested too deeply"))
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def _read_body() -> bytes:
    """The body's bytes, all of them: 413 past server.max_body_bytes (werkzeug's own), 400
    invalidSyntax when the body ends before its Content-Length (gunicorn hands over what came
    before the client went away). A body the server cannot read at all (gunicorn's parse errors
    from inside the read) is answered by adapters/http/errors.py, for every route alike."""
    raw = request.get_data(cache=False)
    expected = request.content_length
    if expected is not None and len(raw) < expected:
        raise InvalidSyntax(f"the request body ended after {len(raw)} of its {expected} bytes")
    return raw


def _limit_payload(payload_limit: int) -> None:
    """A route's own cap below server.max_body_bytes (a bulk request's maxPayloadSize, RFC 7644
    §3.7.4): 413 before the body is read when its Content-Length says it is longer; a chunked
    body is read one byte past the cap at most, and refused once read if it got there."""
    length = request.content_length
    if length is not None and length > payload_limit:
        raise PayloadTooLarge(f"the request body's {length} bytes exceed maxPayloadSize ({payload_limit})")
    request.max_content_length = payload_limit + 1


def json_body(limits: Limits, *, payload_limit: int | None = None, check: bool = True) -> Any:
    """The request body as JSON: 415 unless it is (SCIM) JSON, 400 invalidSyntax if malformed
    or (with `check`) nested deeper than `limits` allow; past `payload_limit` bytes, 413."""
    if payload_limit is not None:
        _limit_payload(payload_limit)
    mimetype = request.mimetype
    if mimetype and mimetype not in JSON_TYPES and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(f"Content-Type must be application/scim+json, not {mimetype}")
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.strip().lower().replace("_", "-") not in ("utf-8", "utf8"):
        # RFC 7644 §3.8 / RFC 8259 §8.1: JSON bodies are UTF-8; another charset is not read as if it were
        raise UnsupportedMediaType(f"the request body must be UTF-8, not charset={charset}")
    raw = _read_body()
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(raw) >= limit:
        # a chunked body: werkzeug stops reading at the limit instead of refusing it
        if payload_limit is not None:
            raise PayloadTooLarge(f"the request body exceeds maxPayloadSize ({payload_limit} bytes)")
        raise RequestEntityTooLarge(f"the request body exceeds {limit} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidSyntax("the request body is not UTF-8") from None
    if not text.strip():
        raise InvalidSyntax("the request body is empty")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise InvalidSyntax(f"malformed JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except RecursionError:
        raise InvalidSyntax("the JSON document is nested too deeply") from None
    except ValueError as err:  # e.g. an integer of thousands of digits
        raise InvalidValue(f"unacceptable JSON value: {str(err)[:80]}") from None
    if check:
        check_document(value, limits)
    return value


def json_object(limits: Limits) -> dict[str, Any]:
    value = json_body(limits)
    if not isinstance(value, dict):
        raise InvalidSyntax("the request body must be a JSON object")
    return value


def if_match_header() -> str | None:
    return request.headers.get("If-Match")


def versions_of(raw: str | None) -> tuple[int, ...] | None:
    """The versions an If-Match value (a bulk operation's `version`) accepts (RFC 7644 §3.14,
    RFC 9110 §13.1.1): None when absent or '*'. Tags that are not ours can match nothing; if
    none is ours, the precondition fails."""
    if raw is None or raw.strip() == "*":
        return None
    versions = tuple(int(m.group(1)) for tag in raw.split(",") if (m := _ETAG.match(tag)))
    if not versions:
        raise PreconditionFailed(f"If-Match {raw[:60]!r} matches no version of this resource")
    return versions


def if_none_match(etag: str) -> bool:
    """Whether If-None-Match names the current ETag (weak comparison, RFC 9110 §13.1.2)."""
    raw = request.headers.get("If-None-Match")
    if raw is None:
        return False
    if raw.strip() == "*":
        return True
    want = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == want for tag in raw.split(","))


@dataclass(frozen=True)
class Params:
    """The query parameters of a list or search, from the URL or a SearchRequest body; names
    are matched case-insensitively."""

    values: Mapping[str, Any]

    def text(self, name: str) -> str | None:
        value = self.values.get(name.lower())
        if value is None:
            return None
        if isinstance(value, list):  # SearchRequest's attributes / excludedAttributes
            if not all(isinstance(v, str) for v in value):
                raise InvalidValue(f"'{name}' must be a list of attribute names")
            return ",".join(value)
        if not isinstance(value, str):
            raise InvalidValue(f"'{name}' must be a string")
        return value

    def integer(self, name: str) -> int | None:
        value = self.values.get(name.lower())
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidValue(f"'{name}' must be an integer")
        try:
            return int(value)
        except ValueError:
            raise InvalidValue(f"'{name}' must be an integer, got '{str(value)[:40]}'") from None

    def projection(self, rtype: ResourceType, policy: Policy) -> Projection:
        """attributes / excludedAttributes (RFC 7644 §3.4.2.5, §3.9)."""
        return projection(rtype, self.text("attributes"), self.text("excludedAttributes"), policy.unknown,
                          policy.limits)


def url_params() -> Params:
    return Params({k.lower(): v for k, v in request.args.items()})
