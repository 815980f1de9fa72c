"""The peer: scim2-server (PyPI) in memory, as a WSGI app for gunicorn. Runs in the peer venv only.

    gunicorn -c bench/gunicorn_bench.py --workers 1 peer_app:app

Built as scim2-server's own `scim2-server` command builds it (RFC 7643 schemas and resource types,
its default ServiceProviderConfig, an InMemoryStorage), without authentication (the command's
default when no bearer token is given). One worker: the store lives in the process, and a second
worker would be a second, different store.
"""

from scim2_models import ScimProvider
from scim2_server.applications.wsgi import WSGIApplication
from scim2_server.memory import InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

_provider = ScimProvider.from_discovery(
    load_default_schemas().values(), load_default_resource_types().values(),
    config=load_default_service_provider_config(),
)
app = WSGIApplication(InMemoryStorage(), _provider, service=ScimService(_provider))
