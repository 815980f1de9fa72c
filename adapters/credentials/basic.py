"""HTTP Basic against the configured credentials (the domain's Authenticator port)."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.model import Binding, Principal
from domain.ports import PasswordHasher


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode(errors="surrogatepass")).digest()


@dataclass(frozen=True)
class BasicCredential:
    """A configured basic credential: a plain password or an argon2id hash of one; `me`, the
    userName of the User it is bound to (/Me)."""

    name: str
    username: str
    password: str | None = field(default=None, repr=False)
    password_hash: str | None = field(default=None, repr=False)
    me: str | None = None


class _Entry:
    known: bytes | None

    def __init__(self, cred: BasicCredential) -> None:
        self.name, self.user = cred.name, _digest(cred.username)
        self.principal = Principal(cred.name, "basic", None if cred.me is None else Binding(user_name=cred.me))
        self.hashed = cred.password_hash
        # plain: the password's digest; hashed: the digest of the last password the hash verified
        self.known = None if cred.password is None else _digest(cred.password)


class BasicAuthenticator:
    """Every configured username is compared on every attempt, in constant time (fixed-length
    SHA-256 digests, so length leaks nothing either). A plain password is compared by digest; a
    hashed one is verified with argon2 once, and then by the digest of what it verified, so the
    key-derivation function runs on failures, not on every request."""

    schemes = ("basic",)

    def __init__(self, credentials: Sequence[BasicCredential], hasher: PasswordHasher) -> None:
        self._entries = [_Entry(c) for c in credentials]
        self._hasher = hasher
        self._lock = threading.Lock()
        # verified against when no username matches, so that costs what a wrong password costs
        self._decoy = next((c.password_hash for c in credentials if c.password_hash), None)

    def authenticate(self, scheme: str, credentials: dict[str, str]) -> Principal | None:
        if scheme != "basic":
            return None
        username, password = credentials.get("username"), credentials.get("password")
        if username is None or password is None:  # a missing part is no value, not an empty one
            return None
        user, secret = _digest(username), _digest(password)
        match = None
        for entry in self._entries:  # no early exit: every entry costs the same
            if hmac.compare_digest(user, entry.user):
                match = entry
        if match is None:
            if self._decoy is not None:  # its verdict is ignored: no username matched
                self._hasher.verify(self._decoy, password)
            return None
        if match.known is not None and hmac.compare_digest(secret, match.known):
            return match.principal
        if match.hashed is not None and self._hasher.verify(match.hashed, password):
            with self._lock:
                match.known = secret
            return match.principal
        return None
