"""The service's configuration: its settings, their SCIM_* variables and the rules across fields."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TypeVar

# ConfigError is re-exported: callers catch it as app.settings.ConfigError.
from app.credential_settings import PLACEHOLDER_PASSWORD as PLACEHOLDER_PASSWORD
from app.credential_settings import (
    AdminSettings,
    CredentialSettings,
    ThrottleSettings,
    check_admin,
    check_credentials,
    with_named_secrets,
)
from app.metrics_settings import MetricsSettings, check_metrics
from app.set_settings import SetSettings, check_sets
from app.typed_yaml import ConfigError as ConfigError
from app.typed_yaml import Loader, fail, rule
from domain.idp.policy import PRESETS, Policy, policy_for
from domain.limits import DEFAULT_LIMITS, Limits
from domain.schema import extensions
from domain.schema.registry import Registry, with_indexed_length

MEMORY_URL = "memory://"
MAX_INDEXED_LENGTH = 600  # x 4 bytes of UTF-8, under PostgreSQL's B-tree row limit
MAX_FILTER_DEPTH = 100  # the parser's recursion stays far from Python's limit (1000 frames)
DEFAULT_BULK_PAYLOAD = 1048576  # scim.bulk.max_payload_bytes when not set
MAX_JSON_DEPTH = 500  # json.loads recurses once a level (Python's limit: 1000 frames)
T = TypeVar("T")


@dataclass(frozen=True)
class PolicySettings:
    """IdP tolerances: a preset, and switches that override it (null: the preset's value).
    domain/idp/policy.py documents each switch."""

    preset: str = field(default="default", metadata=rule(choices=tuple(PRESETS)))
    unknown: str | None = field(default=None, metadata=rule(choices=("ignore", "reject")))
    string_booleans: bool | None = None
    remove_value_list: bool | None = None
    unmatched_filter: str | None = field(default=None, metadata=rule(choices=("create", "noTarget")))
    unknown_members: str | None = field(default=None, metadata=rule(choices=("reject", "ignore-and-report")))
    patch_response: int | None = field(default=None, metadata=rule(choices=(200, 204)))

    def effective(self, limits: Limits = DEFAULT_LIMITS) -> Policy:
        return policy_for(
            self.preset, limits=limits, unknown=self.unknown, string_booleans=self.string_booleans,
            remove_value_list=self.remove_value_list, unmatched_filter=self.unmatched_filter,
            unknown_members=self.unknown_members, patch_response=self.patch_response,
        )


@dataclass(frozen=True)
class ExtensionAttributeSettings:
    """One attribute of an admin-declared extension; YAML keys are SCIM's (RFC 7643 §7)."""

    name: str
    type: str = "string"
    multi_valued: bool = field(default=False, metadata=rule(key="multiValued"))
    required: bool = False
    case_exact: bool = field(default=False, metadata=rule(key="caseExact"))
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    canonical_values: tuple[str, ...] = field(default=(), metadata=rule(key="canonicalValues"))
    reference_types: tuple[str, ...] = field(default=(), metadata=rule(key="referenceTypes"))
    description: str = ""
    sub_attributes: tuple[ExtensionAttributeSettings, ...] = field(
        default=(), metadata=rule(key="subAttributes")
    )


@dataclass(frozen=True)
class ExtensionSettings:
    """An extension schema declared by the admin (IdPs send custom URNs); see extension_schemas()."""

    schema: str
    resource_type: str
    attributes: tuple[ExtensionAttributeSettings, ...]
    name: str | None = None  # default: the URN's last segment
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class LimitsSettings:
    """scim.limits: domain.limits.Limits as config keys (the defaults are the domain's)."""

    filter_length: int = field(default=DEFAULT_LIMITS.filter_length, metadata=rule(minimum=1))
    filter_depth: int = field(default=DEFAULT_LIMITS.filter_depth, metadata=rule(minimum=1))
    json_depth: int = field(default=DEFAULT_LIMITS.json_depth, metadata=rule(minimum=2))
    attributes: int = field(default=DEFAULT_LIMITS.attributes, metadata=rule(minimum=1))
    multi_valued: int = field(default=DEFAULT_LIMITS.multi_valued, metadata=rule(minimum=1))
    string_length: int = field(default=DEFAULT_LIMITS.string_length, metadata=rule(minimum=1))
    patch_operations: int = field(default=DEFAULT_LIMITS.patch_operations, metadata=rule(minimum=1))
    attribute_list: int = field(default=DEFAULT_LIMITS.attribute_list, metadata=rule(minimum=1))

    def domain(self) -> Limits:
        return Limits(**{f.name: getattr(self, f.name) for f in fields(self)})


@dataclass(frozen=True)
class BulkSettings:
    """scim.bulk: POST /Bulk (RFC 7644 §3.7) and its limits, as ServiceProviderConfig says them."""

    enabled: bool = True
    max_operations: int = field(default=1000, metadata=rule(minimum=1))
    # at most server.max_body_bytes (which nginx's client_max_body_size mirrors); null: 1048576,
    # or server.max_body_bytes when that is smaller
    max_payload_bytes: int | None = field(default=None, metadata=rule(minimum=1))

    def payload_limit(self, max_body_bytes: int) -> int:
        """The bytes a bulk request may have (ServiceProviderConfig bulk.maxPayloadSize)."""
        if self.max_payload_bytes is None:
            return min(DEFAULT_BULK_PAYLOAD, max_body_bytes)
        return self.max_payload_bytes


@dataclass(frozen=True)
class ScimSettings:
    enabled: bool = True
    auth: tuple[CredentialSettings, ...] = field(default=(CredentialSettings(),), metadata=rule(single=True))
    throttle: ThrottleSettings = ThrottleSettings()
    policy: PolicySettings = PolicySettings()
    default_count: int = field(default=100, metadata=rule(minimum=1))
    max_results: int = field(default=1000, metadata=rule(minimum=1))
    max_members_per_request: int = field(default=10000, metadata=rule(minimum=1))
    # characters of userName, externalId, displayName and emails.value (they are indexed)
    max_indexed_length: int = field(default=512, metadata=rule(minimum=1))
    limits: LimitsSettings = LimitsSettings()
    bulk: BulkSettings = BulkSettings()
    extensions: tuple[ExtensionSettings, ...] = ()


def redact_url(url: str) -> str:
    """The URL with any password replaced by ***, for logs and repr."""
    return re.sub(r"(://[^/@:]*:)[^@]*@", r"\1***@", url)


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = field(default="sqlite:///scim.db", metadata=rule(nonempty=True))
    # a search that runs longer is stopped and answered 400 tooMany (0: no limit)
    search_timeout_ms: int = field(default=5000, metadata=rule(minimum=0))
    # SQLite: MiB of the database file each connection reads through a memory map (0: none)
    sqlite_mmap_mb: int = field(default=0, metadata=rule(minimum=0))

    def __repr__(self) -> str:  # the URL may carry the database password
        return (f"DatabaseSettings(url={redact_url(self.url)!r}, search_timeout_ms={self.search_timeout_ms}, "
                f"sqlite_mmap_mb={self.sqlite_mmap_mb})")

    @property
    def in_memory(self) -> bool:
        return self.url == MEMORY_URL


@dataclass(frozen=True)
class ServerSettings:
    trusted_proxies: int = field(default=0, metadata=rule(minimum=0))
    secret_key: str | None = field(default=None, repr=False)
    max_body_bytes: int = field(default=1048576, metadata=rule(minimum=1))
    # where the OpenAPI 3.1 description of the HTTP API is served (open, like discovery); "" for nowhere
    openapi_path: str = "/openapi.json"
    # the SCIM base URL as IdPs reach it (https://idm.example.com/identity/scim/v2): when set,
    # absolute URLs are built from it and the request's Host and X-Forwarded-* are ignored
    public_url: str | None = None
    # the one line each request logs (on stderr): text for a terminal, json for a log pipeline
    log_format: str = field(default="text", metadata=rule(choices=("text", "json")))


@dataclass(frozen=True)
class EventsSettings:
    """events: how `scim-service events run` delivers (domain/events/delivery.py)."""

    max_attempts: int = field(default=10, metadata=rule(minimum=1))  # then a dead letter
    backoff_seconds: int = field(default=2, metadata=rule(minimum=1))  # before the 2nd attempt; doubled each time
    max_backoff_seconds: int = field(default=600, metadata=rule(minimum=1))
    timeout_seconds: int = field(default=10, metadata=rule(minimum=1))  # for a receiver's answer
    batch_size: int = field(default=100, metadata=rule(minimum=1))  # change records read at a time
    poll_interval_ms: int = field(default=1000, metadata=rule(minimum=10))  # idle: look for new records
    concurrency: int = field(default=4, metadata=rule(minimum=1))  # subscriptions delivered at once
    sets: SetSettings = SetSettings()  # RFC 9967 security event tokens (app/set_settings.py)


@dataclass(frozen=True)
class Settings:
    scim: ScimSettings = ScimSettings()
    database: DatabaseSettings = DatabaseSettings()
    server: ServerSettings = ServerSettings()
    admin: AdminSettings = AdminSettings()
    metrics: MetricsSettings = MetricsSettings()
    events: EventsSettings = EventsSettings()


# ---- loading ---------------------------------------------------------------------------------


def _env_name(path: str) -> str:
    """scim.auth.password -> SCIM_AUTH_PASSWORD, database.url -> SCIM_DATABASE_URL."""
    return "SCIM_" + path.removeprefix("scim.").upper().replace(".", "_")


_LOADER = Loader(Settings, _env_name)

#: The environment variables read, each with the dotted setting it overrides.
ENV_VARS: Mapping[str, str] = _LOADER.env_vars


def load_settings(path: str | None = None, env: Mapping[str, str] = os.environ) -> Settings:
    """Settings from `path` (else $SCIM_CONFIG, else defaults), then SCIM_* overrides, checked."""
    settings = _LOADER.load(path or env.get("SCIM_CONFIG") or None, env)
    auth = with_named_secrets(settings.scim.auth, env)
    settings = replace(settings, scim=replace(settings.scim, auth=auth))
    check_settings(settings)
    return settings


def check_settings(settings: Settings) -> None:
    """The rules that span fields; raises ConfigError. load_settings() calls it."""
    scim = settings.scim
    if scim.enabled:  # a disabled SCIM API needs no credentials
        check_credentials(scim.auth)
        if any(c.type == "oauth" for c in scim.auth):
            check_admin(settings.admin)
    if scim.max_indexed_length > MAX_INDEXED_LENGTH:
        fail("scim.max_indexed_length", f"at most {MAX_INDEXED_LENGTH}: 4 bytes a character must fit "
             "PostgreSQL's index row limit (about 2700 bytes)")
    if scim.default_count > scim.max_results:
        fail("scim.default_count", f"must not exceed scim.max_results ({scim.max_results})")
    if (scim.bulk.max_payload_bytes or 0) > settings.server.max_body_bytes:
        fail("scim.bulk.max_payload_bytes", f"must not exceed server.max_body_bytes ({settings.server.max_body_bytes}): "
             "a bigger bulk request would be refused before it is read")
    url = settings.database.url
    if url != MEMORY_URL and not re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", url):
        # The value is not echoed: a database URL may carry a password.
        fail("database.url", "expected a URL like sqlite:///scim.db, postgresql+psycopg://... or memory://")
    if scim.limits.filter_depth > MAX_FILTER_DEPTH:
        fail("scim.limits.filter_depth", f"at most {MAX_FILTER_DEPTH}: the parser recurses once a level")
    if scim.limits.json_depth > MAX_JSON_DEPTH:
        fail("scim.limits.json_depth", f"at most {MAX_JSON_DEPTH}: Python's JSON reader recurses once a level")
    openapi = settings.server.openapi_path
    if not re.fullmatch(r"(/[A-Za-z0-9._~-]+)*", openapi) or {".", ".."} & set(openapi.split("/")):
        fail("server.openapi_path", "expected a path like /openapi.json (or \"\" to serve none)")
    if settings.server.public_url is not None:
        check_public_url(settings.server.public_url)
    if settings.server.secret_key is not None and len(settings.server.secret_key) < 16:
        fail("server.secret_key", "must be at least 16 characters")
    check_metrics(settings.metrics, openapi)
    check_sets(settings.events.sets, settings.server.public_url)
    extension_schemas(settings)


def check_public_url(url: str) -> None:
    """server.public_url: an absolute http(s) URL of the SCIM base path, nothing else in it."""
    from urllib.parse import urlsplit

    from adapters.http import SCIM_PREFIX
    from adapters.http.proxy import PREFIX, valid_host

    parts = urlsplit(url)
    path = parts.path.removesuffix("/")
    if (parts.scheme not in ("http", "https") or not valid_host(parts.netloc) or parts.query or parts.fragment
            or not path.endswith(SCIM_PREFIX) or not PREFIX.fullmatch(path)):
        fail("server.public_url", f"expected the service's public base URL ending in {SCIM_PREFIX}, "
             f"e.g. https://idm.example.com{SCIM_PREFIX} (no user, query or fragment)")


# ---- extensions -> domain schemas (the rules are the domain's) -------------------------------

_EXTENSIONS_KEY = "scim.extensions"


def _extension_rules(
    build: Callable[[Sequence[extensions.ExtensionDeclaration], str], T], settings: Settings
) -> T:
    """`build` applied to the configured extensions; a broken rule becomes the usual ConfigError."""
    try:
        return build(settings.scim.extensions, _EXTENSIONS_KEY)
    except extensions.InvalidExtension as err:
        fail(err.key, err.problem)


def extension_schemas(settings: Settings) -> extensions.Extensions:
    """The configured extensions as domain Schemas: (User extensions, Group extensions)."""
    return _extension_rules(extensions.extension_schemas, settings)


def build_registry(settings: Settings) -> Registry:
    """default_registry() with the configured extensions, honouring each one's `required` flag,
    and scim.max_indexed_length on the indexed attributes."""
    registry = _extension_rules(extensions.extension_registry, settings)
    return with_indexed_length(registry, settings.scim.max_indexed_length)
