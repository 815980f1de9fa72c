"""Read use cases: get one resource, list/search (RFC 7644 §3.4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.errors import NotFound
from domain.model import GROUP, USER, Page
from domain.ports import Transactions
from domain.query.ast import Query
from domain.use_cases.common import View


@dataclass(frozen=True)
class GetCommand:
    principal: str
    resource_type: str
    resource_id: str
    related: bool = True  # whether the response needs the user's groups / the group's members


@dataclass(frozen=True)
class ListCommand:
    principal: str
    resource_type: str
    query: Query
    related: bool = True


@dataclass(frozen=True)
class ListResult:
    views: list[View]
    total: int | None
    start_index: int
    keys: list[Any] | None = None  # each item's sort value, for cursor paging


class GetResource:
    """One User (with its groups) or Group (with its members)."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def __call__(self, cmd: GetCommand) -> View:
        with self._tx(write=False) as uow:
            if cmd.resource_type == USER:
                user = uow.users.get(cmd.resource_id)
                return View(user, groups=uow.memberships.groups_of(user.id) if cmd.related else None)
            if cmd.resource_type == GROUP:
                group = uow.groups.get(cmd.resource_id)
                return View(group, members=uow.memberships.members(group.id) if cmd.related else None)
        raise NotFound(f"unknown resource type {cmd.resource_type}")


class ListResources:
    """A page of Users or Groups matching a filter, in a total, stable order: the requested sort,
    else (created, id); id always breaks ties."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def __call__(self, cmd: ListCommand) -> ListResult:
        with self._tx(write=False) as uow:
            if cmd.resource_type == USER:
                page: Page = uow.users.search(cmd.query)
                groups = uow.memberships.groups_of_many([u.id for u in page.items]) if cmd.related else {}
                views = [View(u, groups=groups.get(u.id, [])) for u in page.items]
            else:
                page = uow.groups.search(cmd.query)
                views = [View(g, members=uow.memberships.members(g.id) if cmd.related else None)
                         for g in page.items]
            return ListResult(views, page.total, cmd.query.start_index, page.keys)
