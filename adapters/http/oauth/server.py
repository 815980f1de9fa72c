"""authlib's AuthorizationServer on the domain's OAuth use cases: authlib parses and validates
the protocol (client authentication, redirect URIs, PKCE, error responses); every secret is
made, stored (as a digest) and checked by domain/credentials/oauth.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask

from domain.credentials.oauth import (
    SCOPE,
    AuthorizationCode,
    Grants,
    OAuthClient,
    OAuthClients,
    Pair,
)
from domain.credentials.tokens import REFRESH, TOKEN_PREFIX, Token

AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class Client(ClientMixin):  # type: ignore[misc]
    def __init__(self, client: OAuthClient, grant_types: frozenset[str]) -> None:
        self.client, self.grant_types = client, grant_types

    def get_client_id(self) -> str:
        return self.client.id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.client.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        return SCOPE  # the one scope; server.scopes_supported refuses any other first

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.client.redirect_uris  # exactly as registered

    def check_client_secret(self, client_secret: str) -> bool:
        return OAuthClients.secret_matches(self.client, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


class Code:
    """A stored authorization code as authlib reads it."""

    def __init__(self, code: AuthorizationCode) -> None:
        self.code = code

    def get_redirect_uri(self) -> str:
        return self.code.redirect_uri

    def get_scope(self) -> str:
        return self.code.scope

    @property
    def code_challenge(self) -> str | None:
        return self.code.challenge

    @property
    def code_challenge_method(self) -> str | None:
        return self.code.challenge_method


class StoredToken:
    def __init__(self, token: Token) -> None:
        self.token = token

    def check_client(self, client: Client) -> bool:
        return self.token.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.token.scope


class S256(CodeChallenge):  # type: ignore[misc]
    """PKCE with S256 only: a challenge without a method would be "plain" (RFC 7636 §4.3)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)


def derive_with(key: bytes) -> Callable[[str, str], str]:
    """Successor secrets of a refresh token: HMAC-SHA256 under the server's key, so a repeat
    within the grace window gets the same pair while the database keeps only digests."""
    def derive(secret: str, kind: str) -> str:
        mac = hmac.new(key, f"{kind}:{secret}".encode(), hashlib.sha256).digest()
        return TOKEN_PREFIX + base64.urlsafe_b64encode(mac).decode()[:-1]
    return derive


def _body(pair: Pair) -> dict[str, Any]:
    body: dict[str, Any] = {"access_token": pair.access, "token_type": "Bearer",
                            "expires_in": pair.expires_in, "scope": pair.scope}
    if pair.refresh is not None:
        body["refresh_token"] = pair.refresh
    return body


@dataclass(frozen=True)
class Wiring:
    """What the grants below call, kept on the AuthorizationServer (`server.scim`)."""

    oauth: Grants
    derive: Callable[[str, str], str]


def _oauth(grant: Any) -> Grants:
    wiring: Wiring = grant.server.scim
    return wiring.oauth


class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def generate_authorization_code(self) -> str:
        req = self.request
        # the redirect_uri as the request gave it: the token request must repeat it, or
        # leave it out too when it was left out here (RFC 6749 §4.1.3)
        return _oauth(self).issue_code(req.client.get_client_id(), req.payload.redirect_uri or "", SCOPE,
                                       str(req.user), req.payload.data.get("code_challenge"),
                                       req.payload.data.get("code_challenge_method"))

    def save_authorization_code(self, code: str, request: Any) -> None:
        return None  # issue_code stored it

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        found = _oauth(self).redeem_code(code, client.get_client_id())
        return None if found is None else Code(found)

    def delete_authorization_code(self, authorization_code: Code) -> None:
        return None  # redeem_code marked it used

    def authenticate_user(self, authorization_code: Code) -> str:
        return authorization_code.code.approved_by

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        code = self.request.authorization_code.code
        pair = _oauth(self).issue(code.client_id, code.scope, code.family, user_id=self.request.client.client.user_id)
        return 200, _body(pair), self.TOKEN_RESPONSE_HEADER


class RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def authenticate_refresh_token(self, refresh_token: str) -> StoredToken | None:
        client = self.request.client
        found = _oauth(self).find(refresh_token, client.get_client_id()) if client else None
        return None if found is None or found.kind != REFRESH else StoredToken(found)

    def authenticate_user(self, refresh_token: StoredToken) -> str:
        return refresh_token.token.credential

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        wiring: Wiring = self.server.scim
        pair = wiring.oauth.refresh(self.request.form["refresh_token"], self.request.client.get_client_id(),
                                    wiring.derive)
        if pair is None:
            raise InvalidGrantError("the refresh token is invalid, expired, revoked or rotated")
        return 200, _body(pair), self.TOKEN_RESPONSE_HEADER


class CredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        client = self.request.client
        pair = _oauth(self).issue(client.get_client_id(), SCOPE, with_refresh=False, user_id=client.client.user_id)
        return 200, _body(pair), self.TOKEN_RESPONSE_HEADER


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def authenticate_token(self, request: Any, client: Client) -> StoredToken | None:
        """The token, if it is this client's: another client's is left alone, and the
        answer is the same 200 either way (RFC 7009 §2.2)."""
        self.check_params(request, client)
        found = _oauth(self).find(request.form["token"], client.get_client_id())
        return None if found is None else StoredToken(found)

    def revoke_token(self, token: StoredToken, request: Any) -> None:
        _oauth(self).revoke(token.token)


def build(app: Flask, oauth: Grants, clients: OAuthClients, derive: Callable[[str, str], str],
          client_credentials: bool) -> AuthorizationServer:
    allowed = frozenset({"authorization_code", "refresh_token"} | ({"client_credentials"} if client_credentials else set()))

    def query_client(client_id: str) -> Client | None:
        found = clients.get(client_id)
        return None if found is None else Client(found, allowed)

    app.config["OAUTH2_SCOPES_SUPPORTED"] = [SCOPE]
    server = AuthorizationServer(app, query_client=query_client, save_token=lambda token, request: None)
    server.scim = Wiring(oauth, derive)
    server.register_grant(CodeGrant, [S256(required=False)])
    server.register_grant(RefreshGrant)
    if client_credentials:
        server.register_grant(CredentialsGrant)
    server.register_endpoint(Revocation)
    return server
