"""Standard Webhooks signatures (standardwebhooks.com): `webhook-signature: v1,<base64 of
HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>">`, the key being the bytes the
`whsec_<base64>` secret encodes. Receivers verify with any Standard Webhooks library or a few
lines of hmac (README)."""

from __future__ import annotations

import base64
import hashlib
import hmac

PREFIX = "whsec_"


def key_of(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(key: bytes, event_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{event_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def headers(key: bytes, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers of one delivery (the timestamp is the attempt's: a receiver refuses
    old ones against replays, so a retry is signed anew, with the same id)."""
    return {"webhook-id": event_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(key, event_id, timestamp, body)}
