"""Cursors for RFC 9865 paging: opaque, signed with the service's secret key (valid across
workers and hosts sharing it), bound to the query they page through, and expiring."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from domain.errors import ExpiredCursor, InvalidCount, InvalidCursor

CURSOR_TIMEOUT = 3600  # seconds a cursor stays valid (ServiceProviderConfig cursorTimeout)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "==")  # enough padding; the decoder ignores any extra


@dataclass(frozen=True)
class Position:
    """What a cursor carries: where the next page starts and the count it was issued for."""

    value: Any
    id: str
    count: int


class Cursors:
    """Seals and opens cursors. A cursor only works for the same resource type, filter and
    sort it was issued for (`fingerprint`)."""

    def __init__(self, secret: str, timeout: int = CURSOR_TIMEOUT) -> None:
        self._key = hashlib.sha256(b"scim-cursor:" + secret.encode()).digest()
        self.timeout = timeout

    def _mac(self, payload: bytes) -> str:
        return _b64(hmac.new(self._key, payload, hashlib.sha256).digest()[:18])

    def seal(self, fingerprint: str, position: Position, now: float | None = None) -> str:
        body = {"f": fingerprint, "v": position.value, "i": position.id, "c": position.count,
                "t": int(now if now is not None else time.time())}
        payload = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(payload)}.{self._mac(payload)}"

    def open(self, token: str, fingerprint: str, count: int | None, now: float | None = None) -> Position:
        try:
            encoded, mac = token.split(".")
            payload = _unb64(encoded)
        except (ValueError, UnicodeError):
            raise InvalidCursor("the cursor is not one this server issued") from None
        # compare_digest refuses a str that is not ASCII (a TypeError: it was a 500)
        if not mac.isascii() or not hmac.compare_digest(mac, self._mac(payload)):
            raise InvalidCursor("the cursor is not one this server issued")
        body = json.loads(payload)
        if body["f"] != fingerprint:
            raise InvalidCursor("the cursor belongs to another query (filter, sort or resource type)")
        if (now if now is not None else time.time()) - body["t"] > self.timeout:
            raise ExpiredCursor(f"the cursor is older than {self.timeout} seconds; start again")
        if count is not None and count != body["c"]:
            raise InvalidCount(f"count must stay {body['c']} while paging with this cursor")
        return Position(body["v"], body["i"], body["c"])


def fingerprint(*parts: str | None) -> str:
    return hashlib.sha256("\x1f".join(p or "" for p in parts).encode()).hexdigest()[:24]
