"""The composition root: create_app() builds settings, schema registry, container and Flask app."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from dependency_injector import providers
from flask import Flask, Request, Response
from flask.sessions import (
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
)
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from app.settings import Settings, build_registry, load_settings

log = logging.getLogger(__name__)
OAUTH_PREFIX = "/oauth2"


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

    keys = plain_password_keys(settings.scim.auth, os.environ)
    if settings.admin.password and "SCIM_ADMIN_PASSWORD" not in os.environ:
        keys.append("admin.password")
    if settings.metrics.password and "SCIM_METRICS_PASSWORD" not in os.environ:
        keys.append("metrics.password")
    for key in keys:
        log.warning("warning: %s is plain text in the config file; prefer password_hash "
                    "(`scim-service password hash`) or its SCIM_AUTH_* variable", key)


class NoSessions(SessionInterface):
    """Every request gets Flask's null session, and no cookie is ever set."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        return None  # Flask then uses make_null_session

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None


class AdminSessions(SecureCookieSessionInterface):
    """The administrator's signed session cookie (server.secret_key: valid in every worker), on
    the OAuth pages alone; the SCIM API still keeps none."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        return super().open_session(app, request) if request.path.startswith(OAUTH_PREFIX + "/") else None

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if isinstance(session, SecureCookieSession):
            super().save_session(app, session, response)


def install_oauth(app: Flask, container: Any, settings: Settings) -> None:
    """The authorization server and its pages, when scim.auth has an oauth credential."""
    import hashlib
    import os

    from adapters.http.oauth import pages, server
    from app.containers import oauth_credential

    cred = oauth_credential(settings)
    if cred is None or not settings.scim.enabled:
        return
    if cred.allow_insecure_http:
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # authlib reads it from the environment
        log.warning("warning: OAuth accepts plain HTTP (allow_insecure_http); for local testing only")
    app.config.update(SESSION_COOKIE_NAME="scim_admin", SESSION_COOKIE_PATH=OAUTH_PREFIX,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=not cred.allow_insecure_http)
    app.session_interface = AdminSessions()
    key = hashlib.sha256(b"scim-service oauth refresh rotation\0" + str(app.secret_key).encode()).digest()
    built = server.build(app, container.grants(), container.oauth_clients(), server.derive_with(key),
                         cred.client_credentials)
    grant_types = ["authorization_code", "refresh_token"] + (["client_credentials"] if cred.client_credentials else [])
    app.register_blueprint(pages.blueprint(lambda: built, container.oauth_clients(), container.admin(),
                                           container.throttle(), cred.allow_insecure_http, grant_types))


def install_proxies(app: Flask, settings: Settings) -> None:
    """Where absolute URLs come from (adapters/http/proxy.py): server.public_url, else what the
    server.trusted_proxies forwarded (werkzeug's ProxyFix), each forwarded value checked."""
    from adapters.http import SCIM_PREFIX
    from adapters.http.proxy import ForwardedCheck, PublicUrl

    wsgi: Any = app.wsgi_app
    if settings.server.public_url:
        wsgi = PublicUrl(wsgi, settings.server.public_url, SCIM_PREFIX)
    n = settings.server.trusted_proxies
    if n:  # the client's address (throttling, logs) still comes from the proxies with a public URL
        wsgi = ProxyFix(ForwardedCheck(wsgi), x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)
    app.wsgi_app = wsgi  # type: ignore[method-assign]


def install_metrics(app: Flask, container: Any, settings: Settings) -> None:
    """Prometheus metrics (adapters/http/metrics.py), when metrics.enabled: requests counted by
    the app's hooks, committed changes by the observer on the write units of work; the scrape at
    metrics.path behind its credential, unless gunicorn's master serves it on metrics.bind."""
    from adapters.credentials.basic import BasicAuthenticator, BasicCredential
    from adapters.http import metrics
    from adapters.http.errors import scim_error

    m = settings.metrics
    if not m.enabled:
        return
    observed = metrics.Metrics()
    container.change_observer.override(providers.Object(observed))
    observed.install(app)
    if m.bind is None:
        credential = BasicCredential("metrics", m.username or "", m.password, m.password_hash)
        authenticator = BasicAuthenticator([credential], container.hasher())
        app.register_blueprint(metrics.blueprint(observed, m.path, authenticator, container.throttle(), scim_error))
        app.extensions["metrics_path"] = m.path  # for the OpenAPI document
    app.extensions["metrics"] = observed


def create_app(settings: Settings | None = None) -> Flask:
    """Build one app (one per process: dependency-injector wiring is process-global)."""
    from adapters.http import changes, dependencies, errors, health, request_log
    from adapters.http.routes import blueprints
    from app.containers import Container, backend_of
    from app.set_app import install_sets

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
    install_proxies(app, settings)

    # The SCIM API keeps no session: without this, Flask would derive a cookie signer on every
    # request because a secret key is set (it signs cursors).
    app.session_interface = NoSessions()
    container.secret_key.override(providers.Object(app.secret_key))
    errors.register(app)
    request_log.install(app, settings.server.log_format)
    install_metrics(app, container, settings)
    app.register_blueprint(health.blueprint(container.readiness()))
    install_oauth(app, container, settings)
    if settings.scim.enabled:
        dependencies.use(container.http())
        for bp in blueprints(registry, settings.server.openapi_path, settings.scim.bulk.enabled):
            app.register_blueprint(bp)
        app.register_blueprint(changes.blueprint(container.follow_changes(), registry))
        install_sets(app, container, settings, registry)
    app.extensions["container"] = container
    return app
