"""Where the service's absolute URLs (meta.location, Location, $ref, OAuth metadata) come from:
`server.public_url` when it is set, else the request as the trusted proxies forwarded it.

Two WSGI middlewares, installed by app.create_app around the Flask app:
  - PublicUrl: every request is seen at the configured public URL: scheme, host and path prefix
    from it, the request's own Host and any X-Forwarded-Host/Proto/Prefix ignored;
  - ForwardedCheck (inside werkzeug's ProxyFix): a forwarded value that is not a valid host,
    port, scheme, path prefix or address is dropped and the request's own one kept, so a bad
    header can never be glued into a malformed URL (an invalid X-Forwarded-Host made
    `http:/scim/v2/...`)."""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)
WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?")
# a path prefix of segments of RFC 3986 pchars, none of them "." or ".."
PREFIX = re.compile(r"(?:/(?!\.\.?(?:/|$))[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*")


def valid_host(value: Any) -> bool:
    if not isinstance(value, str) or not HOST.fullmatch(value):
        return False
    if value.startswith("["):
        try:
            ipaddress.IPv6Address(value[1:value.index("]")])
        except ValueError:
            return False
    port = value.rsplit(":", 1)[1] if value.count(":") == 1 or "]:" in value else None
    return port is None or 0 < int(port) < 65536


def valid_address(value: Any) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


# what ProxyFix may set, the check its forwarded value must pass, and what goes back with it
_CHECKS: tuple[tuple[str, Callable[[Any], bool], tuple[str, ...]], ...] = (
    ("HTTP_HOST", valid_host, ("HTTP_HOST", "SERVER_NAME", "SERVER_PORT")),
    ("wsgi.url_scheme", lambda v: v in ("http", "https"), ("wsgi.url_scheme",)),
    ("SCRIPT_NAME", lambda v: isinstance(v, str) and PREFIX.fullmatch(v.rstrip("/")) is not None,
     ("SCRIPT_NAME",)),
    ("REMOTE_ADDR", valid_address, ("REMOTE_ADDR",)),
)


class ForwardedCheck:
    """Inside ProxyFix: undo each forwarded value that is not valid (werkzeug keeps what it
    replaced in environ["werkzeug.proxy_fix.orig"])."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        orig = environ.get("werkzeug.proxy_fix.orig")
        if orig:
            for key, valid, restore in _CHECKS:
                if environ.get(key) != orig.get(key) and not valid(environ.get(key)):
                    log.warning("ignoring an invalid forwarded %s: %r", key, str(environ.get(key))[:100])
                    for name in restore:
                        environ[name] = orig.get(name)
        return self.app(environ, start_response)


class PublicUrl:
    """Every request as if it came to the public URL: its scheme, host and prefix."""

    def __init__(self, app: WsgiApp, public_url: str, scim_prefix: str) -> None:
        parts = urlsplit(public_url)
        self.app, self.scheme, self.host = app, parts.scheme, parts.netloc
        self.root = parts.path.rstrip("/").removesuffix(scim_prefix)
        self.port = str(parts.port or (443 if parts.scheme == "https" else 80))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ.update({"wsgi.url_scheme": self.scheme, "HTTP_HOST": self.host, "SERVER_PORT": self.port,
                        "SCRIPT_NAME": self.root})
        return self.app(environ, start_response)
