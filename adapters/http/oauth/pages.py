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


def blueprint(server_of: Callable[[], AuthorizationServer], clients: OAuthClients, admin: Authenticator,
              throttle: Throttle, insecure_http: bool, grant_types: list[str]) -> Blueprint:
    bp = Blueprint("oauth", __name__, template_folder="../templates", static_folder="../static",
                   static_url_path=f"{PREFIX}/static")

    @bp.before_request
    def secure_only() -> Response | None:
        if not insecure_http and not request.is_secure:
            body = {"error": "invalid_request", "error_description": "OAuth requires HTTPS"}
            return Response(jsonify(body).get_data(), 400, mimetype="application/json")
        return None

    @bp.get(f"{PREFIX}/authorize")
    def authorize() -> Any:
        user = session.get("admin")
        try:
            grant = server_of().get_consent_grant(end_user=user)
        except OAuth2Error as error:
            if error.redirect_uri:  # a known client and redirect URI: the client hears of it
                return server_of().handle_error_response(request, error)
            return _page("oauth_error.html", 400, error=error.error, description=error.description)
        if not user:
            return _page("oauth_login.html", target=request.full_path, failed=False)
        client = clients.get(grant.client.get_client_id())
        return _page("oauth_consent.html", client=client, scope=SCOPE, user=user, target=request.full_path,
                     redirect_to=grant.redirect_uri)

    @bp.post(f"{PREFIX}/authorize")
    def decide() -> Any:
        user = session.get("admin")
        if not user or not _csrf_ok():
            return _refused()
        approved = request.form.get("decision") == "approve"
        try:
            grant = server_of().get_consent_grant(end_user=user)
        except OAuth2Error as error:
            if error.redirect_uri:
                return server_of().handle_error_response(request, error)
            return _page("oauth_error.html", 400, error=error.error, description=error.description)
        return server_of().create_authorization_response(grant=grant, grant_user=user if approved else None)

    @bp.post(f"{PREFIX}/login")
    def login() -> Any:
        target = request.form.get("target", "")
        if not _csrf_ok() or not target.startswith(f"{PREFIX}/authorize?"):
            return _refused()
        address = request.remote_addr or "unknown"
        wait = throttle.waiting(address)  # past the limit, even the right password waits
        who = None if wait is not None else admin.authenticate(
            "basic", {"username": request.form.get("username", ""), "password": request.form.get("password", "")})
        if who is None:
            wait = wait if wait is not None else throttle.failed(address)
            status = 429 if wait is not None else 401
            page = _page("oauth_login.html", status, target=target, failed=True, wait=wait)
            if wait is not None:
                page.headers["Retry-After"] = str(wait)
            return page
        session.clear()  # a new session (and CSRF token) once signed in
        session["admin"] = who.name
        return redirect(target, 303)

    @bp.post(f"{PREFIX}/logout")
    def logout() -> Any:
        if not _csrf_ok():
            return _refused()
        session.clear()
        return _page("oauth_error.html", error="signed_out", description="You are signed out.")

    @bp.post(f"{PREFIX}/token")
    def token() -> Any:
        return server_of().create_token_response()

    @bp.post(f"{PREFIX}/revoke")
    def revoke() -> Any:
        return server_of().create_endpoint_response("revocation")

    @bp.get("/.well-known/oauth-authorization-server")
    def metadata() -> Response:
        issuer = request.host_url.rstrip("/")
        return jsonify({
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}{PREFIX}/authorize",
            "token_endpoint": f"{issuer}{PREFIX}/token",
            "revocation_endpoint": f"{issuer}{PREFIX}/revoke",
            "response_types_supported": ["code"],
            "grant_types_supported": grant_types,
            "scopes_supported": [SCOPE],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            "code_challenge_methods_supported": ["S256"],
        })

    return bp
