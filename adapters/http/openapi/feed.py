"""The change feed's path (adapters/http/changes.py): GET /changes, JSON, authenticated."""

from __future__ import annotations

from typing import Any

from domain.feed import DEFAULT_LIMIT, MAX_LIMIT

Json = dict[str, Any]
_IDS: Json = {"type": "array", "items": {"type": "string"}}

SCHEMAS: dict[str, Json] = {
    "ChangeRecord": {
        "type": "object",
        "required": ["seq", "at", "principal", "operation", "resourceType", "id", "location", "attributes"],
        "properties": {
            "seq": {"type": "integer", "minimum": 1, "description": "its place in the commit order"},
            "at": {"type": "string", "format": "date-time"},
            "principal": {"type": "string", "description": "the credential that made the change"},
            "operation": {"type": "string",
                          "enum": ["create", "replace", "patch", "delete", "deactivate", "reactivate"]},
            "resourceType": {"type": "string"},
            "id": {"type": "string"},
            "location": {"type": "string", "description": "the resource's URL (gone after a delete)"},
            "attributes": {**_IDS, "description": "the top-level attributes changed (names, never values)"},
            "requestId": {"type": "string", "description": "the X-Request-ID of the request that made it"},
            "membersAdded": {**_IDS, "description": "a group's new members"},
            "membersRemoved": {**_IDS, "description": "the members a group lost"},
        },
    },
    "ChangePage": {
        "type": "object", "required": ["changes", "cursor", "more"],
        "properties": {
            "changes": {"type": "array", "items": {"$ref": "#/components/schemas/ChangeRecord"}},
            "cursor": {"type": "string", "pattern": "^[0-9]+$",
                       "description": "pass it back as `cursor` for the changes after this page"},
            "more": {"type": "boolean", "description": "more records are waiting after this page"},
        },
    },
}

_PARAMETERS: list[Json] = [
    {"name": "cursor", "in": "query", "required": False,
     "description": "the `cursor` of the last page read (absent: from the first record; `end`: no "
                    "records, the cursor of the newest one)",
     "schema": {"type": "string", "pattern": "^([0-9]{1,18}|end)$"}},
    {"name": "limit", "in": "query", "required": False, "description": "records per page",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
]


def paths() -> dict[str, Json]:
    ok = {"description": "a page of change records in commit order",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChangePage"}}}}
    responses: Json = {"200": ok}
    responses.update({str(c): {"$ref": f"#/components/responses/{c}"} for c in (400, 401, 410, 429, 500)})
    return {"/changes": {"get": {
        "operationId": "getChanges", "parameters": _PARAMETERS, "responses": responses,
        "summary": "the change feed: every committed change, in commit order, after a cursor"}}}
