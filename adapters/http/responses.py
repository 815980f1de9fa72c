"""Writing resources: canonical camelCase, `returned` honoured, meta with the URL the client sees."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.model import GROUP, USER
from domain.query.projection import EVERYTHING, Projection
from domain.schema.attributes import Attribute, ResourceType
from domain.schema.core import EXTERNAL_ID, META
from domain.use_cases.common import View

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def timestamp(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _pick(value: dict[str, Any], names: list[str]) -> dict[str, Any]:
    return {n: value[n] for n in names if value.get(n) is not None}


def _visible(schema: str, attrs: tuple[Attribute, ...], data: dict[str, Any], proj: Projection) -> dict[str, Any]:
    """The attributes of `data` the projection wants, in schema order, sub-attributes included.
    Which sub-attributes are wanted is decided once per attribute, not once per value (a group
    may have 100k members)."""
    out: dict[str, Any] = {}
    for attr in attrs:
        value = data.get(attr.name)
        if value is None or not proj.wants(schema, attr):
            continue
        if attr.sub_attributes:
            names = [s.name for s in attr.sub_attributes if proj.wants(schema, attr, s)]
            if isinstance(value, list):
                value = [p for v in value if isinstance(v, dict) and (p := _pick(v, names))]
            elif isinstance(value, dict):
                value = _pick(value, names)
            if not value:
                continue
        out[attr.name] = value
    return out


def _related(view: View, rtype: ResourceType, base_url: str) -> tuple[str, list[dict[str, Any]]] | None:
    r = view.resource
    if r.resource_type == USER and view.groups:
        return "groups", [
            {"value": g.value, "$ref": f"{base_url}/Groups/{g.value}", "display": g.display, "type": "direct"}
            for g in view.groups
        ]
    if r.resource_type == GROUP and view.members:
        return "members", [
            {"value": m.value, "$ref": f"{base_url}/Users/{m.value}", "display": m.display, "type": m.type}
            for m in view.members
        ]
    return None


def render(view: View, rtype: ResourceType, base_url: str, proj: Projection = EVERYTHING) -> dict[str, Any]:
    """The SCIM representation of a resource (RFC 7643 §3), projected by attributes /
    excludedAttributes; `returned: never` (password) is never written."""
    r = view.resource
    core = rtype.schema.id
    data = dict(r.data)
    related = _related(view, rtype, base_url)
    if related is not None:
        data[related[0]] = related[1]
    exts = {s.id: _visible(s.id, s.attributes, r.data[s.id], proj)
            for s, _ in rtype.extensions if isinstance(r.data.get(s.id), dict)}
    out: dict[str, Any] = {"schemas": [core] + [k for k, v in exts.items() if v], "id": r.id}
    if r.external_id is not None and proj.wants("", EXTERNAL_ID):
        out["externalId"] = r.external_id
    out.update(_visible(core, rtype.schema.attributes, data, proj))
    out.update({k: v for k, v in exts.items() if v})
    if proj.wants("", META):
        meta = {
            "resourceType": rtype.name,
            "created": timestamp(r.created),
            "lastModified": timestamp(r.last_modified),
            "location": f"{base_url}{rtype.endpoint}/{r.id}",
            "version": r.etag,
        }
        out["meta"] = {s.name: meta[s.name] for s in META.sub_attributes if proj.wants("", META, s)}
    return out


def wants_related(rtype: ResourceType, proj: Projection) -> bool:
    """Whether a response needs the derived members (Group) or groups (User): when it does not,
    they are never read (a 100k-member group costs what a user costs)."""
    name = "members" if rtype.name == GROUP else "groups"
    attr = rtype.schema.attribute(name)
    return attr is not None and proj.wants(rtype.schema.id, attr)


def list_response(resources: list[dict[str, Any]], total: int, start_index: int) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
