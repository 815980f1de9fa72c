"""The in-memory store, its repositories and unit of work. A write transaction holds the store's
lock until it ends and keeps an undo log, so a rollback leaves no trace."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Generator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from types import TracebackType
from typing import Any

from domain.audit import Change
from domain.errors import InvalidValue, NotFound, PreconditionFailed, Uniqueness
from domain.model import GROUP, USER, GroupRef, MemberRef, Page, Resource
from domain.ports import MembershipRepository, ResourceRepository
from domain.query import ordering
from domain.query.ast import Literal, Query
from domain.query.evaluate import matches
from domain.query.values import sort_kind
from domain.text import fold


@dataclass
class InMemoryStore:
    """Everything the memory adapters keep; one per process."""

    users: dict[str, Resource] = field(default_factory=dict)
    groups: dict[str, Resource] = field(default_factory=dict)
    user_names: dict[str, str] = field(default_factory=dict)  # fold(userName) -> id
    members: dict[str, set[str]] = field(default_factory=dict)  # group id -> user ids
    member_of: dict[str, set[str]] = field(default_factory=dict)  # user id -> group ids
    changes: list[Change] = field(default_factory=list)  # in commit order
    changes_pruned: int = 0  # records pruned from the front: changes[i] is number pruned + i + 1
    lock: threading.RLock = field(default_factory=threading.RLock)


class _Undo:
    def __init__(self) -> None:
        self.steps: list[Callable[[], object]] = []  # what a step returns is ignored

    def __call__(self, step: Callable[[], object]) -> None:
        self.steps.append(step)


class InMemoryResources:
    """Users or Groups in memory."""

    def __init__(self, store: InMemoryStore, kind: str, undo: _Undo) -> None:
        self._store, self._kind, self._undo = store, kind, undo
        self._items: dict[str, Resource] = getattr(store, _ITEMS[kind])
        self._unique_name = kind in _UNIQUE_USER_NAME

    def get(self, resource_id: str) -> Resource:
        try:
            return self._items[resource_id].copy()
        except KeyError:
            raise NotFound(f"{self._kind} {resource_id} not found") from None

    def add(self, resource: Resource) -> None:
        if resource.id in self._items:
            raise Uniqueness(f"{self._kind} id {resource.id} already exists")
        self._claim_name(resource)
        self._items[resource.id] = resource.copy()

        def undo() -> None:
            self._items.pop(resource.id, None)
            self._release_name(resource)

        self._undo(undo)

    def save(self, resource: Resource, expected_version: int | None = None,
             changed: Collection[str] | None = None) -> None:
        old = self._items.get(resource.id)
        if old is None:
            raise NotFound(f"{self._kind} {resource.id} not found")
        if expected_version is not None and old.version != expected_version:
            raise PreconditionFailed(f"version mismatch: the resource is at {old.etag}")
        self._release_name(old)
        try:
            self._claim_name(resource)
        except Uniqueness:
            self._claim_name(old)
            raise
        self._items[resource.id] = resource.copy()
        self._undo(lambda: self._restore(old, resource))

    def _restore(self, old: Resource, new: Resource) -> None:
        self._release_name(new)
        self._claim_name(old)
        self._items[old.id] = old

    def delete(self, resource_id: str) -> None:
        old = self._items.pop(resource_id, None)
        if old is None:
            raise NotFound(f"{self._kind} {resource_id} not found")
        # memberships go with their user or group, as the SQL store's foreign keys cascade
        _CASCADE[self._kind](InMemoryMemberships(self._store, self._undo), resource_id)
        self._release_name(old)

        def restore() -> None:
            self._claim_name(old)
            self._items[old.id] = old

        self._undo(restore)

    def search(self, query: Query) -> Page:
        found = [r for r in self._items.values() if query.filter is None or matches(query.filter, r, self._related)]
        total = len(found) if query.with_total else None
        sort, after = query.sort, query.after
        keys: dict[str, Literal]
        if sort is None:  # (created, id); the key is the created time as ISO text
            found.sort(key=lambda r: (r.created, r.id))
            if after is not None:
                position = (ordering.position_time(after.value), after.id)
                found = [r for r in found if (r.created, r.id) > position]
            keys = {r.id: r.created.isoformat() for r in found}
        else:
            target = ordering.sort_target(sort.path)
            keys = {r.id: ordering.sort_key(target, r, self._related_in_order) for r in found}
            ordering.sort_resources(found, keys, sort.descending)
            if after is not None:
                value = ordering.position_value(sort_kind(target.leaf), after.value)
                found = [r for r in found if ordering.follows(keys[r.id], r.id, value, after.id, sort.descending)]
        start = 0 if after is not None else max(query.start_index, 1) - 1
        window = found[start:start + max(query.count, 0)]
        return Page([r.copy() for r in window], total, start + 1, [keys[r.id] for r in window])

    def existing(self, ids: Iterable[str]) -> set[str]:
        return {i for i in ids if i in self._items}

    def touch_many(self, ids: Iterable[str], now: datetime) -> None:
        for i in ids:
            if i in self._items:
                new = self._items[i].copy()
                new.touch(now)
                self.save(new)

    def _related(self, r: Resource, name: str) -> list[dict[str, Any]]:
        """The derived attribute `name` (a group's members, a user's groups) as filters see it."""
        if _RELATED.get(r.resource_type, (None,))[0] != name:
            return []
        _, links, others, kind = _RELATED[r.resource_type]
        s, items = self._store, getattr(self._store, others)
        return [{"value": i, "type": kind, "display": items[i].display_name if i in items else None}
                for i in getattr(s, links).get(r.id, ())]

    def _related_in_order(self, r: Resource, name: str) -> list[dict[str, Any]]:
        """`_related` in id order: the order the responses list members and groups in."""
        return sorted(self._related(r, name), key=lambda e: e["value"])

    def _claim_name(self, r: Resource) -> None:
        if not self._unique_name or not isinstance(r.user_name, str):
            return
        key, holder = fold(r.user_name), None
        holder = self._store.user_names.get(key)
        if holder is not None and holder != r.id:
            raise Uniqueness(f"userName '{r.user_name}' is already taken")
        self._store.user_names[key] = r.id

    def _release_name(self, r: Resource) -> None:
        if self._unique_name and isinstance(r.user_name, str):
            self._store.user_names.pop(fold(r.user_name), None)


class InMemoryMemberships:
    """Membership rows as two dicts of sets (group -> users, user -> groups)."""

    def __init__(self, store: InMemoryStore, undo: _Undo) -> None:
        self._s, self._undo = store, undo

    def _link(self, group_id: str, user_id: str) -> None:
        self._s.members.setdefault(group_id, set()).add(user_id)
        self._s.member_of.setdefault(user_id, set()).add(group_id)

    def _unlink(self, group_id: str, user_id: str) -> None:
        self._s.members.get(group_id, set()).discard(user_id)
        self._s.member_of.get(user_id, set()).discard(group_id)

    def add(self, group_id: str, member_ids: Iterable[str]) -> set[str]:
        current = self._s.members.get(group_id, set())
        added = {m for m in member_ids if m not in current}
        unknown = sorted(m for m in added if m not in self._s.users)
        if unknown or group_id not in self._s.groups:
            raise InvalidValue(f"unknown member or group id(s): {', '.join(unknown[:20]) or group_id}")
        for m in added:
            self._link(group_id, m)
            self._undo(partial(self._unlink, group_id, m))
        return added

    def remove(self, group_id: str, member_ids: Iterable[str]) -> set[str]:
        current = self._s.members.get(group_id, set())
        removed = {m for m in member_ids if m in current}
        for m in removed:
            self._unlink(group_id, m)
            self._undo(partial(self._link, group_id, m))
        return removed

    def replace(self, group_id: str, member_ids: Iterable[str]) -> tuple[set[str], set[str]]:
        wanted = set(member_ids)
        current = set(self._s.members.get(group_id, set()))
        return self.add(group_id, wanted - current), self.remove(group_id, current - wanted)

    def is_member(self, group_id: str, member_id: str) -> bool:
        return member_id in self._s.members.get(group_id, set())

    def members(self, group_id: str, after: str | None = None, limit: int | None = None) -> list[MemberRef]:
        # every member exists: adds check it, and deleting a user or group drops its memberships
        ids = sorted(m for m in self._s.members.get(group_id, set()) if after is None or m > after)[:limit]
        return [MemberRef(m, self._s.users[m].display_name) for m in ids]

    def member_chunks(self, group_id: str, size: int) -> Generator[list[MemberRef], None, None]:
        members = self.members(group_id)  # one snapshot; the unit of work holds the store's lock
        for i in range(0, len(members), size):
            yield members[i:i + size]

    def groups_of(self, member_id: str) -> list[GroupRef]:
        ids = sorted(self._s.member_of.get(member_id, set()))
        return [GroupRef(g, self._s.groups[g].display_name) for g in ids]

    def groups_of_many(self, member_ids: Iterable[str]) -> dict[str, list[GroupRef]]:
        return {m: refs for m in member_ids if (refs := self.groups_of(m))}

    def drop_member(self, member_id: str) -> list[str]:
        groups = sorted(self._s.member_of.get(member_id, set()))
        for g in groups:
            self.remove(g, [member_id])
        return groups

    def drop_group(self, group_id: str) -> None:
        self.remove(group_id, list(self._s.members.get(group_id, set())))


# resource type -> where its items live, what goes with a deleted one (as the SQL store's foreign
# keys cascade), and its derived attribute: (name, links by id, the linked items, their type)
_ITEMS = {USER: "users", GROUP: "groups"}
_UNIQUE_USER_NAME = frozenset({USER})
_CASCADE: dict[str, Callable[[InMemoryMemberships, str], object]] = {
    USER: InMemoryMemberships.drop_member, GROUP: InMemoryMemberships.drop_group,
}
_RELATED = {GROUP: ("members", "members", "users", USER), USER: ("groups", "member_of", "groups", "direct")}


class InMemoryUnitOfWork:
    """A transaction on the store: holds its lock, undoes everything unless committed."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._undo = _Undo()
        self._pending: list[Change] = []
        # typed as the ports declare them: protocol attributes are invariant
        self.users: ResourceRepository = InMemoryResources(store, USER, self._undo)
        self.groups: ResourceRepository = InMemoryResources(store, GROUP, self._undo)
        self._by_type = {USER: self.users, GROUP: self.groups}
        self.memberships: MembershipRepository = InMemoryMemberships(store, self._undo)
        self.commits = 0

    def __enter__(self) -> InMemoryUnitOfWork:
        self._store.lock.acquire()
        self._undo.steps.clear()
        self._pending.clear()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.rollback()
        finally:
            self._store.lock.release()

    def repository(self, resource_type: str) -> ResourceRepository:
        return self._by_type[resource_type]

    def record(self, change: Change) -> None:
        self._pending.append(change)

    def commit(self) -> None:
        self._store.changes.extend(self._pending)
        self._pending.clear()
        self._undo.steps.clear()
        self.commits += 1

    def rollback(self) -> None:
        for step in reversed(self._undo.steps):
            step()
        self._undo.steps.clear()
        self._pending.clear()


class InMemoryTransactions:
    """Opens units of work on one store."""

    def __init__(self, store: InMemoryStore | None = None) -> None:
        self.store = store or InMemoryStore()

    def __call__(self, *, write: bool, snapshot: bool = False) -> InMemoryUnitOfWork:
        # every unit of work holds the store's lock: each is a snapshot already
        return InMemoryUnitOfWork(self.store)
