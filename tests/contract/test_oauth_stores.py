"""The OAuth stores (adapters/memory/oauth.py, adapters/sqlalchemy/oauth.py) and the OAuth calls of
the token stores keep one contract on every backend: a client and a code read back exactly as
added; `use` marks a code used once (one caller of many wins); `mark_replaced` records a rotation
once; `revoke_where` revokes the live tokens of exactly one client or one family, and refuses to
guess when given neither or both."""

from __future__ import annotations

import threading
from datetime import timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine

from adapters.memory.credentials import InMemoryTokenStore
from adapters.memory.oauth import InMemoryClientStore, InMemoryCodeStore
from adapters.sqlalchemy.credentials import SqlTokenStore
from adapters.sqlalchemy.oauth import SqlClientStore, SqlCodeStore
from domain.credentials.oauth import AuthorizationCode, ClientStore, CodeStore, OAuthClient
from domain.credentials.tokens import ACCESS, BEARER, REFRESH, Token, TokenStore, digest
from tests.contract.conftest import at

PLUS_TWO = timezone(timedelta(hours=2))
CB = "https://idp.example.com/oauth/callback"


@pytest.fixture
def clients(engine: Engine | None) -> ClientStore:
    return InMemoryClientStore() if engine is None else SqlClientStore(engine)


@pytest.fixture
def codes(engine: Engine | None) -> CodeStore:
    return InMemoryCodeStore() if engine is None else SqlCodeStore(engine)


@pytest.fixture
def tokens(engine: Engine | None) -> TokenStore:
    return InMemoryTokenStore() if engine is None else SqlTokenStore(engine)


def client(n: int, created: float = 0, *uris: str) -> OAuthClient:
    return OAuthClient(f"client-{n}", f"IdP {n} — prod", digest(f"client-secret-{n}"), uris or (CB,), at(created))


def code(n: int, **fields: Any) -> AuthorizationCode:
    return AuthorizationCode(**{
        "digest": digest(f"code-{n}"), "client_id": "client-1", "redirect_uri": CB, "scope": "scim",
        "created": at(0), "expires": at(600), "family": f"fam-{n}", "approved_by": "admin", **fields})


def oauth_token(n: int, kind: str = ACCESS, client_id: str = "client-1", family: str = "fam-1", **fields: Any) -> Token:
    fields = {"expires": at(7200), **fields}
    return Token(f"tok-{n}", "okta-oauth", digest(f"secret-{n}"), at(0), kind=kind,
                 client_id=client_id, scope="scim", family=family, **fields)


def by_id(store: TokenStore) -> dict[str, Token]:
    return {t.id: t for t in store.all()}


# -- clients and codes ----------------------------------------------------------------------


def test_a_client_reads_back_exactly_and_is_listed_oldest_first(clients: ClientStore) -> None:
    late = client(1, 30.5, CB, "http://127.0.0.1:8080/cb")
    early = OAuthClient("client-2", "entra", digest("s2"), (CB,), at(0.000001).astimezone(PLUS_TWO))
    clients.add(late)
    clients.add(early)
    assert clients.get(late.id) == late and clients.get(early.id) == early
    found = clients.get(late.id)
    assert found is not None and found.redirect_uris == (CB, "http://127.0.0.1:8080/cb")
    assert found.created.utcoffset() is not None
    assert list(clients.all()) == [early, late]
    assert clients.get("client-3") is None


def test_a_client_s_user_reads_back_and_an_unbound_client_has_none(clients: ClientStore) -> None:
    bound = OAuthClient("client-9", "okta", digest("s9"), (CB,), at(1), user_id="2819c223-7f76-453a")
    clients.add(bound)
    clients.add(client(1))
    assert clients.get("client-9") == bound and [c.user_id for c in clients.all()] == [None, "2819c223-7f76-453a"]


def test_remove_deletes_one_client_once(clients: ClientStore) -> None:
    clients.add(client(1))
    clients.add(client(2))
    assert clients.remove("client-1") is True
    assert clients.remove("client-1") is False and clients.remove("nobody") is False
    assert clients.get("client-1") is None and [c.id for c in clients.all()] == ["client-2"]


def test_a_code_reads_back_exactly_with_its_challenge(codes: CodeStore) -> None:
    pkce = code(1, challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", challenge_method="S256",
                created=at(0.123456), expires=at(600.654321).astimezone(PLUS_TWO))
    plain = code(2)
    codes.add(pkce)
    codes.add(plain)
    assert codes.get(pkce.digest) == pkce and codes.get(plain.digest) == plain
    assert (plain.challenge, plain.challenge_method, plain.used) == (None, None, None)
    assert codes.get(digest("code-3")) is None


