"""Edges of the OAuth token rules: revoking a refresh token by id (`scim-service token revoke`)
ends its whole authorization while an access or bearer token ends alone; a repeat after the
successor access token expired says 0 seconds; a successor pair stored by half repeats nothing;
a client needs a redirect URI."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.memory.credentials import InMemoryTokenStore
from adapters.memory.oauth import InMemoryCodeStore
from domain.credentials.oauth import SCOPE, Grants, Lifetimes, OAuthClients
from domain.credentials.tokens import REFRESH, Token, Tokens, digest
from tests.fakes import ManualClock, SequentialIds
from tests.unit.test_oauth_rules import World, derive


def grants(lifetimes: Lifetimes) -> tuple[Grants, InMemoryTokenStore, ManualClock]:
    store, clock = InMemoryTokenStore(), ManualClock()
    return Grants("okta-oauth", InMemoryCodeStore(), store, clock, SequentialIds(), lifetimes), store, clock


def test_revoking_a_refresh_token_by_id_revokes_its_family_at_that_moment() -> None:
    g, store, clock = grants(Lifetimes())
    pair, other = g.issue("c1", SCOPE), g.issue("c1", SCOPE)
    refresh = store.by_digest(digest(pair.refresh or ""))
    assert refresh is not None
    clock.advance(timedelta(minutes=5))
    Tokens(store, clock, SequentialIds()).revoke(refresh.id)
    access = store.by_digest(digest(pair.access))
    assert access is not None and access.revoked == clock.now()
    assert all(t.revoked is None for t in store.all() if t.family != refresh.family)
    assert store.by_digest(digest(other.access)) is not None


def test_revoking_an_access_or_bearer_token_by_id_revokes_it_alone() -> None:
    g, store, clock = grants(Lifetimes())
    pair = g.issue("c1", SCOPE)
    tokens = Tokens(store, clock, SequentialIds())
    bearer = tokens.issue("entra")
    access = store.by_digest(digest(pair.access))
    assert access is not None
    tokens.revoke(access.id)
    tokens.revoke(bearer.token.id)
    live = {t.kind for t in store.all() if t.revoked is None}
    assert live == {REFRESH}


def test_a_repeat_after_the_successor_access_token_expired_says_zero_seconds() -> None:
    g, store, clock = grants(Lifetimes(access=timedelta(seconds=60), grace=timedelta(seconds=120)))
    first = g.issue("c1", SCOPE)
    rotated = g.refresh(first.refresh or "", "c1", derive)
    assert rotated is not None
    clock.advance(timedelta(seconds=90))
    again = g.refresh(first.refresh or "", "c1", derive)
    assert again is not None and (again.access, again.expires_in) == (rotated.access, 0)


def test_a_successor_pair_stored_by_half_repeats_nothing() -> None:
    g, store, clock = grants(Lifetimes())
    first = g.issue("c1", SCOPE)
    old = store.by_digest(digest(first.refresh or ""))
    assert old is not None
    half = Token("x", "okta-oauth", digest(derive(first.refresh or "", REFRESH)), clock.now(),
                 clock.now() + timedelta(days=1), kind=REFRESH, client_id="c1", family=old.family)
    store.add(half)  # the refresh successor without its access token
    assert g.refresh(first.refresh or "", "c1", derive) is None


def test_a_client_without_a_redirect_uri_is_refused_naming_none(w: World) -> None:
    with pytest.raises(ValueError, match=r": none$"):
        w.clients.add("Okta", [])
    assert w.clients.list() == []
    assert isinstance(w.clients, OAuthClients)


@pytest.fixture
def w() -> World:
    return World()
