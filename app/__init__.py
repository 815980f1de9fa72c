"""The composition root: create_app() builds settings, schema registry, container and Flask app."""

from __future__ import annotations

import logging
import secrets

from dependency_injector import providers
from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from app.settings import Settings, build_registry, load_settings

log = logging.getLogger(__name__)


def preflight() -> str | None:
    """The startup checks create_app() makes, without building an app: None when all is well,
    else the one-line message (for gunicorn's master, before it forks)."""
    from adapters.sqlalchemy.migrate import SchemaNotCurrent, check_current
    from app.containers import backend_of
    from app.settings import ConfigError

    try:
        settings = load_settings()
        build_registry(settings)
        warn_plain_passwords(settings)
        if backend_of(settings.database.url) == "sql":
            from adapters.sqlalchemy.engine import make_engine

            engine = make_engine(settings.database.url)
            try:
                check_current(engine)
            finally:
                engine.dispose()  # nothing stays connected across the fork
    except (ConfigError, SchemaNotCurrent) as err:
        return " ".join(str(err).split())
    except SQLAlchemyError as err:  # unreachable or refusing database: say so, no traceback
        first = str(getattr(err, "orig", None) or err).splitlines()[0]
        return f"cannot use the database: {first}"
    return None


def warn_plain_passwords(settings: Settings) -> None:
    """A start-up warning for each password written in the config file in plain text."""
    import os

    from app.credential_settings import plain_password_keys

    for key in plain_password_keys(settings.scim.auth, os.environ):
        log.warning("warning: %s is plain text in the config file; prefer password_hash "
                    "(`scim-service password hash`) or its SCIM_AUTH_* variable", key)


class NoSessions(SessionInterface):
    """Every request gets Flask's null session, and no cookie is ever set."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        return None  # Flask then uses make_null_session

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None


def create_app(settings: Settings | None = None) -> Flask:
    """Build one app (one per process: dependency-injector wiring is process-global)."""
    from adapters.http import dependencies, errors
    from adapters.http.routes import blueprints
    from app.containers import Container, backend_of

    settings = settings or load_settings()
    registry = build_registry(settings)
    container = Container(settings=settings, registry=registry)

    app = Flask(__name__, static_folder=None)  # an API: no static files route
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

    # The SCIM API keeps no session: without this, Flask would derive a cookie signer on every
    # request because a secret key is set (it signs cursors).
    app.session_interface = NoSessions()
    container.secret_key.override(providers.Object(app.secret_key))
    errors.register(app)
    if settings.scim.enabled:
        dependencies.use(container.http())
        for bp in blueprints(registry):
            app.register_blueprint(bp)
    app.extensions["container"] = container
    return app
