"""What the HTTP adapter needs from the composition root, declared as typed providers: route
modules refer to them by attribute (`Provide[HttpDependencies.registry]`), and app/containers.py
supplies each one. `use()` wires the `adapters.http.routes` package and the auth module."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dependency_injector import containers, providers

from adapters.http.cursors import Cursors
from domain.capabilities import Capabilities
from domain.credentials.throttle import Throttle
from domain.idp.policy import Policy
from domain.ports import Authenticator
from domain.provisioning.me import FindMe
from domain.provisioning.operations import ResourceOperations
from domain.provisioning.reads import GetResource, SearchResources
from domain.schema.registry import Registry


@dataclass(frozen=True)
class Paging:
    """Page sizes (RFC 7644 §3.4.2.4): the count when a request has none, and the cap."""

    default_count: int = 100
    max_results: int = 1000


@dataclass(frozen=True)
class Profile:
    """An IdP policy and the write use cases built on it, by resource type's name."""

    policy: Policy
    operations: Mapping[str, ResourceOperations]


@dataclass(frozen=True)
class Profiles:
    """Which profile serves each credential (by principal name); others get the default."""

    default: Profile
    by_principal: Mapping[str, Profile] = field(default_factory=dict)

    def of(self, principal: str | None) -> Profile:
        return self.by_principal.get(principal or "", self.default)


class HttpDependencies(containers.DeclarativeContainer):
    """One per app."""

    wiring_config = containers.WiringConfiguration(
        packages=["adapters.http.routes"], modules=["adapters.http.auth"], auto_wire=False,
    )

    registry = providers.Dependency(instance_of=Registry)
    profiles = providers.Dependency(instance_of=Profiles)
    paging = providers.Dependency(instance_of=Paging)
    capabilities = providers.Dependency(instance_of=Capabilities)
    cursors = providers.Dependency(instance_of=Cursors)
    authenticator: providers.Dependency[Authenticator] = providers.Dependency()
    throttle = providers.Dependency(instance_of=Throttle)
    get_resource = providers.Dependency(instance_of=GetResource)
    search_resources = providers.Dependency(instance_of=SearchResources)
    find_me = providers.Dependency(instance_of=FindMe)


_wired: containers.Container | None = None


def use(http: containers.Container) -> None:
    """Point the HTTP adapter at one app's dependencies. Wiring is process-global (one app per
    process, as under gunicorn): the route modules are scanned once, for the first app, and each
    later app overrides the wired container's providers with its own, which costs microseconds
    instead of a scan of every class the modules import."""
    global _wired
    if _wired is None:
        wiring = HttpDependencies.wiring_config
        http.wire(packages=wiring.packages, modules=wiring.modules)
        _wired = http
        return
    _wired.reset_override()
    if http is not _wired:
        _wired.override(http)
