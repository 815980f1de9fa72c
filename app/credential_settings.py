"""The credentials settings (`scim.auth`, `scim.throttle`) and their rules across fields.

`scim.auth` is one credential (the seed's mapping) or a list of named ones; each has a type, its
secret (basic) and an IdP policy preset. Secrets can come from the environment: SCIM_AUTH_PASSWORD
and friends set the only credential, SCIM_AUTH_<NAME>_PASSWORD (and _USERNAME, _PASSWORD_HASH)
a named one, the name upper-cased with `-` and `.` as `_`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from argon2 import extract_parameters
from argon2.exceptions import InvalidHashError

from app.typed_yaml import fail, rule
from domain.idp.policy import PRESETS

# config.example.yaml's password: refused, so that copying the example never ships a known secret.
PLACEHOLDER_PASSWORD = "change-me"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_NAMED_SECRETS = ("username", "password", "password_hash")


@dataclass(frozen=True)
class CredentialSettings:
    """One credential. Its name is the principal recorded with every change it makes; unnamed,
    a basic credential is named after its username and a bearer one "bearer"."""

    name: str | None = None
    type: str = field(default="basic", metadata=rule(choices=("basic", "bearer", "oauth")))
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    password_hash: str | None = field(default=None, repr=False)  # argon2id, from `scim-service password hash`
    policy: str | None = field(default=None, metadata=rule(choices=tuple(PRESETS)))  # None: scim.policy
    # the userName of the User /Me names for this credential (RFC 7644 §3.11), found per request
    me: str | None = field(default=None, metadata=rule(nonempty=True))
    # type oauth only: the service as the IdP's OAuth 2.0 authorization server
    allow_insecure_http: bool = False  # local testing only: OAuth over plain HTTP
    client_credentials: bool = False  # also grant_type=client_credentials (no admin approval)
    code_lifetime_seconds: int = field(default=600, metadata=rule(minimum=1))
    access_token_lifetime_seconds: int = field(default=7200, metadata=rule(minimum=60))
    refresh_token_lifetime_seconds: int = field(default=90 * 86400, metadata=rule(minimum=60))
    refresh_grace_seconds: int = field(default=60, metadata=rule(minimum=0))

    @property
    def principal(self) -> str:
        return self.name or (self.username or "" if self.type == "basic" else self.type)


@dataclass(frozen=True)
class AdminSettings:
    """The administrator who approves OAuth clients on the consent page."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    password_hash: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ThrottleSettings:
    """Refused authentications per client address: past `max_failures` (0: no limit) within
    `window_seconds`, that address is answered 429 until the window ends."""

    max_failures: int = field(default=20, metadata=rule(minimum=0))
    window_seconds: int = field(default=300, metadata=rule(minimum=1))


def env_prefix(name: str) -> str:
    """SCIM_AUTH_<NAME>_, the prefix of a named credential's variables."""
    return "SCIM_AUTH_" + re.sub(r"[-.]", "_", name).upper() + "_"


def with_named_secrets(creds: tuple[CredentialSettings, ...], env: Mapping[str, str]
                       ) -> tuple[CredentialSettings, ...]:
    """The credentials with SCIM_AUTH_<NAME>_<FIELD> applied (an empty variable unsets)."""
    updated = []
    for cred in creds:
        found = {k: env[env_prefix(cred.name) + k.upper()] for k in _NAMED_SECRETS
                 if cred.name and env_prefix(cred.name) + k.upper() in env}
        updated.append(replace(cred, **{k: v or None for k, v in found.items()}))  # type: ignore[arg-type]
    return tuple(updated)


def plain_password_keys(creds: Sequence[CredentialSettings], env: Mapping[str, str]) -> list[str]:
    """The keys of passwords written in the config file itself: set, and by no variable (the
    only credential's SCIM_AUTH_PASSWORD, a named one's SCIM_AUTH_<NAME>_PASSWORD)."""
    def variables(c: CredentialSettings) -> set[str]:
        names = {"SCIM_AUTH_PASSWORD"} if len(creds) == 1 else set()
        return names | ({env_prefix(c.name) + "PASSWORD"} if c.name else set())

    return [_prefix(creds, i) + ".password" for i, c in enumerate(creds)
            if c.password and not variables(c) & set(env)]


