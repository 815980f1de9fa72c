"""Helpers for the HTTP tests: URNs, request bodies, and assertions on SCIM responses."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.conftest import AUTH, Client

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE_URN = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
SCIM_UTF8 = "application/scim+json; charset=utf-8"


def user_body(user_name: str, **attrs: Any) -> dict[str, Any]:
    return {"schemas": [USER_URN], "userName": user_name, **attrs}


def group_body(display_name: str, members: list[str] | None = None, **attrs: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [GROUP_URN], "displayName": display_name, **attrs}
    if members is not None:
        body["members"] = [{"value": m} for m in members]
    return body


def create_user(api: Client, user_name: str, **attrs: Any) -> dict[str, Any]:
    resp = api.post("/Users", user_body(user_name, **attrs))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.json  # type: ignore[no-any-return]


def create_group(api: Client, display_name: str, members: list[str] | None = None,
                 **attrs: Any) -> dict[str, Any]:
    resp = api.post("/Groups", group_body(display_name, members, **attrs))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.json  # type: ignore[no-any-return]


def get_json(api: Client, path: str) -> dict[str, Any]:
    resp = api.get(path)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.json  # type: ignore[no-any-return]


def filter_url(endpoint: str, expr: str, **params: Any) -> str:
    """`endpoint?filter=<expr percent-encoded>&k=v…`, as most IdPs put it on the wire."""
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    return f"{endpoint}?filter={quote(expr, safe='')}{extra}"


def search(api: Client, endpoint: str, expr: str, **params: Any) -> dict[str, Any]:
    return get_json(api, filter_url(endpoint, expr, **params))


def ids_of(listing: dict[str, Any]) -> list[str]:
    return [r["id"] for r in listing["Resources"]]


def member_ids(group: dict[str, Any]) -> set[str]:
    return {m["value"] for m in group.get("members", [])}


def patch_message(*operations: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp request body (RFC 7644 §3.5.2) with these operations."""
    return {"schemas": [PATCH_URN], "Operations": list(operations)}


def send_patch(api: Client, path: str, *operations: dict[str, Any], **kw: Any) -> Any:
    return api.patch(path, patch_message(*operations), **kw)


def raw(api: Client, method: str, path: str, data: bytes | str | None = None,
        content_type: str | None = "application/scim+json", headers: dict[str, str] | None = None,
        auth: bool = True) -> Any:
    """A request with an exact body (bytes on the wire), for malformed or unusual input."""
    h = dict(AUTH) if auth else {}
    if content_type is not None:
        h["Content-Type"] = content_type
    h.update(headers or {})
    url = path if path.startswith("/scim") else "/scim/v2" + path
    return api.raw.open(url, method=method, data=data, headers=h)


def assert_scim_error(resp: Any, status: int, scim_type: str | None = None) -> dict[str, Any]:
    """The response is a SCIM Error (RFC 7644 §3.12) with this status (as a string) and scimType."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/scim+json"
    body = resp.json
    assert body["schemas"] == [ERROR_URN]
    assert body["status"] == str(status)
    assert isinstance(body.get("detail"), str) and body["detail"]
    if scim_type is None:
        assert "scimType" not in body, body
    else:
        assert body.get("scimType") == scim_type, body
    return body  # type: ignore[no-any-return]


def total(api: Client, endpoint: str) -> int:
    return int(get_json(api, endpoint + "?count=0")["totalResults"])
