"""The change feed: the change records in commit order, for another system to follow provisioning
without polling every resource. Each record has a sequence number, assigned in the order the
writes committed (the stores guarantee it: a record never commits behind one that a follower
could already have read), so a follower that resumes after the last number it saw misses
nothing and sees nothing twice. Pruned records are gone: a follower behind them is told so,
never silently skipped forward."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.audit import Change
from domain.errors import Gone, InvalidValue

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


@dataclass(frozen=True, slots=True)
class Recorded:
    """A change record and its place in the commit order (1, 2, ...; gaps are possible where a
    commit failed, never a number out of order)."""

    seq: int
    change: Change


class ChangeFeed(Protocol):
    """The change records by sequence number."""

    def after(self, seq: int, limit: int) -> list[Recorded]:
        """At most `limit` records numbered above `seq`, in order."""
        ...

    def horizon(self) -> int:
        """The highest number pruned so far (0: nothing pruned): the records at or below it
        are gone."""
        ...

    def last(self) -> int:
        """The highest number committed so far (0: none)."""
        ...


@dataclass(frozen=True, slots=True)
class FeedPage:
    """One page of the feed: its records, the cursor to resume from (the last number in it, or
    the one asked for when there was nothing new), and whether more are waiting."""

    records: list[Recorded]
    cursor: int
    more: bool


class FollowChanges:
    """A page of the feed after a cursor. The horizon is read after the records: a prune that
    ran in between shows in it, so a page never hides a gap the prune made."""

    def __init__(self, feed: ChangeFeed, max_limit: int = MAX_LIMIT) -> None:
        self._feed, self._max = feed, max_limit

    def __call__(self, cursor: int, limit: int = DEFAULT_LIMIT) -> FeedPage:
        if cursor < 0:
            raise InvalidValue("the cursor is a record number: 0 or more")
        if not 1 <= limit <= self._max:
            raise InvalidValue(f"limit: from 1 to {self._max}")
        if cursor > self._feed.last():  # numbers only grow: no page or `end` ever gave this one
            raise InvalidValue(f"no change record is numbered {cursor} yet: a cursor comes from a "
                               "page of this feed or from cursor=end")
        records = self._feed.after(cursor, limit + 1)
        horizon = self._feed.horizon()
        if cursor < horizon:
            raise Gone(
                f"the change records up to {horizon} were pruned; this cursor is at {cursor}: "
                "read the resources again, then follow from the cursor `end` gives")
        more = len(records) > limit
        records = records[:limit]
        return FeedPage(records, records[-1].seq if records else cursor, more)

    def end(self) -> int:
        """The cursor of the newest record: a follower that starts here sees every later
        change (take it before reading the resources, then follow from it)."""
        return self._feed.last()
