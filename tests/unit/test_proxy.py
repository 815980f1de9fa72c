"""The rules of adapters/http/proxy.py on plain WSGI environs: which forwarded values are kept,
which are undone to what the request itself said, and the public URL that overrides them all.
(tests/http/test_proxy_and_config.py has the same through ProxyFix and Flask.)"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from adapters.http.proxy import PREFIX, ForwardedCheck, PublicUrl, valid_address, valid_host

ORIG = {"HTTP_HOST": "internal:8000", "SERVER_NAME": "internal", "SERVER_PORT": "8000",
        "wsgi.url_scheme": "http", "SCRIPT_NAME": "", "REMOTE_ADDR": "10.0.0.2"}


START = object()  # the WSGI server's start_response, which the middlewares must pass on


def seen(app: Any, environ: dict[str, Any]) -> dict[str, Any]:
    """The environ the wrapped application receives."""
    got: dict[str, Any] = {}

    def inner(env: dict[str, Any], start_response: Any) -> list[bytes]:
        assert start_response is START
        got.update(env)
        return [b"body"]

    assert app(inner)(environ, START) == [b"body"]
    return got


def forwarded(**changes: Any) -> dict[str, Any]:
    """An environ as ProxyFix leaves it: `changes` applied, the originals kept beside."""
    return {**ORIG, **changes, "werkzeug.proxy_fix.orig": dict(ORIG)}


@pytest.mark.parametrize("host", ["idm.example.com", "idm.example.com:8443", "10.0.0.7", "[2001:db8::1]", "[::1]",
                                  "[2001:db8::1]:443", "localhost", "a-b.example.", "x:1", "x:65535"])
def test_valid_hosts(host: str) -> None:
    assert valid_host(host)


@pytest.mark.parametrize("host", ["", "bad host", "a/b", "u@h", "x:0", "x:65536", "x:", "x:port", "-a.example",
                                  "a-.example", "a..b", "[zz]", "[2001:db8::1", "[::1]x", "h:1:2", None, 7, "[::1::2]", "[1.2.3.4]",
                                  "[::1::2]:443", "[12345::]",
                                  "a" * 64 + ".example"])
def test_invalid_hosts(host: Any) -> None:
    assert not valid_host(host)


@pytest.mark.parametrize(("prefix", "ok"), [("", True), ("/identity", True), ("/a/b-c_d.e~f", True),
                                            ("/a%20b", True), ("identity", False), ("/a b", False),
                                            ("/..", False), ("/a/../b", False), ("/.", False), ("//x", False),
                                            ("/a?b", False), ("/a#b", False), ("/...", True)])
def test_prefixes(prefix: str, ok: bool) -> None:
    assert (PREFIX.fullmatch(prefix) is not None) is ok


@pytest.mark.parametrize(("address", "ok"), [("203.0.113.9", True), ("2001:db8::1", True), ("unknown", False),
                                             ("", False), ("1.2.3.4, 5.6.7.8", False)])
def test_addresses(address: str, ok: bool) -> None:
    assert valid_address(address) is ok


def test_valid_forwarded_values_are_kept() -> None:
    env = forwarded(HTTP_HOST="idm.example.com:8443", SERVER_NAME="idm.example.com", SERVER_PORT="8443",
                    **{"wsgi.url_scheme": "https"}, SCRIPT_NAME="/identity", REMOTE_ADDR="203.0.113.9")
    got = seen(ForwardedCheck, env)
    assert (got["HTTP_HOST"], got["SERVER_PORT"], got["wsgi.url_scheme"], got["SCRIPT_NAME"], got["REMOTE_ADDR"]) == (
        "idm.example.com:8443", "8443", "https", "/identity", "203.0.113.9")


def test_an_invalid_host_is_undone_with_its_name_and_port_and_said(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "adapters.http.proxy"):
        got = seen(ForwardedCheck, forwarded(HTTP_HOST="bad host", SERVER_NAME="bad host", SERVER_PORT="1"))
    assert (got["HTTP_HOST"], got["SERVER_NAME"], got["SERVER_PORT"]) == ("internal:8000", "internal", "8000")
    assert caplog.messages == ["ignoring an invalid forwarded HTTP_HOST: 'bad host'"]


def test_a_long_invalid_value_is_said_cut_to_100_characters(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "adapters.http.proxy"):
        seen(ForwardedCheck, forwarded(HTTP_HOST="x y" * 100))
    assert caplog.messages == [f"ignoring an invalid forwarded HTTP_HOST: {('x y' * 100)[:100]!r}"]


def test_an_unchanged_value_is_not_checked_even_when_invalid(caplog: pytest.LogCaptureFixture) -> None:
    """Only what ProxyFix took from the headers is checked: the request's own Host is werkzeug's."""
    env = forwarded()
    env["werkzeug.proxy_fix.orig"] = {**ORIG, "REMOTE_ADDR": "unix-socket"}
    env["REMOTE_ADDR"] = "unix-socket"
    with caplog.at_level(logging.WARNING, "adapters.http.proxy"):
        assert seen(ForwardedCheck, env)["REMOTE_ADDR"] == "unix-socket"
    assert caplog.messages == []


@pytest.mark.parametrize(("key", "value"), [("wsgi.url_scheme", "ftp"), ("SCRIPT_NAME", "/../x"),
                                            ("REMOTE_ADDR", "not-an-ip")])
def test_each_invalid_value_is_undone_alone(key: str, value: str) -> None:
    got = seen(ForwardedCheck, forwarded(**{key: value}, HTTP_HOST="idm.example.com"))
    assert got[key] == ORIG[key] and got["HTTP_HOST"] == "idm.example.com"


def test_without_proxy_fix_nothing_is_checked_or_changed() -> None:
    env = {**ORIG, "HTTP_HOST": "bad host"}
    assert seen(ForwardedCheck, dict(env))["HTTP_HOST"] == "bad host"  # werkzeug refuses it later


def test_the_public_url_replaces_scheme_host_port_and_prefix() -> None:
    app = lambda inner: PublicUrl(inner, "https://idm.example.com/identity/scim/v2", "/scim/v2")  # noqa: E731
    got = seen(app, forwarded(HTTP_HOST="evil.example", SCRIPT_NAME="/evil"))
    assert (got["wsgi.url_scheme"], got["HTTP_HOST"], got["SERVER_PORT"], got["SCRIPT_NAME"]) == (
        "https", "idm.example.com", "443", "/identity")
    plain = lambda inner: PublicUrl(inner, "http://h:8080/scim/v2/", "/scim/v2")  # noqa: E731
    got = seen(plain, dict(ORIG))
    assert (got["HTTP_HOST"], got["SERVER_PORT"], got["SCRIPT_NAME"]) == ("h:8080", "8080", "")
    default = lambda inner: PublicUrl(inner, "http://h/x/scim/v2/", "/scim/v2")  # noqa: E731
    got = seen(default, dict(ORIG))
    assert (got["HTTP_HOST"], got["SERVER_PORT"], got["SCRIPT_NAME"]) == ("h", "80", "/x")
