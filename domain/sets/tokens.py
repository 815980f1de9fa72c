"""A change record as the Security Event Tokens (RFC 8417) one receiver gets, and the ports that
sign them and read a resource for a full event. Pure: the same record gives the same claims, so
a SET sent again (an unacknowledged poll, a retried push) is the same SET, `jti` included."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from domain.feed import Recorded
from domain.sets.events import WITH_PAYLOAD, Receiver, uri

_JTI = re.compile(r"([0-9]{1,18})-([0-9]{1,3})-([0-9a-f]{24})")


class JtiScheme:
    """`jti` (RFC 7519 §4.1.7) from (receiver, record number, index of the SET among the
    record's): `<seq>-<index>-<mac>`, the mac an HMAC-SHA256 of the three under the service's
    secret. Stable across redeliveries and workers; distinct per receiver and per database (a
    new database has a new secret, unless server.secret_key is configured); and a receiver's
    acknowledgement names the record it is for, checked against the mac, without a lookup."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, receiver: str, seq: int, index: int) -> str:
        message = f"{receiver}\0{seq}\0{index}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:24]

    def make(self, receiver: str, seq: int, index: int) -> str:
        return f"{seq}-{index}-{self._mac(receiver, seq, index)}"

    def parse(self, receiver: str, jti: str) -> tuple[int, int] | None:
        """(seq, index) of a jti made for `receiver`; None for any other string."""
        found = _JTI.fullmatch(jti)
        if found is None:
            return None
        seq, index = int(found[1]), int(found[2])
        return (seq, index) if hmac.compare_digest(found[3], self._mac(receiver, seq, index)) else None


class DataSource(Protocol):
    """The resource as a SCIM GET returns it now (never a password: it is never returned), or
    None when it no longer exists."""

    def __call__(self, resource_type: str, resource_id: str) -> dict[str, Any] | None: ...


class Signer(Protocol):
    """Signs SET claims as a JWS compact serialization (RFC 7515) of type secevent+jwt."""

    def sign(self, claims: Mapping[str, Any]) -> str: ...


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One SET to deliver: its jti, the record it comes from, its index among the record's SETs
    for the receiver, and its claims (unsigned)."""

    jti: str
    seq: int
    index: int
    claims: dict[str, Any]


class SetBuilder:
    """The SETs of one change record for one receiver: none when its filters exclude the record,
    else one (index 0) whose `events` holds each event of the state change (RFC 9967 §2.1).
    `iss` is the issuer, `aud` the receiver's audience, `iat` the record's time, `txn` the
    request id of the write (RFC 9967 §2.2; a Bulk request's operations share it), `sub_id`
    the resource's SCIM path (§2.1). Notice events name the changed attributes; a full
    receiver's events carry the resource as `data` (with its `version`), read when the SET is
    built, or a notice when the resource is gone by then."""

    def __init__(self, issuer: str, jtis: JtiScheme, endpoints: Mapping[str, str]) -> None:
        self._issuer, self.jtis, self._endpoints = issuer, jtis, endpoints

    def keys(self, item: Recorded, receiver: Receiver) -> list[tuple[int, int]]:
        """(seq, index) of the SETs `build` would give, without building them."""
        return [(item.seq, 0)] if receiver.kinds_for(item.change) else []

    def jti(self, receiver: Receiver, seq: int, index: int) -> str:
        return self.jtis.make(receiver.name, seq, index)

    def build(self, item: Recorded, receiver: Receiver, data: DataSource | None = None) -> list[Outgoing]:
        c = item.change
        kinds = receiver.kinds_for(c)
        if not kinds:
            return []
        full = None
        if receiver.full and data is not None and any(k in WITH_PAYLOAD for k in kinds):
            full = data(c.resource_type, c.resource_id)
        endpoint = self._endpoints.get(c.resource_type, "/" + c.resource_type)
        sub_id: dict[str, Any] = {"format": "scim", "uri": f"{endpoint}/{c.resource_id}"}
        if full is not None and isinstance(full.get("externalId"), str):
            sub_id["externalId"] = full["externalId"]
        jti = self.jti(receiver, item.seq, 0)
        claims: dict[str, Any] = {"jti": jti, "iss": self._issuer, "iat": int(c.at.timestamp()),
                                  "aud": receiver.audience}
        if c.request_id:
            claims["txn"] = c.request_id
        claims["sub_id"] = sub_id
        claims["events"] = {uri(k, full is not None): _payload(k, c.attributes, full) for k in kinds}
        return [Outgoing(jti, item.seq, 0, claims)]


def _payload(kind: str, attributes: tuple[str, ...], full: dict[str, Any] | None) -> dict[str, Any]:
    if kind not in WITH_PAYLOAD:
        return {}
    if full is None:
        return {"attributes": list(attributes)}
    payload: dict[str, Any] = {"data": full}
    version = full.get("meta", {}).get("version")
    if isinstance(version, str):
        payload["version"] = version
    return payload