def _prefix(creds: Sequence[CredentialSettings], i: int) -> str:
    return "scim.auth" if len(creds) == 1 else f"scim.auth[{i}]"


def check_credentials(creds: Sequence[CredentialSettings]) -> None:
    """The rules of `scim.auth` for an enabled API; raises ConfigError naming the key."""
    if not creds:
        fail("scim.auth", "at least one credential is required")
    seen: dict[str, int] = {}
    for i, cred in enumerate(creds):
        key = _prefix(creds, i)
        if len(creds) > 1 and not cred.name:
            fail(f"{key}.name", "required when scim.auth lists several credentials")
        if cred.name is not None and not _NAME.fullmatch(cred.name):
            fail(f"{key}.name", "expected 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        if cred.principal in seen:
            fail(f"{key}.name", f"{cred.principal!r} is already the name of {_prefix(creds, seen[cred.principal])}")
        seen[cred.principal] = i
        if cred.type == "basic":
            _check_basic(cred, key)
        else:
            for secret in ("username", "password", "password_hash"):
                if getattr(cred, secret) is not None:
                    fail(f"{key}.{secret}", f"{'an' if cred.type == 'oauth' else 'a'} {cred.type} credential has none: its tokens are made by "
                         + ("`scim-service token create NAME`" if cred.type == "bearer" else "the OAuth flow")
                         + " and kept in the database")
        if cred.type != "oauth":
            for name in _OAUTH_ONLY:
                if getattr(cred, name) != getattr(_DEFAULTS, name):
                    fail(f"{key}.{name}", "only an oauth credential has it")
    if sum(c.type == "oauth" for c in creds) > 1:
        fail("scim.auth", "at most one oauth credential (the service is one authorization server)")
    users: set[str | None] = set()
    for cred in (c for c in creds if c.type == "basic"):
        if cred.username in users:  # the later of the two is named
            fail(f"{_prefix(creds, creds.index(cred))}.username", "two basic credentials share this username")
        users.add(cred.username)


_OAUTH_ONLY = ("allow_insecure_http", "client_credentials", "code_lifetime_seconds",
               "access_token_lifetime_seconds", "refresh_token_lifetime_seconds", "refresh_grace_seconds")
_DEFAULTS = CredentialSettings()


def check_admin(admin: AdminSettings) -> None:
    """The administrator an oauth credential needs."""
    if not admin.username:
        fail("admin.username", "required when scim.auth has an oauth credential")
    _check_secret(admin.password, admin.password_hash, "admin", "required (or admin.password_hash)")


def _check_secret(password: str | None, password_hash: str | None, key: str, missing: str) -> None:
    if password and password_hash:
        fail(f"{key}.password", "set password or password_hash, not both")
    if not (password or password_hash):
        fail(f"{key}.password", missing)
    if password == PLACEHOLDER_PASSWORD:
        fail(f"{key}.password", "still the example placeholder; set a real one (SCIM_AUTH_PASSWORD, or password_hash)")
    if password_hash is not None:
        try:
            if extract_parameters(password_hash).type.name != "ID":
                fail(f"{key}.password_hash", "expected an argon2id hash")
        except InvalidHashError:
            fail(f"{key}.password_hash", "not an argon2 hash; make one with `scim-service password hash`")


def _check_basic(cred: CredentialSettings, key: str) -> None:
    if not cred.username:
        fail(f"{key}.username", f"required when {key}.type is basic")
    if ":" in cred.username:  # RFC 7617: the user-id cannot contain a colon
        fail(f"{key}.username", "must not contain ':'")
    _check_secret(cred.password, cred.password_hash, key, f"required when {key}.type is basic")
