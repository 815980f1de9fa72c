"""The dependency-injection container: adapters chosen by configuration, use cases built once per
process, and the HTTP adapter's dependencies supplied by attribute."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from dependency_injector import containers, providers

from adapters.credentials.basic import BasicAuthenticator, BasicCredential
from adapters.credentials.bearer import BearerAuthenticator, CredentialSet
from adapters.http.cursors import Cursors
from adapters.http.dependencies import HttpDependencies, Paging, Profile, Profiles
from adapters.memory.audit import InMemoryAuditLog
from adapters.memory.credentials import InMemoryFailureCounter, InMemoryTokenStore
from adapters.memory.oauth import InMemoryClientStore, InMemoryCodeStore
from adapters.memory.store import InMemoryTransactions
from adapters.sqlalchemy.audit import SqlAuditLog
from adapters.sqlalchemy.credentials import SqlFailureCounter, SqlTokenStore
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.migrate import Readiness
from adapters.sqlalchemy.oauth import SqlClientStore, SqlCodeStore
from adapters.sqlalchemy.uow import SqlTransactions
from adapters.system import Argon2Hasher, SystemClock, UuidGenerator
from app.settings import CredentialSettings, Settings
from domain.capabilities import Capabilities
from domain.credentials.oauth import CodeStore, Grants, Lifetimes, OAuthClients
from domain.credentials.throttle import Throttle, ThrottleRules
from domain.credentials.tokens import Tokens, TokenStore
from domain.feed import FollowChanges
from domain.idp.policy import Policy, policy_for
from domain.model import GROUP, USER
from domain.observing import ChangeObserver, observed
from domain.ports import Authenticator, Clock, IdGenerator, PasswordHasher, Transactions
from domain.provisioning.groups import CreateGroup, DeleteGroup, PatchGroup, ReplaceGroup
from domain.provisioning.me import FindMe
from domain.provisioning.membership import MemberPolicy, SyncGroupMembership
from domain.provisioning.operations import ResourceOperations
from domain.provisioning.reads import GetResource, SearchResources
from domain.provisioning.users import DeleteUser, PatchUser, ProvisionUser, ReplaceUser
from domain.schema.registry import Registry
from domain.sets.events import emitted

MEMORY_URL = "memory://"


def backend_of(url: str) -> str:
    return "memory" if url == MEMORY_URL else "sql"


def by_backend(settings: Any, engine: Any, memory: type, sql: type) -> providers.Selector[Any]:
    """One store per process: the in-memory class for memory://, else the SQL one on the engine."""
    return providers.Selector(
        providers.Callable(backend_of, settings.provided.database.url),
        memory=providers.ThreadSafeSingleton(memory),
        sql=providers.ThreadSafeSingleton(sql, engine),
    )


def auth_schemes_of(s: Settings) -> tuple[str, ...]:
    """The configured credentials' schemes, in their order, each once."""
    return tuple(dict.fromkeys(c.type for c in s.scim.auth))


def security_events_of(s: Settings) -> tuple[str, ...] | None:
    """The event URIs ServiceProviderConfig's securityEvents lists (None: no such attribute)."""
    sets = s.events.sets
    return emitted(tuple(r.domain() for r in sets.receivers)) if sets.enabled and sets.advertise else None


def capabilities_of(s: Settings) -> Capabilities:
    bulk = s.scim.bulk
    return Capabilities(
        patch=True, sort=True, pagination_cursor=True, change_password=True, filter_max_results=s.scim.max_results,
        default_page_size=s.scim.default_count, auth_schemes=auth_schemes_of(s), bulk=bulk.enabled,
        bulk_max_operations=bulk.max_operations if bulk.enabled else 0,
        bulk_max_payload=bulk.payload_limit(s.server.max_body_bytes) if bulk.enabled else 0,
        security_events=security_events_of(s),
    )


