"""The SET receivers' delivery state on SQL (domain.sets.poll.AckStore): each call its own
short transaction. Two polls of one receiver may run at once (two workers): a cursor only
rises (UPDATE ... WHERE cursor < new), outcomes are inserted once (a conflict keeps the first),
and the acknowledgements a raised cursor makes redundant go in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy.engine import WRITE_OPTION
from adapters.sqlalchemy.tables import set_outcomes, set_receivers
from domain.sets.poll import Outcome

_R, _O = set_receivers.c, set_outcomes.c


class SqlAckStore:
    def __init__(self, engine: Engine) -> None:
        self._read = engine
        self._write = engine.execution_options(**{WRITE_OPTION: True})
        self._insert: Any = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    def cursor(self, receiver: str, start: int) -> int:
        with self._read.connect() as conn:
            found = conn.scalar(select(_R.cursor).where(_R.name == receiver))
        if found is not None:
            return int(found)
        with self._write.begin() as conn:  # the first poll: two at once agree on the first row
            conn.execute(self._insert(set_receivers).values(name=receiver, cursor=start)
                         .on_conflict_do_nothing(index_elements=["name"]))
            return int(conn.scalar(select(_R.cursor).where(_R.name == receiver)) or 0)

    def settle(self, receiver: str, outcomes: Sequence[Outcome]) -> None:
        with self._write.begin() as conn:
            cursor = conn.scalar(select(_R.cursor).where(_R.name == receiver)) or 0
            rows = [{"receiver": receiver, "seq": o.seq, "idx": o.index, "jti": o.jti, "at": o.at,
                     "err": o.err, "description": o.description} for o in outcomes if o.seq > cursor]
            if rows:
                conn.execute(self._insert(set_outcomes).on_conflict_do_nothing(
                    index_elements=["receiver", "seq", "idx"]), rows)

    def settled_after(self, receiver: str, cursor: int) -> set[tuple[int, int]]:
        statement = select(_O.seq, _O.idx).where(_O.receiver == receiver, _O.seq > cursor)
        with self._read.connect() as conn:
            return {(int(seq), int(idx)) for seq, idx in conn.execute(statement)}

    def advance(self, receiver: str, cursor: int) -> None:
        with self._write.begin() as conn:
            conn.execute(update(set_receivers).where(_R.name == receiver, _R.cursor < cursor).values(cursor=cursor))
            conn.execute(delete(set_outcomes).where(_O.receiver == receiver, _O.seq <= cursor, _O.err.is_(None)))

    def errors(self, receiver: str | None = None) -> list[tuple[str, Outcome]]:
        statement = select(set_outcomes).where(_O.err.is_not(None)).order_by(_O.at, _O.receiver, _O.seq)
        if receiver is not None:
            statement = statement.where(_O.receiver == receiver)
        with self._read.connect() as conn:
            return [(row.receiver, Outcome(row.seq, row.idx, row.jti, row.at, row.err, row.description))
                    for row in conn.execute(statement)]