def test_use_marks_a_code_used_once(codes: CodeStore) -> None:
    codes.add(code(1))
    codes.add(code(2))
    assert codes.use(digest("code-1"), at(5.5)) is True
    assert codes.use(digest("code-1"), at(6)) is False
    assert codes.use(digest("code-3"), at(6)) is False
    assert codes.get(digest("code-1")) == code(1, used=at(5.5))
    assert codes.get(digest("code-2")) == code(2)


def test_of_many_concurrent_uses_exactly_one_wins(codes: CodeStore) -> None:
    codes.add(code(1))
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def use() -> None:
        barrier.wait()
        results.append(codes.use(digest("code-1"), at(1)))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


# -- the OAuth calls of the token stores ----------------------------------------------------


def test_an_oauth_token_reads_back_with_its_kind_client_family_and_rotation(tokens: TokenStore) -> None:
    refresh = oauth_token(1, REFRESH, replaced=at(60.000001))
    tokens.add(refresh)
    tokens.add(Token("tok-2", "okta", digest("secret-2"), at(1)))
    assert tokens.by_digest(refresh.digest) == refresh
    bearer = tokens.by_digest(digest("secret-2"))
    assert bearer is not None and (bearer.kind, bearer.client_id, bearer.scope, bearer.family) == (BEARER, None, "", None)


def test_mark_replaced_records_a_rotation_once(tokens: TokenStore) -> None:
    tokens.add(oauth_token(1, REFRESH))
    tokens.add(oauth_token(2, REFRESH))
    assert tokens.mark_replaced("tok-1", at(10)) is True
    assert tokens.mark_replaced("tok-1", at(11)) is False
    assert tokens.mark_replaced("tok-3", at(11)) is False
    stored = by_id(tokens)
    assert stored["tok-1"].replaced == at(10) and stored["tok-1"].revoked is None
    assert stored["tok-2"].replaced is None


def test_revoke_where_by_client_revokes_that_clients_live_tokens_only(tokens: TokenStore) -> None:
    for n, (client_id, family) in enumerate([("client-1", "fam-1"), ("client-1", "fam-2"), ("client-1", "fam-2"),
                                             ("client-2", "fam-3")], start=1):
        tokens.add(oauth_token(n, client_id=client_id, family=family))
    tokens.add(oauth_token(5, client_id="client-1", revoked=at(1)))
    tokens.add(Token("tok-6", "okta", digest("secret-6"), at(0)))
    assert tokens.revoke_where(at(9), client_id="client-1") == 3
    revoked = {i: t.revoked for i, t in by_id(tokens).items()}
    assert revoked == {"tok-1": at(9), "tok-2": at(9), "tok-3": at(9), "tok-4": None, "tok-5": at(1), "tok-6": None}
    assert tokens.revoke_where(at(10), client_id="client-1") == 0
    assert tokens.revoke_where(at(10), client_id="client-3") == 0


def test_revoke_where_by_family_revokes_that_authorizations_live_tokens_only(tokens: TokenStore) -> None:
    tokens.add(oauth_token(1, ACCESS, family="fam-1"))
    tokens.add(oauth_token(2, REFRESH, family="fam-1", replaced=at(3)))
    tokens.add(oauth_token(3, REFRESH, family="fam-2"))
    tokens.add(oauth_token(4, ACCESS, client_id="client-2", family="fam-1", expires=at(1)))
    assert tokens.revoke_where(at(9), family="fam-1") == 3  # the expired one too
    revoked = {i: t.revoked for i, t in by_id(tokens).items()}
    assert revoked == {"tok-1": at(9), "tok-2": at(9), "tok-3": None, "tok-4": at(9)}
    assert tokens.revoke_where(at(10), family="fam-1") == 0


@pytest.mark.parametrize("which", [{}, {"client_id": "client-1", "family": "fam-1"}])
def test_revoke_where_needs_exactly_one_of_client_and_family(tokens: TokenStore, which: dict[str, str]) -> None:
    tokens.add(oauth_token(1))
    with pytest.raises(ValueError, match="revoke by client_id or by family"):
        tokens.revoke_where(at(9), **which)
    assert by_id(tokens)["tok-1"].revoked is None
