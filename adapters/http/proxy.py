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
HOST = re.compile(rf"(?:(?P<name>{_LABEL}(?:\.{_LABEL})*\.?)|\[(?P<ip6>[0-9A-Fa-f:.]+)\])(?::(?P<port>[0-9]{{1,5}}))?")
# a path prefix of segments of RFC 3986 pchars, none of them "." or ".."
PREFIX = re.compile(r"(?:/(?!\.\.?(?:/|$))[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*")


def valid_host(value: Any) -> bool:
    """A Host header value: a DNS name or IPv4 address, or an IPv6 address in brackets, with
    an optional port from 1 to 65535."""
    match = HOST.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return False
    if match["ip6"] is not None and not isinstance(_address(match["ip6"]), ipaddress.IPv6Address):
        return False
    return match["port"] is None or 0 < int(match["port"]) < 65536


def _address(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def valid_address(value: Any) -> bool:
    return _address(value) is not None


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
        self.root = parts.path.removesuffix("/").removesuffix(scim_prefix)
        self.port = str(parts.port or (443 if parts.scheme == "https" else 80))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ.update({"wsgi.url_scheme": self.scheme, "HTTP_HOST": self.host, "SERVER_PORT": self.port,
                        "SCRIPT_NAME": self.root})
        return self.app(environ, start_response)
