"""OAuth 2.0 (RFC 6749) as this service grants it: registered clients, single-use authorization
codes, and access/refresh token pairs with rotation. Every secret (client secret, code, token)
is random and kept as a SHA-256 digest; the HTTP protocol itself is the adapter's (authlib)."""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from domain.credentials.tokens import (
    ACCESS,
    REFRESH,
    DuplicateToken,
    Token,
    TokenStore,
    digest,
    new_secret,
)
from domain.errors import NotFound
from domain.ports import Clock, IdGenerator

SCOPE = "scim"  # the one scope: the SCIM API; a request without `scope` gets it
_LOOPBACK = re.compile(r"http://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?(/[^#\s]*)?")
_HTTPS = re.compile(r"https://[^/\s#?@]+([/?][^#\s]*)?")


def redirect_uri_allowed(uri: str) -> bool:
    """https, or plain http to the loopback host for testing; never a fragment (RFC 6749 §3.1.2)."""
    return bool(_HTTPS.fullmatch(uri) or _LOOPBACK.fullmatch(uri))


@dataclass(frozen=True)
class OAuthClient:
    """A registered client (an IdP); `user_id`: the User its tokens are bound to (/Me), if any."""

    id: str
    name: str
    secret_digest: str = field(repr=False)
    redirect_uris: tuple[str, ...]
    created: datetime
    user_id: str | None = None


@dataclass(frozen=True)
class AuthorizationCode:
    """A code, by digest; `family` is the authorization its tokens will belong to."""

    digest: str
    client_id: str
    redirect_uri: str
    scope: str
    created: datetime
    expires: datetime
    family: str
    approved_by: str
    challenge: str | None = None
    challenge_method: str | None = None
    used: datetime | None = None


class ClientStore(Protocol):
    def add(self, client: OAuthClient) -> None: ...

    def get(self, client_id: str) -> OAuthClient | None: ...

    def all(self) -> Sequence[OAuthClient]: ...

    def remove(self, client_id: str) -> bool: ...


class CodeStore(Protocol):
    def add(self, code: AuthorizationCode) -> None: ...

    def get(self, code_digest: str) -> AuthorizationCode | None: ...

    def use(self, code_digest: str, when: datetime) -> bool:
        """Mark the code used; False when it was used already (atomic: one caller wins)."""
        ...


@dataclass(frozen=True)
class Lifetimes:
    code: timedelta = timedelta(minutes=10)
    access: timedelta = timedelta(hours=2)
    refresh: timedelta = timedelta(days=90)
    grace: timedelta = timedelta(seconds=60)  # a rotated refresh token repeats its successors


@dataclass(frozen=True)
class Pair:
    access: str
    refresh: str | None
    expires_in: int
    scope: str


class OAuthClients:
    def __init__(self, clients: ClientStore, tokens: TokenStore, clock: Clock) -> None:
        self._clients, self._tokens, self._clock = clients, tokens, clock

    def add(self, name: str, redirect_uris: Sequence[str], user_id: str | None = None) -> tuple[OAuthClient, str]:
        """A new client and its secret (shown once), its tokens bound to the User `user_id` if
        given. Raises ValueError for a bad redirect URI."""
        bad = [u for u in redirect_uris if not redirect_uri_allowed(u)]
        if bad or not redirect_uris:
            raise ValueError(f"redirect URIs must be https (or http://127.0.0.1, http://localhost): {bad or 'none'}")
        secret = new_secret()
        # 128 random bits in hex: an id that no shell or argument parser misreads (base64 may
        # begin with "-", which `oauth client remove ID` would take for an option)
        client = OAuthClient(os.urandom(16).hex(), name, digest(secret), tuple(redirect_uris), self._clock.now(),
                             user_id)
        self._clients.add(client)
        return client, secret

    def list(self) -> Sequence[OAuthClient]:
        return self._clients.all()

    def remove(self, client_id: str) -> int:
        """Remove a client and revoke its tokens at once; how many were revoked."""
        if not self._clients.remove(client_id):
            raise NotFound(f"no OAuth client with id {client_id}")
        return self._tokens.revoke_where(self._clock.now(), client_id=client_id)

    def get(self, client_id: str) -> OAuthClient | None:
        return self._clients.get(client_id)

    @staticmethod
    def secret_matches(client: OAuthClient, secret: str) -> bool:
        return hmac.compare_digest(digest(secret), client.secret_digest)


