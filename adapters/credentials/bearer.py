"""Bearer tokens (RFC 6750) issued by `scim-service token create`, and the set of authenticators
one deployment configures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.credentials.tokens import Token, Tokens
from domain.model import Binding, Principal
from domain.ports import Authenticator


class BearerAuthenticator:
    """A token authenticates as its credential, while that credential is configured as bearer:
    removing it from the config disables its tokens without touching the database.
    `credentials` maps each such credential to the userName its config binds it to (`me`), or
    None; a token bound to a user itself (`token create --user`) is bound to that one instead."""

    schemes = ("bearer",)

    def __init__(self, tokens: Tokens, credentials: Mapping[str, str | None]) -> None:
        self._tokens, self._credentials = tokens, dict(credentials)

    def authenticate(self, scheme: str, credentials: dict[str, str]) -> Principal | None:
        if scheme != "bearer":
            return None
        secret = credentials.get("token")
        token = None if secret is None else self._tokens.authenticate(secret)
        if token is None or token.credential not in self._credentials:
            return None
        return Principal(token.credential, "bearer", self._binding(token))

    def _binding(self, token: Token) -> Binding | None:
        if token.user_id is not None:
            return Binding(user_id=token.user_id)
        user_name = self._credentials[token.credential]
        return None if user_name is None else Binding(user_name=user_name)


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
