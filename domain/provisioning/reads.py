"""Read use cases: one resource, and searches (RFC 7644 §3.4.1, §3.4.2, §3.4.3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain

from domain.model import GROUP
from domain.ports import Transactions
from domain.provisioning.commands import GetCommand, SearchCommand, SearchResult, View
from domain.provisioning.views import MEMBER_CHUNK, view_of, views_of


class GetResource:
    """One User (with its groups) or Group (with its members)."""

    def __init__(self, tx: Transactions, member_chunk: int = MEMBER_CHUNK) -> None:
        self._tx = tx
        self._chunk = member_chunk

    def __call__(self, cmd: GetCommand) -> View:
        with self.open(cmd) as view:
            return view.whole()

    @contextmanager
    def open(self, cmd: GetCommand) -> Iterator[View]:
        """The view inside its read transaction. A group with more than one chunk of members
        comes with `member_chunks`, read from one snapshot (the group's row included) as the
        caller consumes them, until the context ends: a response can stream them."""
        streams = cmd.related and cmd.resource_type == GROUP
        with self._tx(write=False, snapshot=streams) as uow:
            resource = uow.repository(cmd.resource_type).get(cmd.resource_id)
            if not streams:
                yield view_of(uow, resource, cmd.related)
                return
            chunks = uow.memberships.member_chunks(resource.id, self._chunk)
            try:
                first = next(chunks, [])
                if len(first) < self._chunk:
                    yield View(resource, members=first)
                else:
                    yield View(resource, member_chunks=chain([first], chunks))
            finally:
                chunks.close()  # before the unit of work ends: its cursor is on the connection


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
