"""Bearer tokens (RFC 6750) issued by `scim-service token create`, and the set of authenticators
one deployment configures."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from domain.credentials.tokens import Tokens
from domain.model import Principal
from domain.ports import Authenticator


class BearerAuthenticator:
    """A token authenticates as its credential, while that credential is configured as bearer:
    removing it from the config disables its tokens without touching the database."""

    schemes = ("bearer",)

    def __init__(self, tokens: Tokens, credentials: Collection[str]) -> None:
        self._tokens, self._credentials = tokens, frozenset(credentials)

    def authenticate(self, scheme: str, credentials: dict[str, str]) -> Principal | None:
        if scheme != "bearer":
            return None
        secret = credentials.get("token")
        token = None if secret is None else self._tokens.authenticate(secret)
        if token is None or token.credential not in self._credentials:
            return None
        return Principal(token.credential, "bearer")


class CredentialSet:
    """The configured authenticators; a request's scheme picks the one that decides."""

    def __init__(self, authenticators: Sequence[Authenticator]) -> None:
        self._by_scheme = {s: a for a in authenticators for s in a.schemes}
        self._schemes = tuple(self._by_scheme)

    @property
    def schemes(self) -> tuple[str, ...]:
        return self._schemes

    def authenticate(self, scheme: str, credentials: dict[str, str]) -> Principal | None:
        authenticator = self._by_scheme.get(scheme)
        return None if authenticator is None else authenticator.authenticate(scheme, credentials)
