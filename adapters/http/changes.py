"""GET /changes: the change feed (domain/feed.py) as JSON, outside /scim/v2 (it is no SCIM
resource), behind the same authentication as the SCIM API. A follower passes back the `cursor`
of each page; `cursor=end` gives the newest one without records (take it before a full read
of the resources, then follow from it). Never attribute values: names, ids, who and when."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, request

from adapters.http.auth import authenticate
from adapters.http.responses import base_url
from domain.errors import InvalidValue
from domain.feed import DEFAULT_LIMIT, FeedPage, FollowChanges, Recorded
from domain.schema.registry import Registry

CHANGES_PATH = "/changes"
_NUMBER = re.compile(r"[0-9]{1,18}")  # below 2^63: every store's integer


def _number(name: str, default: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not _NUMBER.fullmatch(value):
        raise InvalidValue(f"{name}: a whole number (from a page's `cursor`), got {value[:40]!r}")
    return int(value)


def _record(item: Recorded, base: str, endpoints: dict[str, str]) -> dict[str, Any]:
    c = item.change
    record: dict[str, Any] = {
        "seq": item.seq, "at": c.at.isoformat().replace("+00:00", "Z"), "principal": c.principal,
        "operation": c.operation, "resourceType": c.resource_type, "id": c.resource_id,
        "location": f"{base}{endpoints.get(c.resource_type, '/' + c.resource_type)}/{c.resource_id}",
        "attributes": list(c.attributes),
    }
    if c.request_id:
        record["requestId"] = c.request_id
    if c.members_added:
        record["membersAdded"] = list(c.members_added)
    if c.members_removed:
        record["membersRemoved"] = list(c.members_removed)
    return record


def _page(page: FeedPage, endpoints: dict[str, str]) -> Response:
    base = base_url()
    response = jsonify({"changes": [_record(r, base, endpoints) for r in page.records],
                        "cursor": str(page.cursor), "more": page.more})
    response.headers["Cache-Control"] = "no-store"
    return response


def blueprint(follow: FollowChanges, registry: Registry) -> Blueprint:
    feed = Blueprint("changes", __name__)
    feed.before_request(authenticate)
    endpoints = {t.name: t.endpoint for t in registry.types}  # once, not per request

    @feed.get(CHANGES_PATH)
    def changes() -> Response:
        if request.args.get("cursor") == "end":
            return _page(FeedPage([], follow.end(), False), endpoints)
        return _page(follow(_number("cursor", 0), _number("limit", DEFAULT_LIMIT)), endpoints)

    return feed
