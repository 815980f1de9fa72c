"""The metrics settings (`metrics.*`) and their rules across fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.typed_yaml import fail


@dataclass(frozen=True)
class MetricsSettings:
    """Prometheus metrics (adapters/http/metrics.py): at `path` on the API listener behind the
    metrics credential, or, with `bind`, on that address alone (gunicorn's master, no credential:
    restrict who reaches it)."""

    enabled: bool = False
    path: str = "/metrics"
    bind: str | None = None  # host:port, e.g. 127.0.0.1:9464
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    password_hash: str | None = field(default=None, repr=False)  # argon2id: `scim-service password hash`
    # where gunicorn's workers keep their figures (emptied at start); null: a new temporary directory
    multiproc_dir: str | None = None



BIND = re.compile(r"(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(?P<port>[0-9]{1,5})")


def check_metrics(m: MetricsSettings, openapi_path: str) -> None:
    """metrics.*: a served path that is a plain path, not another route's; a credential on the
    API listener, none on the separate bind (it has no way to ask for one)."""
    if not m.enabled:
        return
    if not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", m.path) or {".", ".."} & set(m.path.split("/")):
        fail("metrics.path", "expected a path like /metrics")
    from adapters.http import SCIM_PREFIX

    taken = {"/healthz", "/readyz", "/changes", openapi_path}
    prefixes = ("/oauth2", SCIM_PREFIX, "/events")  # the OAuth pages, the SCIM API, the SET routes
    if m.path in taken or any(m.path == p or m.path.startswith(p + "/") for p in prefixes):
        fail("metrics.path", "is another route's path")
    secret = m.password is not None or m.password_hash is not None
    if m.bind is not None:
        found = BIND.fullmatch(m.bind)
        if found is None or not 0 < int(found["port"]) < 65536:
            fail("metrics.bind", "expected host:port, e.g. 127.0.0.1:9464")
        if m.username is not None or secret:
            fail("metrics.username", "the separate metrics.bind listener asks for no credential: "
                 "remove it, or remove metrics.bind to serve metrics.path behind it")
        return
    if not m.username:
        fail("metrics.username", "required when metrics are enabled without metrics.bind")
    if not secret:
        fail("metrics.password", "metrics.password or metrics.password_hash is required with metrics.username")
    if m.password is not None and m.password_hash is not None:
        fail("metrics.password", "set metrics.password or metrics.password_hash, not both")
