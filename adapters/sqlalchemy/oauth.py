"""OAuth clients and authorization codes on SQL (domain/credentials/oauth.py), each call its own
short transaction; looked up by primary key (client id, code digest)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from adapters.sqlalchemy.engine import WRITE_OPTION
from adapters.sqlalchemy.tables import oauth_clients, oauth_codes
from domain.credentials.oauth import AuthorizationCode, OAuthClient

_CODE_FIELDS = ("digest", "client_id", "redirect_uri", "scope", "created", "expires", "family",
                "approved_by", "challenge", "challenge_method", "used")


def _client(row: Any) -> OAuthClient:
    return OAuthClient(row.id, row.name, row.secret_digest, tuple(row.redirect_uris), row.created, row.user_id)


class SqlClientStore:
    def __init__(self, engine: Engine) -> None:
        self._read, self._write = engine, engine.execution_options(**{WRITE_OPTION: True})

    def add(self, client: OAuthClient) -> None:
        with self._write.begin() as conn:
            conn.execute(insert(oauth_clients).values(
                id=client.id, name=client.name, secret_digest=client.secret_digest,
                redirect_uris=list(client.redirect_uris), created=client.created, user_id=client.user_id))

    def get(self, client_id: str) -> OAuthClient | None:
        with self._read.connect() as conn:
            row = conn.execute(select(oauth_clients).where(oauth_clients.c.id == client_id)).first()
        return None if row is None else _client(row)

    def all(self) -> Sequence[OAuthClient]:
        with self._read.connect() as conn:
            rows = conn.execute(select(oauth_clients).order_by(oauth_clients.c.created, oauth_clients.c.id))
            return [_client(r) for r in rows]

    def remove(self, client_id: str) -> bool:
        with self._write.begin() as conn:
            return conn.execute(delete(oauth_clients).where(oauth_clients.c.id == client_id)).rowcount == 1


class SqlCodeStore:
    def __init__(self, engine: Engine) -> None:
        self._read, self._write = engine, engine.execution_options(**{WRITE_OPTION: True})

    def add(self, code: AuthorizationCode) -> None:
        with self._write.begin() as conn:
            conn.execute(insert(oauth_codes).values({f: getattr(code, f) for f in _CODE_FIELDS}))

    def get(self, code_digest: str) -> AuthorizationCode | None:
        columns = [oauth_codes.c[f] for f in _CODE_FIELDS]
        with self._read.connect() as conn:
            row = conn.execute(select(*columns).where(oauth_codes.c.digest == code_digest)).first()
        return None if row is None else AuthorizationCode(*row)

    def use(self, code_digest: str, when: datetime) -> bool:
        statement = update(oauth_codes).where(oauth_codes.c.digest == code_digest, oauth_codes.c.used.is_(None))
        with self._write.begin() as conn:
            return conn.execute(statement.values(used=when)).rowcount == 1