def authenticator_of(s: Settings, tokens: Tokens, hasher: PasswordHasher) -> CredentialSet:
    """Basic for the basic credentials; Bearer for the tokens of bearer and oauth ones."""
    basic = [BasicCredential(c.principal, c.username or "", c.password, c.password_hash, c.me)
             for c in s.scim.auth if c.type == "basic"]
    bearer = {c.principal: c.me for c in s.scim.auth if c.type in ("bearer", "oauth")}
    built: dict[str, Authenticator] = {
        "basic": BasicAuthenticator(basic, hasher), "bearer": BearerAuthenticator(tokens, bearer)}
    http = dict.fromkeys("basic" if scheme == "basic" else "bearer" for scheme in auth_schemes_of(s))
    return CredentialSet([built[scheme] for scheme in http])


def oauth_credential(s: Settings) -> CredentialSettings | None:
    return next((c for c in s.scim.auth if c.type == "oauth"), None)


def grants_of(s: Settings, codes: CodeStore, tokens: TokenStore, clock: Clock, ids: IdGenerator) -> Grants | None:
    cred = oauth_credential(s)
    if cred is None:
        return None
    lifetimes = Lifetimes(timedelta(seconds=cred.code_lifetime_seconds),
                          timedelta(seconds=cred.access_token_lifetime_seconds),
                          timedelta(seconds=cred.refresh_token_lifetime_seconds),
                          timedelta(seconds=cred.refresh_grace_seconds))
    return Grants(cred.principal, codes, tokens, clock, ids, lifetimes)


def admin_of(s: Settings, hasher: PasswordHasher) -> BasicAuthenticator:
    """The administrator of the OAuth consent page, checked like a basic credential."""
    a = s.admin
    return BasicAuthenticator([BasicCredential(a.username or "", a.username or "", a.password, a.password_hash)]
                              if a.username else [], hasher)


def throttle_rules_of(s: Settings) -> ThrottleRules:
    return ThrottleRules(s.scim.throttle.max_failures, timedelta(seconds=s.scim.throttle.window_seconds))


def operations_of(policy: Policy, tx: Transactions, registry: Registry, clock: Clock, ids: IdGenerator,
                  hasher: PasswordHasher, max_members: int) -> dict[str, ResourceOperations]:
    """The write use cases of both resource types under one IdP policy."""
    members = SyncGroupMembership(MemberPolicy.of(policy, max_members))
    user, group = registry.user, registry.group
    return {
        USER: ResourceOperations(
            create=ProvisionUser(tx, user, clock, ids, hasher), replace=ReplaceUser(tx, user, clock, hasher),
            patch=PatchUser(tx, user, clock, policy, hasher), delete=DeleteUser(tx, clock)),
        GROUP: ResourceOperations(
            create=CreateGroup(tx, group, clock, ids, members), replace=ReplaceGroup(tx, group, clock, members),
            patch=PatchGroup(tx, group, clock, policy, members), delete=DeleteGroup(tx, clock)),
    }


def profiles_of(s: Settings, default: Policy,
                operations_for: Callable[..., dict[str, ResourceOperations]]) -> Profiles:
    """Each credential's policy with the use cases built on it: a credential without `policy`
    gets scim.policy's; one set of use cases per distinct policy."""
    built = {default: Profile(default, operations_for(policy=default))}
    by_principal = {}
    for cred in s.scim.auth:
        policy = default if cred.policy is None else policy_for(cred.policy, limits=default.limits)
        if policy not in built:
            built[policy] = Profile(policy, operations_for(policy=policy))
        by_principal[cred.principal] = built[policy]
    return Profiles(built[default], by_principal)


