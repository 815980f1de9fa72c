"""The credential stores on SQL: bearer tokens by digest and the failed-authentication counter.
Each call is its own short transaction, outside any unit of work: authentication runs before
the request's use case, and a refused request must count even though nothing else is written."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, case, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy.engine import WRITE_OPTION
from adapters.sqlalchemy.prepared import Prepared
from adapters.sqlalchemy.tables import UtcDateTime, auth_failures, tokens
from domain.credentials.tokens import DuplicateToken, Token

# In the order of Token's fields.
_FIELDS = ("id", "credential", "digest", "created", "expires", "last_used", "note", "revoked",
           "kind", "client_id", "scope", "family", "replaced", "user_id")
_COLUMNS = tuple(tokens.c[name] for name in _FIELDS)
# The request path's lookup: one unique-index probe on the driver's cursor.
_BY_DIGEST = Prepared(select(*_COLUMNS).where(tokens.c.digest == bindparam("b_digest")))


def _token(row: Sequence[Any]) -> Token:
    return Token(*row)


class SqlTokenStore:
    def __init__(self, engine: Engine) -> None:
        self._read = engine
        self._write = engine.execution_options(**{WRITE_OPTION: True})

    def add(self, *added: Token) -> None:
        try:
            with self._write.begin() as conn:
                conn.execute(insert(tokens), [{name: getattr(t, name) for name in _FIELDS} for t in added])
        except IntegrityError as exc:
            raise DuplicateToken(", ".join(t.id for t in added)) from exc

    def by_digest(self, token_digest: str) -> Token | None:
        with self._read.connect() as conn:
            rows = _BY_DIGEST.rows(conn, {"b_digest": token_digest})
        return _token(rows[0]) if rows else None

    def by_id(self, token_id: str) -> Token | None:
        with self._read.connect() as conn:
            row = conn.execute(select(*_COLUMNS).where(tokens.c.id == token_id)).first()
        return None if row is None else _token(row)

    def all(self) -> Sequence[Token]:
        with self._read.connect() as conn:
            rows = conn.execute(select(*_COLUMNS).order_by(tokens.c.created, tokens.c.id)).all()
        return [_token(r) for r in rows]

    def revoke(self, token_id: str, when: datetime) -> bool:
        statement = update(tokens).where(tokens.c.id == token_id, tokens.c.revoked.is_(None))
        with self._write.begin() as conn:
            return conn.execute(statement.values(revoked=when)).rowcount == 1

    def revoke_all(self, credential: str, when: datetime) -> int:
        statement = update(tokens).where(tokens.c.credential == credential, tokens.c.revoked.is_(None))
        with self._write.begin() as conn:
            return int(conn.execute(statement.values(revoked=when)).rowcount)

    def touch(self, token_id: str, when: datetime) -> None:
        with self._write.begin() as conn:
            conn.execute(update(tokens).where(tokens.c.id == token_id).values(last_used=when))

    def revoke_where(self, when: datetime, *, client_id: str | None = None, family: str | None = None) -> int:
        if (client_id is None) == (family is None):
            raise ValueError("revoke by client_id or by family")
        match = tokens.c.client_id == client_id if client_id is not None else tokens.c.family == family
        with self._write.begin() as conn:  # by an index either way
            return int(conn.execute(update(tokens).where(match, tokens.c.revoked.is_(None))
                                    .values(revoked=when)).rowcount)

    def mark_replaced(self, token_id: str, when: datetime) -> bool:
        statement = update(tokens).where(tokens.c.id == token_id, tokens.c.replaced.is_(None))
        with self._write.begin() as conn:
            return conn.execute(statement.values(replaced=when)).rowcount == 1


class SqlFailureCounter:
    """One row per address, counted by a single upsert, so concurrent failures from every
    worker and host add up exactly: a window past its end restarts at this failure. Rows of
    ended windows are deleted once a window per process, through their index, so addresses that
    stopped failing do not pile up."""

    def __init__(self, engine: Engine) -> None:
        self._read_engine = engine
        self._write = engine.execution_options(**{WRITE_OPTION: True})
        self._pruned: datetime | None = None

    def failures(self, address: str, now: datetime, window: timedelta) -> tuple[int, datetime] | None:
        with self._read_engine.connect() as conn:
            found = conn.execute(select(auth_failures.c.failures, auth_failures.c.window_start)
                                 .where(auth_failures.c.address == address)).first()
        if found is None or found.window_start <= now - window:
            return None
        return int(found.failures), found.window_start

    def count_failure(self, address: str, now: datetime, window: timedelta) -> tuple[int, datetime]:
        at = bindparam("b_now", now, type_=UtcDateTime)
        with self._write.begin() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            # SET reads the row as it was, so both columns see the same verdict on its window
            expired = auth_failures.c.window_start <= now - window
            stmt = dialect.insert(auth_failures).values(address=address, window_start=at, failures=1)
            stmt = stmt.on_conflict_do_update(index_elements=[auth_failures.c.address], set_={
                "window_start": case((expired, at), else_=auth_failures.c.window_start),
                "failures": case((expired, 1), else_=auth_failures.c.failures + 1),
            }).returning(auth_failures.c.failures, auth_failures.c.window_start)
            failures, started = conn.execute(stmt).one()
            if self._pruned is None or self._pruned <= now - window:
                conn.execute(delete(auth_failures).where(auth_failures.c.window_start <= now - window))
                self._pruned = now
        return int(failures), started
