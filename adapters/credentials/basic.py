"""Authenticators (the domain's Authenticator port)."""

from __future__ import annotations

import hashlib
import hmac

from domain.model import Principal


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode(errors="surrogatepass")).digest()


class BasicAuthenticator:
    """HTTP Basic against the configured credentials. Both digests are compared in constant time
    (fixed-length SHA-256, so length leaks nothing); no key-derivation function runs per request,
    since the configured secret is a high-entropy machine credential, not a user password."""

    schemes = ("basic",)

    def __init__(self, username: str, password: str) -> None:
        self._user, self._password, self._name = _digest(username), _digest(password), username

    def authenticate(self, scheme: str, credentials: dict[str, str]) -> Principal | None:
        if scheme != "basic":
            return None
        username, password = credentials.get("username"), credentials.get("password")
        if username is None or password is None:  # a missing part is no value, not an empty one
            return None
        user_ok = hmac.compare_digest(_digest(username), self._user)
        password_ok = hmac.compare_digest(_digest(password), self._password)
        return Principal(self._name, "basic") if user_ok & password_ok else None
