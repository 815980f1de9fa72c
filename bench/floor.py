"""The floor: bare Flask answering fixed SCIM-shaped JSON on the routes the scenarios hit.

    SCIM_BENCH_AUTH="Basic ..." gunicorn -c bench/gunicorn_bench.py floor:app

What any SCIM server on this stack must do at least, and no more: route the request, compare the
Authorization header with the configured one, read and parse the JSON body, and answer bytes of
the size a real answer has. Bodies are joined from fragments prepared once per worker: a user
(about 650 bytes, like the service's), a group member (value, $ref, display, type). How many
resources a list holds, or how many members a group lists, is told by the client in an
X-Bench-Size header (the service ignores it); `excludedAttributes=members` drops the members, as
the service does. Nothing is stored and nothing is looked up.
"""

from __future__ import annotations

import json
import os
import uuid

from flask import Flask, Response, request

SCIM_JSON = "application/scim+json"
BASE = "http://127.0.0.1/scim/v2"
AUTH = os.environ.get("SCIM_BENCH_AUTH", "")
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
META_TIME = "2024-01-01T00:00:01Z"

app = Flask(__name__)


def _user(n: int) -> bytes:
    uid = str(uuid.UUID(int=n + 1))
    return json.dumps({
        "schemas": [USER_SCHEMA, ENTERPRISE], "id": uid, "externalId": f"ext-{n:07d}",
        "userName": f"User{n:07d}@Example.com",
        "name": {"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
        "displayName": f"Ada Lovelace {n}", "title": "Software Engineer", "active": True,
        "emails": [{"value": f"ada.lovelace.{n}@mail.example.org", "type": "work",
                    "primary": True}],
        ENTERPRISE: {"department": "Engineering"},
        "meta": {"resourceType": "User", "created": META_TIME, "lastModified": META_TIME,
                 "location": f"{BASE}/Users/{uid}", "version": 'W/"1"'},
    }).encode()


def _member(n: int) -> bytes:
    uid = str(uuid.UUID(int=n + 1))
    return json.dumps({"value": uid, "$ref": f"{BASE}/Users/{uid}",
                       "display": f"Ada Lovelace {n}", "type": "User"}).encode()


def _first(cache: list[bytes], make, n: int) -> list[bytes]:  # noqa: ANN001
    while len(cache) < n:
        cache.append(make(len(cache)))
    return cache[:n]


USER = _user(0)
_users: list[bytes] = []
_members: list[bytes] = []
# made when the worker starts, not in a measured step: as many members as the run's group gets
_first(_members, _member, int(os.environ.get("SCIM_BENCH_MEMBERS", "0")))
_first(_users, _user, 1000)


def _answer(body: bytes, status: int = 200, **headers: str) -> Response:
    return Response(body, status, {"Content-Type": SCIM_JSON, "ETag": 'W/"1"', **headers})


def _size(default: int) -> int:
    return int(request.headers.get("X-Bench-Size", default))


@app.before_request
def authenticate() -> Response | None:
    if request.headers.get("Authorization") != AUTH:
        return Response(b'{"status":"401"}', 401, {"Content-Type": SCIM_JSON})
    if request.method in ("POST", "PUT", "PATCH"):
        json.loads(request.get_data())  # a body must at least be parsed
    return None


@app.get("/scim/v2/Users/<rid>")
@app.put("/scim/v2/Users/<rid>")
@app.patch("/scim/v2/Users/<rid>")
def user(rid: str) -> Response:  # noqa: ARG001
    return _answer(USER)


@app.post("/scim/v2/Users")
def create_user() -> Response:
    return _answer(USER, 201, Location=f"{BASE}/Users/{uuid.UUID(int=1)}")


@app.delete("/scim/v2/Users/<rid>")
@app.delete("/scim/v2/Groups/<rid>")
def delete(rid: str) -> Response:  # noqa: ARG001
    return Response(b"", 204)


@app.get("/scim/v2/Users")
def list_users() -> Response:
    count = min(int(request.args.get("count", 100)), 1000)
    n = _size(count)
    head = {"schemas": [LIST], "totalResults": n, "itemsPerPage": n}
    if "cursor" in request.args:
        head["nextCursor"] = "Zmxvb3ItY3Vyc29yLW5vdC1hLXJlYWwtb25l"
    else:
        head["startIndex"] = int(request.args.get("startIndex", 1))
    body = json.dumps(head).encode()[:-1] + b', "Resources": ['
    return _answer(body + b", ".join(_first(_users, _user, n)) + b"]}")


def _group(status: int = 200) -> Response:
    excluded = request.args.get("excludedAttributes", "").lower().split(",")
    n = 0 if "members" in excluded else _size(0)
    gid = str(uuid.UUID(int=7))
    head = (b'{"schemas": ["' + GROUP_SCHEMA.encode() + b'"], "id": "' + gid.encode()
            + b'", "displayName": "Bench group"')
    if n:
        head += b', "members": [' + b", ".join(_first(_members, _member, n)) + b"]"
    meta = json.dumps({"resourceType": "Group", "created": META_TIME, "lastModified": META_TIME,
                       "location": f"{BASE}/Groups/{gid}", "version": 'W/"1"'}).encode()
    return _answer(head + b', "meta": ' + meta + b"}", status)


@app.get("/scim/v2/Groups/<rid>")
@app.put("/scim/v2/Groups/<rid>")
@app.patch("/scim/v2/Groups/<rid>")
def group(rid: str) -> Response:  # noqa: ARG001
    return _group()


@app.post("/scim/v2/Groups")
def create_group() -> Response:
    return _group(201)
