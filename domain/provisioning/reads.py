"""Read use cases: one resource, and searches (RFC 7644 §3.4.1, §3.4.2, §3.4.3)."""

from __future__ import annotations

from domain.ports import Transactions
from domain.provisioning.commands import GetCommand, SearchCommand, SearchResult, View
from domain.provisioning.views import view_of, views_of


class GetResource:
    """One User (with its groups) or Group (with its members)."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def __call__(self, cmd: GetCommand) -> View:
        with self._tx(write=False) as uow:
            resource = uow.repository(cmd.resource_type).get(cmd.resource_id)
            return view_of(uow, resource, cmd.related)


class SearchResources:
    """A page of Users or Groups matching a filter, in a total, stable order: the requested sort,
    else (created, id); id always breaks ties."""

    def __init__(self, tx: Transactions) -> None:
        self._tx = tx

    def __call__(self, cmd: SearchCommand) -> SearchResult:
        with self._tx(write=False) as uow:
            page = uow.repository(cmd.resource_type).search(cmd.query)
            views = views_of(uow, cmd.resource_type, page.items, cmd.related)
            return SearchResult(views, page.total, cmd.query.start_index, page.keys)
