"""The OAuth 2.0 authorization server's paths (adapters/http/oauth/pages.py), present when an
oauth credential is configured: the administrator's HTML pages, the token and revocation
endpoints (RFC 6749 JSON errors, never SCIM's), the RFC 8414 metadata and the pages' CSS. pages.py (authlib) is imported only when they are."""

from __future__ import annotations

from typing import Any

from domain.credentials.oauth import SCOPE

Json = dict[str, Any]
HTML = {"text/html": {"schema": {"type": "string"}}}
OAUTH_ERROR: Json = {"type": "object", "required": ["error"], "properties": {
    "error": {"type": "string"}, "error_description": {"type": "string"}}}
TOKEN: Json = {"type": "object", "required": ["access_token", "token_type"], "properties": {
    "access_token": {"type": "string"}, "token_type": {"type": "string"}, "expires_in": {"type": "integer"},
    "refresh_token": {"type": "string"}, "scope": {"type": "string"}}}
METADATA: Json = {"type": "object", "required": ["issuer", "authorization_endpoint", "token_endpoint"],
                  "description": "RFC 8414 authorization server metadata"}
CLIENT: list[Json] = [{"oauthClient": []}, {}]  # client_secret_basic, or client_secret_post in the form


def _json(schema: Json, description: str) -> Json:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _page(description: str) -> Json:
    return {"description": description, "content": HTML}


_REDIRECT = {"description": "a redirect (to the client's redirect_uri, or the next page)",
             "headers": {"Location": {"schema": {"type": "string"}}}}
_HTTPS = _json(OAUTH_ERROR, "invalid_request: the request was not over HTTPS (or any RFC 6749 error)")


def _form(*fields: str, required: tuple[str, ...] = ()) -> Json:
    schema = {"type": "object", "properties": {f: {"type": "string"} for f in fields}}
    if required:
        schema["required"] = list(required)
    return {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema}}}


def _op(op_id: str, summary: str, responses: dict[int, Json], security: list[Json] | None = None,
        form: Json | None = None, params: list[Json] | None = None) -> Json:
    out: Json = {"operationId": op_id, "summary": summary, "security": security if security is not None else [],
                 "responses": {str(code): r for code, r in responses.items()}}
    if form:
        out["requestBody"] = form
    if params:
        out["parameters"] = params
    return out


_AUTHORIZE_QUERY = [{"name": n, "in": "query", "required": n in ("response_type", "client_id"), "schema": {"type": "string"}}
                    for n in ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                              "code_challenge_method")]


def paths() -> dict[str, Json]:
    from adapters.http.oauth.pages import PREFIX  # authlib: imported when OAuth is configured

    return {
        f"{PREFIX}/authorize": {
            "get": _op("oauthAuthorize", "the authorization request (RFC 6749 §4.1.1, PKCE S256): the "
                       "administrator's login page, then the consent page", {
                           200: _page("the login or consent page"), 302: _REDIRECT,
                           400: {**_HTTPS, "content": {**HTML, **_HTTPS["content"]}}}, params=_AUTHORIZE_QUERY),
            "post": _op("oauthDecide", "the administrator's decision on the consent page", {
                302: _REDIRECT, 400: _HTTPS, 403: _page("the form expired or came from elsewhere (CSRF)")},
                form=_form("csrf", "decision")),
        },
        f"{PREFIX}/login": {"post": _op("oauthLogin", "the administrator signs in", {
            303: _REDIRECT, 400: _HTTPS, 401: _page("wrong username or password"),
            403: _page("the form expired or came from elsewhere (CSRF)"),
            429: _page("too many failed sign-ins from this address (Retry-After)")},
            form=_form("csrf", "target", "username", "password", required=("csrf", "target")))},
        f"{PREFIX}/logout": {"post": _op("oauthLogout", "the administrator signs out", {
            200: _page("signed out"), 400: _HTTPS, 403: _page("the form expired or came from elsewhere (CSRF)")},
            form=_form("csrf"))},
        f"{PREFIX}/token": {"post": _op("oauthToken", "the token endpoint (RFC 6749 §3.2): a code or a "
                                        "refresh token for an access token", {
            200: _json(TOKEN, "an access token"), 400: _json(OAUTH_ERROR, "an RFC 6749 §5.2 error"),
            401: _json(OAUTH_ERROR, "invalid_client")}, CLIENT, _form(
                "grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "client_id",
                "client_secret", "scope", required=("grant_type",)))},
        f"{PREFIX}/revoke": {"post": _op("oauthRevoke", "token revocation (RFC 7009)", {
            200: {"description": "revoked (or unknown)"}, 400: _json(OAUTH_ERROR, "an RFC 7009 error"),
            401: _json(OAUTH_ERROR, "invalid_client")}, CLIENT,
            _form("token", "token_type_hint", "client_id", "client_secret", required=("token",)))},
        "/.well-known/oauth-authorization-server": {"get": _op("oauthMetadata", "RFC 8414 metadata", {
            200: _json(METADATA, "the authorization server's metadata")})},
        f"{PREFIX}/static/{{filename}}": {"get": _op("oauthStatic", "the pages' stylesheet", {
            200: {"description": "the file", "content": {"text/css": {"schema": {"type": "string"}}}},
            404: {"description": "no such file"}}, params=[
                {"name": "filename", "in": "path", "required": True, "schema": {"type": "string"}}])},
    }


def security_scheme(origin: str) -> Json:
    """The oauth2 scheme with this service's endpoints (scope `scim`, the one scope)."""
    from adapters.http.oauth.pages import PREFIX
    return {"type": "oauth2", "description": "access tokens from this service's authorization server", "flows": {
        "authorizationCode": {"authorizationUrl": f"{origin}{PREFIX}/authorize", "tokenUrl": f"{origin}{PREFIX}/token",
                              "refreshUrl": f"{origin}{PREFIX}/token", "scopes": {SCOPE: "the SCIM API"}}}}


CLIENT_SCHEME: Json = {"type": "http", "scheme": "basic",
                       "description": "an OAuth client's client_id and client_secret (client_secret_basic)"}
