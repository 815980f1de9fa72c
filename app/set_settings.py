"""The security event settings (`events.sets.*`: RFC 9967 SETs, their signing key and their
poll receivers) and their rules across fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.typed_yaml import fail, rule
from domain.sets.events import ALL_URIS, Receiver, kind_of
from domain.sets.poll import BEGINNING, END

MAX_LONG_POLL = 30  # seconds a poll may wait: it holds one of gunicorn's threads meanwhile
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
RESOURCE_TYPES = ("User", "Group")


@dataclass(frozen=True)
class ReceiverSettings:
    """One SET receiver: it polls (RFC 8936) at /events/poll/<name>, or, with a push_url, the
    events worker pushes its SETs to it (RFC 8935) and it cannot poll."""

    name: str
    audience: str = field(metadata=rule(nonempty=True))  # the `aud` of its SETs
    full: bool = False  # :full events with the resource as `data`, not :notice ones
    events: tuple[str, ...] = ()  # event URIs it wants (empty: all); :notice or :full alike
    resource_types: tuple[str, ...] = ()  # User, Group (empty: both)
    # RFC 8935 push: where `events run` POSTs its SETs (then it does not poll), and the bearer
    # secret they go with (best from SCIM_EVENTS_SETS_<NAME>_PUSH_AUTHORIZATION)
    push_url: str | None = None
    push_authorization: str | None = field(default=None, repr=False)

    def push_secret(self, env: Mapping[str, str]) -> str | None:
        """The push bearer secret: its variable's (an empty one unsets), else the config's."""
        name = push_env_name(self.name)
        return (env[name] or None) if name in env else self.push_authorization

    def domain(self) -> Receiver:
        kinds = frozenset(str(kind_of(u)) for u in self.events) or None
        return Receiver(self.name, self.audience, self.full, kinds, frozenset(self.resource_types) or None)


@dataclass(frozen=True)
class SetSettings:
    enabled: bool = False
    # `iss` of every SET; null: server.public_url (then required when that is not set)
    issuer: str | None = None
    signing_key_file: str | None = None  # PEM: EC P-256 (ES256) or RSA >= 2048 bits (RS256)
    signing_key: str | None = field(default=None, repr=False)  # the PEM itself: SCIM_EVENTS_SETS_SIGNING_KEY
    kid: str | None = None  # null: the key's RFC 7638 thumbprint
    # a key being retired: published in the JWKS (verifies what it signed), signs nothing
    retiring_key_file: str | None = None
    retiring_key: str | None = field(default=None, repr=False)
    start: str = field(default=END, metadata=rule(choices=(END, BEGINNING)))
    max_events: int = field(default=1000, metadata=rule(minimum=1))  # SETs per poll response at most
    long_poll_seconds: int = field(default=5, metadata=rule(minimum=0))
    # ServiceProviderConfig securityEvents (RFC 9967 §4); false for clients whose SPC model has
    # no such attribute and refuses unknown ones (scim2-models 0.5 does)
    advertise: bool = True
    receivers: tuple[ReceiverSettings, ...] = ()

    def issuer_for(self, public_url: str | None) -> str:
        return self.issuer or public_url or ""

    def signing_pem(self) -> str:
        return _pem(self.signing_key, self.signing_key_file, "events.sets.signing_key") or ""

    def retiring_pem(self) -> str | None:
        return _pem(self.retiring_key, self.retiring_key_file, "events.sets.retiring_key")

    def receiver(self, name: str) -> Receiver | None:
        return next((r.domain() for r in self.receivers if r.name == name), None)


def push_env_name(receiver: str) -> str:
    """SCIM_EVENTS_SETS_<NAME>_PUSH_AUTHORIZATION ('-' and '.' as '_')."""
    return "SCIM_EVENTS_SETS_" + re.sub(r"[-.]", "_", receiver).upper() + "_PUSH_AUTHORIZATION"


def _pem(text: str | None, path: str | None, key: str) -> str | None:
    if text:
        return text
    if not path:
        return None
    try:
        return Path(path).read_text()
    except (OSError, UnicodeDecodeError) as err:
        fail(key + "_file", f"cannot read {path}: {err.__class__.__name__}")


def check_sets(s: SetSettings, public_url: str | None) -> None:
    """events.sets: an issuer, one usable signing key, receivers with distinct names, known event
    URIs and resource types."""
    if not s.enabled:
        return
    if not s.issuer_for(public_url):
        fail("events.sets.issuer", "required when server.public_url is not set")
    if s.long_poll_seconds > MAX_LONG_POLL:
        fail("events.sets.long_poll_seconds", f"at most {MAX_LONG_POLL}: a waiting poll holds a server thread")
    _check_keys(s)
    seen: set[str] = set()
    for i, r in enumerate(s.receivers):
        where = f"events.sets.receivers[{i}]"
        if not _NAME.fullmatch(r.name):
            fail(f"{where}.name", "expected 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        if r.name in seen:
            fail(f"{where}.name", f"two receivers are named {r.name!r}")
        seen.add(r.name)
        for u in r.events:
            if u not in ALL_URIS:
                fail(f"{where}.events", f"{u[:80]!r} is not an RFC 9967 provisioning event URI ({ALL_URIS[0]}, ...)")
        if r.push_url is not None and not r.push_url.startswith(("https://", "http://")):
            fail(f"{where}.push_url", "expected a URL starting with https:// (or http://)")
        for t in r.resource_types:
            if t not in RESOURCE_TYPES:
                fail(f"{where}.resource_types", f"{t[:40]!r}: expected {' or '.join(RESOURCE_TYPES)}")


def _check_keys(s: SetSettings) -> None:
    from adapters.sets.signing import KeyProblem, load_key

    for name, text, path in (("signing_key", s.signing_key, s.signing_key_file),
                             ("retiring_key", s.retiring_key, s.retiring_key_file)):
        if text and path:
            fail(f"events.sets.{name}", f"set events.sets.{name} or events.sets.{name}_file, not both")
        if name == "signing_key" and not (text or path):
            fail("events.sets.signing_key_file", "required when events.sets.enabled is true "
                 "(or events.sets.signing_key, best from SCIM_EVENTS_SETS_SIGNING_KEY)")
        pem = _pem(text, path, f"events.sets.{name}")
        if pem is None:
            continue
        try:
            load_key(pem)
        except KeyProblem as err:
            fail(f"events.sets.{name}" + ("_file" if path else ""), str(err))
