"""The capability registry: what this service provider supports, as ServiceProviderConfig
(RFC 7643 §5) reports it. Each feature flips its own flag here when it lands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capabilities:
    patch: bool = False
    bulk: bool = False
    bulk_max_operations: int = 0
    bulk_max_payload: int = 0
    filter: bool = True
    filter_max_results: int = 1000
    change_password: bool = False
    sort: bool = False
    etag: bool = True
    pagination_index: bool = True
    pagination_cursor: bool = False
    default_page_size: int = 100
    auth_schemes: tuple[str, ...] = ("basic",)
    # RFC 9967 §4 securityEvents: the event URIs the SET receivers can get (None: no SETs)
    security_events: tuple[str, ...] | None = None
