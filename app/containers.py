"""The dependency-injection container: adapters chosen by configuration, use cases as factories."""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.credentials.basic import BasicAuthenticator
from adapters.http.cursors import Cursors
from adapters.http.loaders import SchemaValidator
from adapters.memory.store import InMemoryTransactions
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.uow import SqlTransactions
from adapters.system import Argon2Hasher, SystemClock, UuidGenerator
from domain.capabilities import Capabilities
from domain.use_cases.groups import CreateGroup, DeleteGroup, ReplaceGroup
from domain.use_cases.patch import MemberPolicy, PatchResource
from domain.use_cases.queries import GetResource, ListResources
from domain.use_cases.users import DeactivateUser, DeleteUser, ProvisionUser, ReplaceUser

MEMORY_URL = "memory://"


def backend_of(url: str) -> str:
    return "memory" if url == MEMORY_URL else "sql"


class Container(containers.DeclarativeContainer):
    """One per process (per gunicorn worker), built inside create_app()."""

    wiring_config = containers.WiringConfiguration(
        modules=["adapters.http.auth", "adapters.http.routes.resources", "adapters.http.routes.listing",
                 "adapters.http.routes.discovery"]
    )

    settings = providers.Dependency()
    registry = providers.Dependency()

    # Gateways. Engines connect lazily: nothing is connected before gunicorn forks.
    engine = providers.ThreadSafeSingleton(make_engine, settings.provided.database.url)
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

    # What the HTTP adapter reads.
    policy = providers.Callable(lambda s: s.scim.policy.effective(), settings)
    paging = providers.Callable(
        lambda s: {"default_count": s.scim.default_count, "max_results": s.scim.max_results}, settings
    )
    secret_key = providers.Dependency(instance_of=str)
    cursors = providers.ThreadSafeSingleton(Cursors, secret_key)
    capabilities = providers.ThreadSafeSingleton(
        lambda s: Capabilities(
            patch=True, sort=True, pagination_cursor=True, filter_max_results=s.scim.max_results, default_page_size=s.scim.default_count,
            auth_schemes=(s.scim.auth.type,),
        ),
        settings,
    )

    # Use cases.
    provision_user = providers.Factory(
        ProvisionUser, transactions, registry.provided.user, clock, ids, hasher
    )
    replace_user = providers.Factory(ReplaceUser, transactions, registry.provided.user, clock, hasher)
    deactivate_user = providers.Factory(DeactivateUser, transactions, clock)
    delete_user = providers.Factory(DeleteUser, transactions, clock)
    max_member_changes = providers.Callable(lambda s: s.scim.max_members_per_request, settings)
    create_group = providers.Factory(
        CreateGroup, transactions, registry.provided.group, clock, ids, max_member_changes
    )
    replace_group = providers.Factory(
        ReplaceGroup, transactions, registry.provided.group, clock, max_member_changes
    )
    delete_group = providers.Factory(DeleteGroup, transactions, clock)
    validator = providers.ThreadSafeSingleton(SchemaValidator, policy)
    member_policy = providers.Callable(
        lambda p, cap: MemberPolicy("ignore" if p.unknown_members == "ignore-and-report" else "reject", cap),
        policy, max_member_changes,
    )
    patch_resource = providers.Factory(
        PatchResource, transactions, registry, clock, hasher, validator, policy, member_policy
    )
    get_resource = providers.Factory(GetResource, transactions)
    list_resources = providers.Factory(ListResources, transactions)