class Container(containers.DeclarativeContainer):
    """One per process (per gunicorn worker), built inside create_app(). Everything is a
    singleton: the use cases hold no request state, so nothing is built per request."""

    settings = providers.Dependency(instance_of=Settings)
    registry = providers.Dependency(instance_of=Registry)
    secret_key = providers.Dependency(instance_of=str)

    # Gateways. Engines connect lazily: nothing is connected before gunicorn forks.
    engine = providers.ThreadSafeSingleton(make_engine, settings.provided.database.url,
                                           settings.provided.database.sqlite_mmap_mb)
    transactions = providers.Selector(
        providers.Callable(backend_of, settings.provided.database.url),
        memory=providers.ThreadSafeSingleton(InMemoryTransactions),
        sql=providers.ThreadSafeSingleton(
            SqlTransactions, engine, registry, settings.provided.database.search_timeout_ms
        ),
    )
    # what watches committed writes (the metrics, when enabled: create_app overrides it); the
    # write use cases open their units of work through `write_transactions`
    change_observer: providers.Object[ChangeObserver | None] = providers.Object(None)
    write_transactions = providers.ThreadSafeSingleton(observed, transactions, change_observer)
    # /readyz: the database answers at the schema's head revision (the memory store always does)
    readiness = providers.Selector(
        providers.Callable(backend_of, settings.provided.database.url),
        memory=providers.Object(lambda: None),
        sql=providers.ThreadSafeSingleton(Readiness, engine),
    )
    audit_log = providers.Selector(
        providers.Callable(backend_of, settings.provided.database.url),
        memory=providers.ThreadSafeSingleton(InMemoryAuditLog, transactions),
        sql=providers.ThreadSafeSingleton(SqlAuditLog, engine),
    )
    follow_changes = providers.ThreadSafeSingleton(FollowChanges, audit_log)
    clock = providers.ThreadSafeSingleton(SystemClock)
    ids = providers.ThreadSafeSingleton(UuidGenerator)
    hasher = providers.ThreadSafeSingleton(Argon2Hasher)
    token_store = by_backend(settings, engine, InMemoryTokenStore, SqlTokenStore)
    failure_counter = by_backend(settings, engine, InMemoryFailureCounter, SqlFailureCounter)
    tokens = providers.ThreadSafeSingleton(Tokens, token_store, clock, ids)
    client_store = by_backend(settings, engine, InMemoryClientStore, SqlClientStore)
    code_store = by_backend(settings, engine, InMemoryCodeStore, SqlCodeStore)
    oauth_clients = providers.ThreadSafeSingleton(OAuthClients, client_store, token_store, clock)
    grants = providers.ThreadSafeSingleton(grants_of, settings, code_store, token_store, clock, ids)
    admin = providers.ThreadSafeSingleton(admin_of, settings, hasher)
    # argon2 verifies with the parameters inside each configured hash, whatever the hasher's
    authenticator = providers.ThreadSafeSingleton(authenticator_of, settings, tokens, hasher)
    throttle = providers.ThreadSafeSingleton(
        Throttle, failure_counter, clock, providers.Callable(throttle_rules_of, settings)
    )

    # Rules read from the settings once.
    policy = providers.ThreadSafeSingleton(
        settings.provided.scim.policy.effective.call(settings.provided.scim.limits.domain.call())
    )
    paging = providers.ThreadSafeSingleton(
        Paging, settings.provided.scim.default_count, settings.provided.scim.max_results
    )
    capabilities = providers.ThreadSafeSingleton(capabilities_of, settings)
    cursors = providers.ThreadSafeSingleton(Cursors, secret_key)
    # Use cases, by resource type, once per distinct policy of the credentials.
    operations_for = providers.Factory(
        operations_of, tx=write_transactions, registry=registry, clock=clock, ids=ids, hasher=hasher,
        max_members=settings.provided.scim.max_members_per_request,
    )
    profiles = providers.ThreadSafeSingleton(profiles_of, settings, policy, operations_for.provider)
    user_operations = providers.Callable(lambda p: p.default.operations[USER], profiles)
    group_operations = providers.Callable(lambda p: p.default.operations[GROUP], profiles)
    get_resource = providers.ThreadSafeSingleton(GetResource, transactions)
    search_resources = providers.ThreadSafeSingleton(SearchResources, transactions)
    find_me = providers.ThreadSafeSingleton(FindMe, transactions, registry.provided.user)

    http = providers.Container(
        HttpDependencies,
        registry=registry, profiles=profiles, paging=paging, capabilities=capabilities, cursors=cursors,
        authenticator=authenticator, throttle=throttle,
        get_resource=get_resource, search_resources=search_resources, find_me=find_me,
    )
