"""Bearer tokens: random secrets handed out once, kept as SHA-256 digests, looked up by digest.

The secret is 256 random bits (URL-safe base64) behind a recognisable prefix, so secret scanners
can find a leaked one. A fast digest is enough (no key-derivation function on the request path):
the secret is random, not a password a person chose, so it cannot be guessed from its digest."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from domain.errors import NotFound
from domain.ports import Clock, IdGenerator

TOKEN_PREFIX = "scim_"
SECRET_BYTES = 32  # 256 bits
# 32 random bytes are 43 characters of unpadded URL-safe base64.
_SHAPE = re.compile(r"scim_[A-Za-z0-9_-]{43}")
# "last used" is written at most this often per token, not on every request.
TOUCH_EVERY = timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """`scim_` and 256 random bits: 32 bytes are 43 base64 characters and one "=", dropped."""
    return TOKEN_PREFIX + base64.urlsafe_b64encode(os.urandom(SECRET_BYTES)).decode()[:-1]


def well_formed(secret: str) -> bool:
    """Whether `secret` has a token's shape; others are refused without a lookup."""
    return _SHAPE.fullmatch(secret) is not None


BEARER, ACCESS, REFRESH = "bearer", "access", "refresh"


class DuplicateToken(ValueError):
    """A token with this id or digest is stored already."""


@dataclass(frozen=True, slots=True)
class Token:
    """One issued token. `credential` names the configured credential it belongs to. `kind`:
    a bearer token from the CLI, or an OAuth access or refresh token of `client_id`, issued
    together as `family` (one authorization); `replaced`: when a refresh token was rotated;
    `user_id`: the User it is bound to (/Me, RFC 7644 §3.11), resolved when it was issued."""

    id: str
    credential: str
    digest: str
    created: datetime
    expires: datetime | None = None
    last_used: datetime | None = None
    note: str = ""
    revoked: datetime | None = None
    kind: str = BEARER
    client_id: str | None = None
    scope: str = ""
    family: str | None = None
    replaced: datetime | None = None
    user_id: str | None = None

    def status(self, now: datetime) -> str:
        if self.revoked is not None:
            return "revoked"
        if self.expires is not None and self.expires <= now:
            return "expired"
        return "active"


class TokenStore(Protocol):
    """Tokens, each call atomic on its own."""

    def add(self, *tokens: Token) -> None:
        """Store them all, or none (one transaction); raises DuplicateToken when an id or digest
        is taken."""
        ...

    def by_digest(self, token_digest: str) -> Token | None:
        """The token with this digest (revoked and expired ones too), by one indexed lookup."""
        ...

    def by_id(self, token_id: str) -> Token | None:
        """The token with this id, by its primary key."""
        ...

    def all(self) -> Sequence[Token]:
        """Every token, oldest first (for an admin's listing, never a request path)."""
        ...

    def revoke(self, token_id: str, when: datetime) -> bool:
        """Mark one token revoked; False when there is no such token, or it was revoked already."""
        ...

    def revoke_all(self, credential: str, when: datetime) -> int:
        """Revoke every token of a credential not revoked yet (expired ones too); how many."""
        ...

    def touch(self, token_id: str, when: datetime) -> None:
        """Record a use."""
        ...

    def revoke_where(self, when: datetime, *, client_id: str | None = None, family: str | None = None) -> int:
        """Revoke every live token of an OAuth client, or of one authorization (family)."""
        ...

    def mark_replaced(self, token_id: str, when: datetime) -> bool:
        """Record a refresh token's rotation; False when it was rotated already."""
        ...


@dataclass(frozen=True)
class Issued:
    """A new token and its secret, which exists nowhere else: show it once."""

    token: Token
    secret: str


class Tokens:
    """The token use cases: issue, list, revoke, and check a presented secret."""

    def __init__(self, store: TokenStore, clock: Clock, ids: IdGenerator) -> None:
        self._store, self._clock, self._ids = store, clock, ids

    def issue(self, credential: str, lifetime: timedelta | None = None, note: str = "",
              user_id: str | None = None) -> Issued:
        """A new bearer token of `credential`, bound to the User `user_id` (its /Me) if given."""
        if lifetime is not None and lifetime <= timedelta(0):
            raise ValueError("a token's lifetime must be positive")
        now = self._clock.now()
        secret = new_secret()
        token = Token(self._ids.new(), credential, digest(secret), now,
                      None if lifetime is None else now + lifetime, None, note, user_id=user_id)
        self._store.add(token)
        return Issued(token, secret)

    def list(self) -> Sequence[Token]:
        return self._store.all()

    def revoke(self, token_id: str) -> Token:
        """Revoke one token (an OAuth refresh token: its whole authorization); raises NotFound
        when no live token has this id."""
        now = self._clock.now()
        if not self._store.revoke(token_id, now):
            raise NotFound(f"no live token with id {token_id}")
        token = self._store.by_id(token_id)
        assert token is not None  # it was just revoked
        if token.kind == REFRESH and token.family is not None:
            self._store.revoke_where(now, family=token.family)
        return token

    def revoke_all(self, credential: str) -> int:
        return self._store.revoke_all(credential, self._clock.now())

    def authenticate(self, secret: str) -> Token | None:
        """The live bearer or access token whose secret this is, else None (a refresh token
        opens nothing but the token endpoint). Its use is recorded at most once per TOUCH_EVERY."""
        if not well_formed(secret):
            return None
        token = self._store.by_digest(digest(secret))
        now = self._clock.now()
        if token is None or token.kind == REFRESH or token.status(now) != "active":
            return None
        if token.last_used is None or now - token.last_used >= TOUCH_EVERY:
            self._store.touch(token.id, now)
            token = replace(token, last_used=now)
        return token
