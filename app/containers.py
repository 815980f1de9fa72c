"""The dependency-injection container: adapters chosen by configuration, use cases built once per
process, and the HTTP adapter's dependencies supplied by attribute."""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.credentials.basic import BasicAuthenticator
from adapters.http.cursors import Cursors
from adapters.http.dependencies import HttpDependencies, Paging
from adapters.memory.store import InMemoryTransactions
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.uow import SqlTransactions
from adapters.system import Argon2Hasher, SystemClock, UuidGenerator
from app.settings import Settings
from domain.capabilities import Capabilities
from domain.model import GROUP, USER
from domain.provisioning.groups import CreateGroup, DeleteGroup, PatchGroup, ReplaceGroup
from domain.provisioning.membership import MemberPolicy, SyncGroupMembership
from domain.provisioning.operations import ResourceOperations
from domain.provisioning.reads import GetResource, SearchResources
from domain.provisioning.users import DeleteUser, PatchUser, ProvisionUser, ReplaceUser
from domain.schema.registry import Registry

MEMORY_URL = "memory://"


def backend_of(url: str) -> str:
    return "memory" if url == MEMORY_URL else "sql"


def capabilities_of(s: Settings) -> Capabilities:
    return Capabilities(
        patch=True, sort=True, pagination_cursor=True, filter_max_results=s.scim.max_results,
        default_page_size=s.scim.default_count, auth_schemes=(s.scim.auth.type,),
    )


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
    clock = providers.ThreadSafeSingleton(SystemClock)
    ids = providers.ThreadSafeSingleton(UuidGenerator)
    hasher = providers.ThreadSafeSingleton(Argon2Hasher)
    authenticator = providers.ThreadSafeSingleton(
        BasicAuthenticator, settings.provided.scim.auth.username, settings.provided.scim.auth.password
    )

    # Rules read from the settings once.
    policy = providers.ThreadSafeSingleton(settings.provided.scim.policy.effective.call())
    paging = providers.ThreadSafeSingleton(
        Paging, settings.provided.scim.default_count, settings.provided.scim.max_results
    )
    capabilities = providers.ThreadSafeSingleton(capabilities_of, settings)
    cursors = providers.ThreadSafeSingleton(Cursors, secret_key)
    members = providers.ThreadSafeSingleton(
        SyncGroupMembership,
        providers.Callable(MemberPolicy.of, policy, settings.provided.scim.max_members_per_request),
    )

    # Use cases, by resource type.
    user_operations = providers.ThreadSafeSingleton(
        ResourceOperations,
        create=providers.Singleton(ProvisionUser, transactions, registry.provided.user, clock, ids, hasher),
        replace=providers.Singleton(ReplaceUser, transactions, registry.provided.user, clock, hasher),
        patch=providers.Singleton(PatchUser, transactions, registry.provided.user, clock, policy, hasher),
        delete=providers.Singleton(DeleteUser, transactions, clock),
    )
    group_operations = providers.ThreadSafeSingleton(
        ResourceOperations,
        create=providers.Singleton(CreateGroup, transactions, registry.provided.group, clock, ids, members),
        replace=providers.Singleton(ReplaceGroup, transactions, registry.provided.group, clock, members),
        patch=providers.Singleton(PatchGroup, transactions, registry.provided.group, clock, policy, members),
        delete=providers.Singleton(DeleteGroup, transactions, clock),
    )
    get_resource = providers.ThreadSafeSingleton(GetResource, transactions)
    search_resources = providers.ThreadSafeSingleton(SearchResources, transactions)

    http = providers.Container(
        HttpDependencies,
        registry=registry, policy=policy, paging=paging, capabilities=capabilities, cursors=cursors,
        authenticator=authenticator,
        operations=providers.Dict({USER: user_operations, GROUP: group_operations}),
        get_resource=get_resource, search_resources=search_resources,
    )
