"""The PATCH engine (RFC 7644 §3.5.2) on the schema data: add, remove, replace with attribute,
sub-attribute, URN-qualified and value-filter paths, and path-less values. It works on a copy of
the resource's attributes; group members become membership steps for the membership port."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from domain.errors import InvalidPath, InvalidValue, Mutability, NoTarget
from domain.idp.policy import Policy
from domain.patch.holders import current_value, drop_empty, holder_of
from domain.patch.values import (
    as_list,
    canonical,
    coerce,
    elem_value,
    ids_in,
    json_key,
    seed,
    with_primary,
)
from domain.query.ast import AttrPath
from domain.query.evaluate import element_matches
from domain.query.parser import PatchPath, parse_path
from domain.query.paths import resolve
from domain.schema.attributes import COMPLEX, IMMUTABLE, READ_ONLY, Attribute, ResourceType

OPS = ("add", "remove", "replace")


@dataclass(frozen=True)
class PatchOp:
    op: str
    path: str | None = None
    value: Any = None
    has_value: bool = False


@dataclass
class PatchResult:
    data: dict[str, Any]
    member_steps: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)

    def add_step(self, op: str, items: list[dict[str, Any]]) -> None:
        """Consecutive adds (or removes) merge into one step: 100 `members[value eq "x"]`
        removes cost one statement, not 100."""
        if op in ("add", "remove") and self.member_steps and self.member_steps[-1][0] == op:
            self.member_steps[-1][1].extend(items)
        else:
            self.member_steps.append((op, list(items)))


class PatchEngine:
    """Applies one PATCH request's operations to a resource's attributes."""

    def __init__(self, rtype: ResourceType, policy: Policy | None = None) -> None:
        self.rtype, self.policy = rtype, policy or Policy()

    def apply(self, resource_id: str, data: dict[str, Any], ops: list[PatchOp]) -> PatchResult:
        limits = self.policy.limits
        if len(ops) > limits.patch_operations:
            raise InvalidValue(limits.exceeded("patch_operations", f"{len(ops)} operations in one PATCH"))
        result = PatchResult(copy.deepcopy(data))
        for op in ops:
            name = op.op.lower() if isinstance(op.op, str) else ""
            if name not in OPS:
                raise InvalidValue(f"unknown PATCH op {op.op!r}: use add, remove or replace")
            if name != "remove" and not op.has_value:
                raise InvalidValue(f"'{name}' needs a value")
            if op.path is None or (isinstance(op.path, str) and not op.path.strip()):
                if name == "remove":
                    raise NoTarget("'remove' needs a path")
                self._pathless(name, resource_id, op.value, result)
                continue
            if not isinstance(op.path, str):
                raise InvalidPath("'path' must be a string")
            if len(op.path) > limits.filter_length:
                raise InvalidPath(limits.exceeded("filter_length", f"a path of {len(op.path)} characters"))
            ext = self.rtype.extension(op.path.strip())
            if ext is not None:  # the extension as a whole: its attributes are the value's keys
                if name == "remove" or op.value is None:
                    result.data.pop(ext.id, None)
                elif not isinstance(op.value, dict):
                    raise InvalidValue(f"'{ext.id}' needs an object value")
                else:
                    self._pathless(name, resource_id, {ext.id: op.value}, result)
                continue
            target = parse_path(self.rtype, op.path)
            self._apply(name, resource_id, target, op.value, op.has_value, result)
        return result

    # Path-less add/replace: each key of the value is a path (Entra sends dotted and URN keys).
    def _pathless(self, op: str, resource_id: str, value: Any, result: PatchResult) -> None:
        if not isinstance(value, dict):
            raise InvalidValue(f"a path-less '{op}' needs an object value")
        for key, item in value.items():
            if not isinstance(key, str) or key.lower() in ("schemas", "meta"):
                continue
            ext = self.rtype.extension(key)
            if ext is not None and isinstance(item, dict):
                for sub_key, sub_value in item.items():
                    self._apply_key(op, resource_id, f"{ext.id}:{sub_key}", sub_value, result)
                continue
            self._apply_key(op, resource_id, key, item, result)

    def _apply_key(self, op: str, resource_id: str, key: str, value: Any, result: PatchResult) -> None:
        try:
            target = PatchPath(resolve(self.rtype, key))
        except InvalidPath:
            if self.policy.unknown == "reject":
                raise InvalidPath(f"unknown attribute '{key}'") from None
            return  # unknown attributes are ignored by policy, as in POST and PUT
        self._apply(op, resource_id, target, value, True, result)

    def _apply(self, op: str, resource_id: str, target: PatchPath, value: Any, has_value: bool,
               result: PatchResult) -> None:
        path = target.path
        if path.schema == "" and path.attribute.name == "id":
            if op == "remove" or value != resource_id:
                raise Mutability("'id' is readOnly")
            return  # Okta renames a group with {"id": ..., "displayName": ...}: an equal id is ignored
        if path.attribute.name == self.rtype.memberships and not path.extension:
            self._members(op, target, value, has_value, result)
            return
        self._check_mutability(op, target, value, result.data)
        if value is None and op != "remove":
            op = "remove"  # null means unassigned (RFC 7643 §2.5)
        attr = path.attribute
        if (op != "remove" and attr.type == COMPLEX and not attr.multi_valued and path.sub is None
                and target.filter is None and not isinstance(value, dict) and attr.sub("value")):
            value = {"value": value}  # Entra sends manager as a bare id (Δ9)
        holder = holder_of(result.data, path, create=op != "remove")
        if holder is None:
            return
        if target.filter is not None:
            self._filtered(op, target, value, holder)
        elif path.sub is not None:
            self._sub(op, path, value, holder)
        elif attr.multi_valued:
            self._multi(op, attr, value, has_value, holder)
        elif op == "remove":
            holder.pop(attr.name, None)
        elif attr.type == COMPLEX:
            if not isinstance(value, dict):
                raise InvalidValue(f"'{path.name}' needs an object value")
            current = holder.get(attr.name)
            merged = dict(current) if isinstance(current, dict) else {}
            merged.update(self._canon(attr, value))
            holder[attr.name] = merged
        else:
            holder[attr.name] = self._coerce(attr, value)
        drop_empty(result.data, path)

    def _canon(self, attr: Attribute, value: Any) -> Any:
        return canonical(attr, value, self.policy.unknown == "reject", self.policy.string_booleans)

    def _coerce(self, attr: Attribute, value: Any) -> Any:
        return coerce(attr, value, self.policy.string_booleans)

    def _check_mutability(self, op: str, target: PatchPath, value: Any, data: dict[str, Any]) -> None:
        leaf = (target.sub.leaf if target.sub else None) or target.path.leaf
        if leaf.mutability == READ_ONLY:
            if op != "remove" and current_value(data, target.path) == value:
                return  # a readOnly value equal to the stored one is ignored
            raise Mutability(f"'{target.path.name}' is readOnly")
        if leaf.mutability == IMMUTABLE and current_value(data, target.path) not in (None, value):
            raise Mutability(f"'{target.path.name}' is immutable")

    def _multi(self, op: str, attr: Attribute, value: Any, has_value: bool, holder: dict[str, Any]) -> None:
        current = holder.get(attr.name) or []
        if op == "remove":
            if has_value and value is not None:
                if not self.policy.remove_value_list:
                    raise InvalidValue(f"'remove' on '{attr.name}' takes no value; use a value filter path")
                drop = {json_key(v.get("value") if isinstance(v, dict) else v) for v in as_list(value)}
                holder[attr.name] = [e for e in current if json_key(elem_value(e)) not in drop]
            else:
                holder.pop(attr.name, None)
            return
        new: list[Any] = []
        for v in as_list(value):
            v = self._canon(attr, v)
            if v not in new:
                new.append(v)
        if op == "replace":
            holder[attr.name] = with_primary(new, [])
            return
        kept = [e for e in current if e not in new]
        holder[attr.name] = with_primary(kept, [e for e in new if e not in kept])

    def _sub(self, op: str, path: AttrPath, value: Any, holder: dict[str, Any]) -> None:
        attr, sub = path.attribute, path.sub
        assert sub is not None
        if attr.multi_valued:
            raise InvalidPath(f"'{path.name}' needs a value filter, e.g. {attr.name}[type eq \"work\"].{sub.name}")
        parent = holder.get(attr.name)
        if op == "remove":
            if isinstance(parent, dict):
                parent.pop(sub.name, None)
            return
        parent = dict(parent) if isinstance(parent, dict) else {}
        parent[sub.name] = self._coerce(sub, value)
        holder[attr.name] = parent

    def _filtered(self, op: str, target: PatchPath, value: Any, holder: dict[str, Any]) -> None:
        attr, expr = target.path.attribute, target.filter
        assert expr is not None
        elements = [dict(e) for e in holder.get(attr.name) or [] if isinstance(e, dict)]
        hits = [i for i, e in enumerate(elements) if element_matches(expr, e)]
        sub_attr = target.sub.leaf if target.sub else None
        sub = sub_attr.name if sub_attr else None
        if op == "remove":
            if sub is None:
                elements = [e for i, e in enumerate(elements) if i not in hits]
            else:
                for i in hits:
                    elements[i].pop(sub, None)
            holder[attr.name] = [e for e in elements if e]
            return
        if not hits:
            if self.policy.unmatched_filter != "create":
                raise NoTarget(f"no value of '{attr.name}' matches the filter")
            elements.append(seed(expr))
            hits = [len(elements) - 1]
        for i in hits:
            if sub_attr is not None:
                elements[i][sub_attr.name] = self._coerce(sub_attr, value)
            elif isinstance(value, dict):
                elements[i] = self._canon(attr, value) if op == "replace" else {**elements[i], **self._canon(attr, value)}
            else:
                raise InvalidValue(f"'{target.path.name}' needs an object value")
        primary = [elements[i] for i in hits if elements[i].get("primary") is True]
        holder[attr.name] = with_primary([e for e in elements if e not in primary], primary)

    def _members(self, op: str, target: PatchPath, value: Any, has_value: bool, result: PatchResult) -> None:
        if target.sub is not None or target.path.sub is not None:
            raise InvalidPath("members can only be changed as a whole value")
        if target.filter is not None:
            if op != "remove":
                raise InvalidPath("a members value filter is only supported with 'remove'")
            ids = ids_in(target.filter)
            if ids is None:
                raise InvalidPath('members filters must be of the form members[value eq "<id>"]')
            result.add_step("remove", [{"value": i} for i in ids])
            return
        if op == "remove" and not (has_value and value is not None):
            result.add_step("replace", [])  # RFC 7644 §3.5.2.2: remove all members
            return
        if op == "remove" and not self.policy.remove_value_list:
            raise InvalidValue("'remove' on 'members' takes no value; use members[value eq \"<id>\"]")
        items = [self._canon(target.path.attribute, i) for i in as_list(value)]
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("value"), str):
                raise InvalidValue("every member needs a 'value' (the member's id)")
        result.add_step(op, items)
