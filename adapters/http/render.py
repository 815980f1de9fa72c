"""Writing resources: canonical camelCase, `returned` honoured, meta with the URL the client sees."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.model import GROUP, USER
from domain.schema import NEVER, Attribute, ResourceType
from domain.use_cases.common import View

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def timestamp(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _visible(attrs: tuple[Attribute, ...], data: dict[str, Any]) -> dict[str, Any]:
    """The attributes of `data` that may be returned, in schema order, sub-attributes included."""
    out: dict[str, Any] = {}
    for attr in attrs:
        if attr.returned == NEVER or attr.name not in data:
            continue
        value = data[attr.name]
        if attr.sub_attributes:
            if isinstance(value, list):
                value = [_visible(attr.sub_attributes, v) for v in value if isinstance(v, dict)]
            elif isinstance(value, dict):
                value = _visible(attr.sub_attributes, value)
        out[attr.name] = value
    return out


def render(view: View, rtype: ResourceType, base_url: str) -> dict[str, Any]:
    """The SCIM representation of a resource (RFC 7643 §3)."""
    r = view.resource
    location = f"{base_url}{rtype.endpoint}/{r.id}"
    schemas = [rtype.schema.id] + [s.id for s, _ in rtype.extensions if r.data.get(s.id)]
    out: dict[str, Any] = {"schemas": schemas, "id": r.id}
    if r.external_id is not None:
        out["externalId"] = r.external_id
    out.update(_visible(rtype.schema.attributes, r.data))
    if r.resource_type == USER and view.groups:
        out["groups"] = [
            {"value": g.value, "$ref": f"{base_url}/Groups/{g.value}", "display": g.display, "type": "direct"}
            for g in view.groups
        ]
    if r.resource_type == GROUP and view.members:
        out["members"] = [
            {"value": m.value, "$ref": f"{base_url}/Users/{m.value}", "display": m.display, "type": m.type}
            for m in view.members
        ]
    for schema, _ in rtype.extensions:
        if r.data.get(schema.id):
            out[schema.id] = _visible(schema.attributes, r.data[schema.id])
    out["meta"] = {
        "resourceType": rtype.name,
        "created": timestamp(r.created),
        "lastModified": timestamp(r.last_modified),
        "location": location,
        "version": r.etag,
    }
    return _drop_none(out)


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def list_response(resources: list[dict[str, Any]], total: int, start_index: int) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
