"""The provisioning events of RFC 9967 §2.4 and which of them a change record is. A receiver
configured `full` gets the `:full` variants with the resource in `data`; any other gets the
`:notice` ones with the changed attribute names only."""

from __future__ import annotations

from dataclasses import dataclass

from domain.audit import CREATE, DEACTIVATE, DELETE, PATCH, REACTIVATE, REPLACE, Change

PREFIX = "urn:ietf:params:scim:event:prov:"
# the kinds that have a payload (RFC 9967 §2.4: data or attributes) come as :notice or :full
WITH_PAYLOAD = ("create", "patch", "put")
BARE = ("delete", "activate", "deactivate")  # no payload, no qualifier (§2.4.4 to §2.4.6)
KINDS = WITH_PAYLOAD + BARE
ALL_URIS = tuple(f"{PREFIX}{k}:{q}" for k in WITH_PAYLOAD for q in ("notice", "full")) + tuple(
    PREFIX + k for k in BARE)

# A deactivation or reactivation is an update as well: the change record keeps the attributes
# it changed but not whether it came by PUT or PATCH, so the update is said as a patch (a
# partial change of the named attributes is true of either), beside the lifecycle event, in one
# SET (§2.1: several events of one SET arise from the same state change).
_KINDS_OF = {CREATE: ("create",), REPLACE: ("put",), PATCH: ("patch",), DELETE: ("delete",),
             DEACTIVATE: ("patch", "deactivate"), REACTIVATE: ("patch", "activate")}


def uri(kind: str, full: bool) -> str:
    """The event URI of `kind`, with its qualifier when the kind has a payload."""
    if kind in BARE:
        return PREFIX + kind
    return f"{PREFIX}{kind}:{'full' if full else 'notice'}"


def kind_of(event_uri: str) -> str | None:
    """create, patch, put, delete, activate or deactivate; None for a URI not of §2.4."""
    if event_uri not in ALL_URIS:
        return None
    return event_uri.removeprefix(PREFIX).split(":")[0]


@dataclass(frozen=True, slots=True)
class Receiver:
    """One configured SET receiver: its name (in the poll URL and the jti), the `aud` of its
    SETs, whether it gets full events, and optional filters: event kinds (None: every kind)
    and resource types (None: every type)."""

    name: str
    audience: str
    full: bool = False
    kinds: frozenset[str] | None = None
    resource_types: frozenset[str] | None = None

    def kinds_for(self, change: Change) -> tuple[str, ...]:
        """The event kinds this receiver gets for `change` (none: it gets no SET for it)."""
        if self.resource_types is not None and change.resource_type not in self.resource_types:
            return ()
        kinds = _KINDS_OF.get(change.operation, ())
        return kinds if self.kinds is None else tuple(k for k in kinds if k in self.kinds)

    def uris(self) -> tuple[str, ...]:
        """The event URIs this receiver can be sent (a full receiver also gets notices: for a
        resource deleted before its full event was delivered)."""
        kinds = KINDS if self.kinds is None else tuple(k for k in KINDS if k in self.kinds)
        found = [uri(k, False) for k in kinds] + [uri(k, True) for k in kinds if self.full and k in WITH_PAYLOAD]
        return tuple(u for u in ALL_URIS if u in found)


def emitted(receivers: tuple[Receiver, ...]) -> tuple[str, ...]:
    """Every event URI some receiver can be sent, in RFC order (ServiceProviderConfig
    securityEvents.eventUris)."""
    found = {u for r in receivers for u in r.uris()}
    return tuple(u for u in ALL_URIS if u in found)