class Grants:
    """Codes and token pairs for the configured OAuth credential `credential`."""

    def __init__(self, credential: str, codes: CodeStore, tokens: TokenStore, clock: Clock,
                 ids: IdGenerator, lifetimes: Lifetimes) -> None:
        self.credential, self._codes, self._tokens = credential, codes, tokens
        self._clock, self._ids, self.lifetimes = clock, ids, lifetimes

    def issue_code(self, client_id: str, redirect_uri: str, scope: str, approved_by: str,
                   challenge: str | None = None, challenge_method: str | None = None) -> str:
        secret, now = new_secret(), self._clock.now()
        self._codes.add(AuthorizationCode(digest(secret), client_id, redirect_uri, scope, now,
                                          now + self.lifetimes.code, self._ids.new(), approved_by,
                                          challenge, challenge_method))
        return secret

    def redeem_code(self, secret: str, client_id: str) -> AuthorizationCode | None:
        """The code, once. A second exchange gets None and revokes what the first one got
        (RFC 6749 §4.1.2); so do an expired code and another client's."""
        code, now = self._codes.get(digest(secret)), self._clock.now()
        if code is None or code.client_id != client_id:
            return None
        if not self._codes.use(code.digest, now):  # a replay, expired or not
            self._tokens.revoke_where(now, family=code.family)
            return None
        return None if code.expires <= now else code

    def issue(self, client_id: str, scope: str, family: str | None = None, with_refresh: bool = True,
              secrets: tuple[str, str] | None = None, user_id: str | None = None) -> Pair:
        """A new access token (and refresh token) of one authorization, bound to the User
        `user_id` (the client's) if given; raises DuplicateToken when `secrets` are stored
        already (another request rotated first)."""
        now, life = self._clock.now(), self.lifetimes
        family = family or self._ids.new()
        access, refresh = secrets or (new_secret(), new_secret())
        made = [(ACCESS, access, now + life.access)] + ([(REFRESH, refresh, now + life.refresh)] if with_refresh else [])
        self._tokens.add(*(Token(self._ids.new(), self.credential, digest(secret), now, expires, kind=kind,
                                 client_id=client_id, scope=scope, family=family, user_id=user_id)
                           for kind, secret, expires in made))  # both or neither
        return Pair(access, refresh if with_refresh else None, int(life.access.total_seconds()), scope)

    def refresh(self, secret: str, client_id: str, derive: Callable[[str, str], str]) -> Pair | None:
        """Rotate a refresh token: a new pair, derived from the old secret by `derive` (keyed,
        so only this server can), which the old token repeats for `grace` after its first use,
        so a lost response or two IdP workers do not end the authorization. Else None."""
        token, now = self._tokens.by_digest(digest(secret)), self._clock.now()
        if (token is None or token.kind != REFRESH or token.client_id != client_id
                or token.status(now) != "active"):
            return None
        successors = derive(secret, ACCESS), derive(secret, REFRESH)
        if token.replaced is None:
            try:
                pair = self.issue(client_id, token.scope, token.family, secrets=successors, user_id=token.user_id)
            except DuplicateToken:  # rotated a moment ago by a concurrent request: repeat it
                return self._repeat(successors, token.scope, now)
            self._tokens.mark_replaced(token.id, now)
            return pair
        if now - token.replaced > self.lifetimes.grace:
            # refused, and nothing more: revoking the successors too (the OAuth security BCP's
            # reuse detection) would stop provisioning on one late retry of a lost response
            return None
        return self._repeat(successors, token.scope, now)

    def _repeat(self, successors: tuple[str, str], scope: str, now: datetime) -> Pair | None:
        access, refresh = (self._tokens.by_digest(digest(s)) for s in successors)
        if access is None or refresh is None or refresh.status(now) != "active" or access.expires is None:
            return None
        left = max(0, int((access.expires - now).total_seconds()))
        return Pair(successors[0], successors[1], left, scope)

    def find(self, secret: str, client_id: str) -> Token | None:
        """An access or refresh token of this client (for revocation, RFC 7009)."""
        token = self._tokens.by_digest(digest(secret))
        return token if token is not None and token.client_id == client_id else None

    def revoke(self, token: Token) -> None:
        """Revoke a token; a refresh token takes its whole authorization with it."""
        if token.kind == REFRESH and token.family is not None:
            self._tokens.revoke_where(self._clock.now(), family=token.family)
        else:
            self._tokens.revoke(token.id, self._clock.now())

