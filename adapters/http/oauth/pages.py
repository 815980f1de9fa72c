"""The OAuth endpoints and the administrator's pages: /oauth2/authorize (login, then consent),
/oauth2/token, /oauth2/revoke and the RFC 8414 metadata. The pages are server-rendered forms
(no JavaScript), CSRF-protected by a token in the signed session cookie; OAuth errors are
RFC 6749 JSON or redirects, never the SCIM error format."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import Blueprint, Response, jsonify, redirect, render_template, request, session

from adapters.http.oauth.server import AUTH_METHODS
from domain.credentials.oauth import SCOPE, OAuthClients
from domain.credentials.throttle import Throttle
from domain.ports import Authenticator

PREFIX = "/oauth2"


def _csrf() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def _csrf_ok() -> bool:
    sent, kept = request.form.get("csrf", ""), session.get("csrf", "")
    return bool(kept) and hmac.compare_digest(sent.encode(), str(kept).encode())


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(render_template(template, csrf=_csrf(), **context), status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"  # no clickjacking of the consent form
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'self'; form-action 'self' https: http:"
    return response


def _refused() -> Response:
    return _page("oauth_error.html", 403, error="invalid_request",
                 description="This form expired or did not come from this page: start again from the identity provider.")


class Pages:
    """The handlers, on the dependencies of one app."""

    def __init__(self, server_of: Callable[[], AuthorizationServer], clients: OAuthClients, admin: Authenticator,
                 throttle: Throttle, insecure_http: bool, grant_types: list[str]) -> None:
        self.server_of, self.clients, self.admin, self.throttle = server_of, clients, admin, throttle
        self.insecure_http, self.grant_types = insecure_http, grant_types

    def secure_only(self) -> Response | None:
        if not self.insecure_http and not request.is_secure:
            body = {"error": "invalid_request", "error_description": "OAuth requires HTTPS"}
            return Response(jsonify(body).get_data(), 400, mimetype="application/json")
        return None

    def _consent_grant(self, user: str | None) -> Any:
        """The validated authorization request, or the response that refuses it: a redirect to
        a known client's known URI, else a page (never a redirect to an unknown URI)."""
        try:
            return self.server_of().get_consent_grant(end_user=user)
        except OAuth2Error as error:
            if error.redirect_uri:
                return self.server_of().handle_error_response(request, error)
            return _page("oauth_error.html", 400, error=error.error, description=error.description)

    def authorize(self) -> Any:
        user = session.get("admin")
        grant = self._consent_grant(user)
        if isinstance(grant, Response):
            return grant
        if not user:
            return _page("oauth_login.html", target=request.full_path, failed=False)
        client = self.clients.get(grant.client.get_client_id())
        return _page("oauth_consent.html", client=client, scope=SCOPE, user=user, target=request.full_path,
                     redirect_to=grant.redirect_uri)

    def decide(self) -> Any:
        user = session.get("admin")
        if not user or not _csrf_ok():
            return _refused()
        grant = self._consent_grant(user)
        if isinstance(grant, Response):
            return grant
        approved = request.form.get("decision") == "approve"
        return self.server_of().create_authorization_response(grant=grant, grant_user=user if approved else None)

    def login(self) -> Any:
        target = request.form.get("target", "")
        if not _csrf_ok() or not target.startswith(f"{PREFIX}/authorize?"):
            return _refused()
        address = request.remote_addr or "unknown"
        wait = self.throttle.waiting(address)  # past the limit, even the right password waits
        who = None if wait is not None else self.admin.authenticate(
            "basic", {"username": request.form.get("username", ""), "password": request.form.get("password", "")})
        if who is None:
            wait = wait if wait is not None else self.throttle.failed(address)
            page = _page("oauth_login.html", 429 if wait is not None else 401, target=target, failed=True, wait=wait)
            if wait is not None:
                page.headers["Retry-After"] = str(wait)
            return page
        session.clear()  # a new session (and CSRF token) once signed in
        session["admin"] = who.name
        return redirect(target, 303)

    def logout(self) -> Any:
        if not _csrf_ok():
            return _refused()
        session.clear()
        return _page("oauth_error.html", error="signed_out", description="You are signed out.")

    def token(self) -> Any:
        return self.server_of().create_token_response()

    def revoke(self) -> Any:
        return self.server_of().create_endpoint_response("revocation")

    def metadata(self) -> Response:
        issuer = request.url_root.rstrip("/")  # under a forwarded prefix or server.public_url's
        return jsonify({
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}{PREFIX}/authorize",
            "token_endpoint": f"{issuer}{PREFIX}/token",
            "revocation_endpoint": f"{issuer}{PREFIX}/revoke",
            "response_types_supported": ["code"],
            "grant_types_supported": self.grant_types,
            "scopes_supported": [SCOPE],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            "code_challenge_methods_supported": ["S256"],
        })


def blueprint(server_of: Callable[[], AuthorizationServer], clients: OAuthClients, admin: Authenticator,
              throttle: Throttle, insecure_http: bool, grant_types: list[str]) -> Blueprint:
    pages = Pages(server_of, clients, admin, throttle, insecure_http, grant_types)
    bp = Blueprint("oauth", __name__, template_folder="../templates", static_folder="../static",
                   static_url_path=f"{PREFIX}/static")
    bp.before_request(pages.secure_only)
    for rule, name, view, methods in (
        (f"{PREFIX}/authorize", "authorize", pages.authorize, ["GET"]),
        (f"{PREFIX}/authorize", "decide", pages.decide, ["POST"]),
        (f"{PREFIX}/login", "login", pages.login, ["POST"]),
        (f"{PREFIX}/logout", "logout", pages.logout, ["POST"]),
        (f"{PREFIX}/token", "token", pages.token, ["POST"]),
        (f"{PREFIX}/revoke", "revoke", pages.revoke, ["POST"]),
        ("/.well-known/oauth-authorization-server", "metadata", pages.metadata, ["GET"]),
    ):
        bp.add_url_rule(rule, name, view, methods=methods)
    return bp
