"""Security events wired into the app (events.sets.*): the SET builder and signer built from
the settings (also what a push sender would use), the ack store of the configured database, and
the poll and JWKS routes (adapters/http/sets.py)."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from adapters.sets.push import PushTarget, SetPushSender
from adapters.sets.signing import JwsSigner
from app.settings import Settings
from domain.schema.registry import Registry
from domain.sets.poll import AckStore, LongPoll, PollSets
from domain.sets.tokens import JtiScheme, SetBuilder

log = logging.getLogger(__name__)


def set_builder(settings: Settings, registry: Registry, secret_key: str) -> SetBuilder:
    """The SETs of each change record for each receiver; jti keyed by the service's secret."""
    s = settings.events.sets
    key = hashlib.sha256(b"scim-service set jti\0" + secret_key.encode()).digest()
    return SetBuilder(s.issuer_for(settings.server.public_url), JtiScheme(key),
                      {t.name: t.endpoint for t in registry.types})


def push_targets(settings: Settings, env: Mapping[str, str] = os.environ) -> dict[str, PushTarget]:
    """The receivers `events run` pushes to (RFC 8935), by name."""
    s = settings.events.sets
    if not s.enabled:
        return {}
    return {r.name: PushTarget(r.domain(), r.push_url, r.push_secret(env)) for r in s.receivers if r.push_url}


def push_sender(settings: Settings, container: Any, secret_key: str) -> SetPushSender:
    """The sender of the `set` subscriptions: SETs built and signed as the poll endpoint does; a
    full receiver's resource read through GetResource, its meta.location under
    server.public_url (without one, the worker knows no base URL: notices only)."""
    from adapters.http.sets import resource_reader

    registry, public = container.registry(), settings.server.public_url
    data = resource_reader(container.get_resource(), registry, lambda: public.rstrip("/")) if public else None
    return SetPushSender(set_builder(settings, registry, secret_key), signer_of(settings),
                         push_targets(settings), settings.events.timeout_seconds, data)


def signer_of(settings: Settings) -> JwsSigner:
    s = settings.events.sets
    return JwsSigner(s.signing_pem(), s.kid, s.retiring_pem())


def ack_store(container: Any, settings: Settings) -> AckStore:
    """The receivers' state in the configured database (memory:// keeps it in the process)."""
    if settings.database.in_memory:
        from adapters.memory.sets import InMemoryAckStore

        return InMemoryAckStore()
    from adapters.sqlalchemy.sets import SqlAckStore

    return SqlAckStore(container.engine())


def install_sets(app: Flask, container: Any, settings: Settings, registry: Registry) -> None:
    """The poll endpoint and the JWKS, when events.sets.enabled (with the SCIM API)."""
    from adapters.http import sets as routes

    s = settings.events.sets
    if not s.enabled:
        return
    if s.signing_key and "SCIM_EVENTS_SETS_SIGNING_KEY" not in os.environ:
        log.warning("warning: events.sets.signing_key is plain text in the config file; prefer "
                    "events.sets.signing_key_file or SCIM_EVENTS_SETS_SIGNING_KEY")
    signer = signer_of(settings)
    poll = PollSets(container.audit_log(), ack_store(container, settings),
                    set_builder(settings, registry, str(app.secret_key)), signer, container.clock(),
                    s.max_events, s.start, LongPoll(float(s.long_poll_seconds)))
    # a pushed receiver (push_url) is sent its SETs by `events run`: it has no poll endpoint
    # (refused like an unknown receiver: 401)
    receivers = {r.name: r.domain() for r in s.receivers if r.push_url is None}
    app.register_blueprint(routes.blueprint(poll, receivers, container.tokens(), container.throttle(),
                                            signer.jwks(), routes.resource_reader(container.get_resource(), registry)))
    app.extensions["sets"] = receivers  # for the OpenAPI document
