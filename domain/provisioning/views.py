"""What a response needs beside a resource, read once per resource type: a user's groups, a
group's members (both from the membership port; never read when the response omits them)."""

from __future__ import annotations

from collections.abc import Callable

from domain.model import GROUP, USER, Resource
from domain.ports import UnitOfWork
from domain.provisioning.commands import View

Views = Callable[[UnitOfWork, list[Resource], bool], list[View]]

# members read per chunk of a streamed group; a group with no more is carried whole
MEMBER_CHUNK = 2000


def _users(uow: UnitOfWork, users: list[Resource], related: bool) -> list[View]:
    groups = uow.memberships.groups_of_many([u.id for u in users]) if related else {}
    return [View(u, groups=groups.get(u.id, [])) for u in users]


def _groups(uow: UnitOfWork, groups: list[Resource], related: bool) -> list[View]:
    return [View(g, members=uow.memberships.members(g.id) if related else None) for g in groups]


def _group(uow: UnitOfWork, group: Resource, related: bool) -> View:
    if not related:
        return View(group)
    members = uow.memberships.members(group.id, limit=MEMBER_CHUNK + 1)
    if len(members) > MEMBER_CHUNK:  # too many to carry: GetResource.open streams them
        return View(group, more_members=True)
    return View(group, members=members)


def _user(uow: UnitOfWork, user: Resource, related: bool) -> View:
    return View(user, groups=uow.memberships.groups_of(user.id) if related else None)


# resource type -> how a page of it, and one of it, gets its derived attribute
_MANY: dict[str, Views] = {USER: _users, GROUP: _groups}
_ONE: dict[str, Callable[[UnitOfWork, Resource, bool], View]] = {USER: _user, GROUP: _group}


def view_of(uow: UnitOfWork, resource: Resource, related: bool) -> View:
    """One resource with its derived attribute when `related`; a group with more than
    MEMBER_CHUNK members comes without them, marked `more_members` (the write use cases' views:
    the response reads them with GetResource.open, streamed)."""
    return _ONE[resource.resource_type](uow, resource, related)


def views_of(uow: UnitOfWork, resource_type: str, items: list[Resource], related: bool) -> list[View]:
    """A page of resources, with their derived attributes read in as few round trips as the
    port allows (a page of users' groups in one)."""
    return _MANY[resource_type](uow, items, related)
