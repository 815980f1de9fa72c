"""The composition root: create_app() builds settings, schema registry, container and Flask app."""

from __future__ import annotations

import logging
import secrets

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.settings import Settings, build_registry, load_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    """Build one app (one per process: dependency-injector wiring is process-global)."""
    from adapters.http import discovery, errors, resources
    from app.containers import Container, backend_of

    settings = settings or load_settings()
    registry = build_registry(settings)
    container = Container(settings=settings, registry=registry)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.server.max_body_bytes
    if backend_of(settings.database.url) == "sql":
        from adapters.sqlalchemy.migrate import check_current, get_or_create_secret

        engine = container.engine()
        check_current(engine)  # refuse to start on an outdated schema: `scim-service db upgrade`
        app.secret_key = settings.server.secret_key or get_or_create_secret(engine, "secret_key")
    else:
        app.secret_key = settings.server.secret_key or secrets.token_urlsafe(48)
    if settings.server.trusted_proxies:
        n = settings.server.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)  # type: ignore[method-assign]

    errors.register(app)
    if settings.scim.enabled:
        app.register_blueprint(resources.bp)
        app.register_blueprint(discovery.bp)
    app.extensions["container"] = container
    return app
