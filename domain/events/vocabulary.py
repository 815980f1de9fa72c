"""The event vocabulary: each change record as the events an application acts on
(`user.created`, `user.deactivated`, `group.members_added`, ...). Events name resources,
attributes and members by id, never an attribute's value: a payload never carries a password,
an email or a name. An event's id comes from its change record's number and its place among
that record's events, so a redelivery carries the same id (receivers de-duplicate on it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.audit import CREATE, DEACTIVATE, DELETE, REACTIVATE, Change
from domain.errors import InvalidValue
from domain.feed import Recorded
from domain.model import GROUP, USER

USER_TYPES = ("user.created", "user.updated", "user.deactivated", "user.reactivated",
              "user.deleted")
GROUP_TYPES = ("group.created", "group.updated", "group.members_added", "group.members_removed",
               "group.deleted")
EVENT_TYPES = USER_TYPES + GROUP_TYPES
ALL = "*"  # a subscription to every event type
MEMBER_CHUNK = 1000  # member ids per members_added/removed event: a 10k-member PATCH is 10 events
_VERBS = {CREATE: "created", DELETE: "deleted", DEACTIVATE: "deactivated",
          REACTIVATE: "reactivated"}  # replace and patch: updated


@dataclass(frozen=True, slots=True)
class Event:
    """One event: `seq` is its change record's number and `index` its place among that record's
    events (together its identity), `at` the time of the change."""

    seq: int
    index: int
    type: str
    resource_type: str
    resource_id: str
    at: datetime
    principal: str
    request_id: str | None = None
    attributes: tuple[str, ...] = ()
    members: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"evt_{self.seq}_{self.index}"

    def data(self) -> dict[str, Any]:
        """The event's data as JSON values (camelCase, as SCIM names things)."""
        data: dict[str, Any] = {"resourceType": self.resource_type, "id": self.resource_id}
        if self.type.endswith(("created", "updated", "activated")):
            data["attributes"] = list(self.attributes)
        if self.members:
            data["members"] = list(self.members)
        data["principal"] = self.principal
        data["requestId"] = self.request_id
        return data


def _type_of(change: Change) -> str:
    noun = {USER: "user", GROUP: "group"}.get(change.resource_type, change.resource_type.lower())
    return f"{noun}.{_VERBS.get(change.operation, 'updated')}"


def _chunks(ids: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [ids[i:i + MEMBER_CHUNK] for i in range(0, len(ids), MEMBER_CHUNK)]


def _kinds(change: Change) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(type, attributes, members) of each event of one change, in order."""
    if change.resource_type != GROUP or change.operation == DELETE:
        return [(_type_of(change), change.attributes, ())]
    attributes = tuple(a for a in change.attributes if a != "members")
    kinds: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    if change.operation == CREATE or attributes:  # a PATCH of members alone is no group.updated
        kinds.append((_type_of(change), attributes, ()))
    kinds += [("group.members_added", (), ids) for ids in _chunks(change.members_added)]
    kinds += [("group.members_removed", (), ids) for ids in _chunks(change.members_removed)]
    return kinds


def events_of(record: Recorded) -> list[Event]:
    """The events of one change record, in order: most give one; a group write may give
    `group.updated` (attributes other than members changed), then `group.members_added` and
    `group.members_removed`, each in chunks of MEMBER_CHUNK ids; a group created with members
    gives `group.created` and `group.members_added`."""
    c = record.change
    return [Event(record.seq, i, kind, c.resource_type, c.resource_id, c.at, c.principal,
                  c.request_id, attributes, members)
            for i, (kind, attributes, members) in enumerate(_kinds(c))]


def check_types(types: tuple[str, ...]) -> tuple[str, ...]:
    """The event types a subscription names, checked: known ones or `*`; an unknown one
    raises InvalidValue naming it and the known ones."""
    unknown = [t for t in types if t != ALL and t not in EVENT_TYPES]
    if unknown or not types:
        raise InvalidValue(f"unknown event type(s) {', '.join(unknown) or '(none given)'}; "
                         f"known: {', '.join(EVENT_TYPES)} or {ALL}")
    return tuple(dict.fromkeys(types))
