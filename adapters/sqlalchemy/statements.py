"""What the repositories' statements share: ids in bounded IN lists, integrity errors by kind."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy.exc import IntegrityError

CHUNK = 500  # ids per IN list: far below SQLite's and PostgreSQL's bound-parameter limits


def chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(ids))
    for i in range(0, len(unique), CHUNK):
        yield unique[i:i + CHUNK]


# How each driver names a violated constraint kind: PostgreSQL SQLSTATE, SQLite extended code.
_VIOLATIONS = {
    "unique": ({"23505"}, {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}),
    "foreign key": ({"23503"}, {"SQLITE_CONSTRAINT_FOREIGNKEY"}),
}


def violated(exc: IntegrityError, kind: str) -> str | None:
    """The name of the `kind` constraint that `exc` reports (SQLite: its message, which names
    the columns), or None when `exc` is another integrity error."""
    orig, (states, sqlite_names) = exc.orig, _VIOLATIONS[kind]
    if getattr(orig, "sqlstate", None) in states:
        return str(getattr(getattr(orig, "diag", None), "constraint_name", "") or "")
    if getattr(orig, "sqlite_errorname", None) in sqlite_names:
        return str(orig)
    return None
