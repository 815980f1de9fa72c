"""The OAuth 2.0 rules (domain/credentials/oauth.py) on the in-memory stores: redirect URIs are
https or http to the loopback host, never with a fragment or userinfo; a client's secret is shown
once and kept as its digest; removing a client revokes its tokens; a code redeems once, and a
replay revokes what it got; an access/refresh pair is one family; a refresh token rotates to a
derived pair that it repeats for `grace`; revoking a refresh token revokes its family."""

from __future__ import annotations

import hashlib
import re
from dataclasses import astuple
from datetime import timedelta

import pytest

from adapters.memory.credentials import InMemoryTokenStore
from adapters.memory.oauth import InMemoryClientStore, InMemoryCodeStore
from domain.credentials import oauth
from domain.credentials.oauth import SCOPE, Grants, Lifetimes, OAuthClients, Pair
from domain.credentials.tokens import ACCESS, REFRESH, Token, Tokens, digest, new_secret
from domain.errors import NotFound
from tests.fakes import ManualClock, SequentialIds

SECRET = re.compile(r"scim_[A-Za-z0-9_-]{43}")
LIFE = Lifetimes()
CB = "https://idp.example.com/oauth/callback"
ONE_US = timedelta(microseconds=1)


def derive(secret: str, kind: str) -> str:
    """Deterministic successors, shaped like secrets (43 URL-safe characters after `scim_`)."""
    return "scim_" + hashlib.sha256(f"{kind}{secret}".encode()).hexdigest()[:43]


class World:
    """A clock, the in-memory stores, and the two use cases on them."""

    def __init__(self) -> None:
        self.clock, self.store = ManualClock(), InMemoryTokenStore()
        self.client_store, self.codes = InMemoryClientStore(), InMemoryCodeStore()
        self.clients = OAuthClients(self.client_store, self.store, self.clock)
        self.grants = Grants("okta-oauth", self.codes, self.store, self.clock, SequentialIds(), LIFE)

    def token(self, secret: str | None) -> Token:
        """The stored token of `secret` (which must exist)."""
        found = None if secret is None else self.store.by_digest(digest(secret))
        assert found is not None, f"no token for {secret}"
        return found


@pytest.fixture
def w() -> World:
    return World()


# -- redirect URIs and clients --------------------------------------------------------------


@pytest.mark.parametrize("uri", [
    CB, "https://idp.example.com/cb?tenant=7&x=y", "https://idp.example.com:8443/cb", "https://idp.example.com",
    "http://127.0.0.1", "http://127.0.0.1:8080", "http://127.0.0.1:8080/cb?x=1", "http://localhost",
    "http://localhost:3000/cb", "https://idp.example.com?tenant=7"])
def test_https_and_loopback_http_redirect_uris_are_allowed(uri: str) -> None:
    assert oauth.redirect_uri_allowed(uri)


@pytest.mark.parametrize("uri", [
    "http://idp.example.com/cb", "http://127.0.0.1.evil.com", "http://127.0.0.1.evil.com/cb", "http://localhost.evil.com/cb",
    "http://localhost@evil.com", "https://idp.example.com#frag", "https://idp.example.com/cb#", "https://h/cb?x=1#f",
    "javascript:alert(1)", "", "https://", "https://a@b", "https://user:pw@idp.example.com/cb", "ftp://idp.example.com/cb",
    " " + CB, CB + " ", CB + "\n"])
def test_other_redirect_uris_are_refused(uri: str) -> None:
    assert not oauth.redirect_uri_allowed(uri)


def test_add_shows_the_secret_once_and_stores_only_its_digest(w: World) -> None:
    uris = (CB, "http://localhost:8080/cb")
    client, secret = w.clients.add("Okta prod", list(uris))
    assert SECRET.fullmatch(secret) and w.client_store.get(client.id) == client == w.clients.get(client.id)
    assert (client.name, client.redirect_uris, client.created) == ("Okta prod", uris, w.clock.now())
    assert client.secret_digest == hashlib.sha256(secret.encode()).hexdigest() not in repr(client)
    assert all(secret[5:] not in str(value) for value in (*astuple(client), repr(client)))


def test_each_client_gets_its_own_random_id_and_secret(w: World) -> None:
    first, first_secret = w.clients.add("a", [CB])
    w.clock.advance(ONE_US)
    second, second_secret = w.clients.add("a", [CB])
    assert first.id != second.id and first_secret != second_secret and first.id not in first_secret
    assert re.fullmatch(r"[0-9a-f]{32}", first.id) and w.clients.list() == [first, second]


@pytest.mark.parametrize("uris", [["http://evil.example/cb"], [CB, "http://evil.example/cb"], []])
def test_a_bad_redirect_uri_raises_and_stores_nothing(w: World, uris: list[str]) -> None:
    with pytest.raises(ValueError, match="redirect URIs must be https") as caught:
        w.clients.add("evil", uris)
    assert ("http://evil.example/cb" in str(caught.value)) == bool(uris)
    assert w.clients.list() == []


def test_secret_matches_only_the_exact_secret(w: World) -> None:
    client, secret = w.clients.add("a", [CB])
    other_secret = w.clients.add("b", [CB])[1]
    assert OAuthClients.secret_matches(client, secret)
    last = "A" if secret[-1] != "A" else "B"
    for wrong in (secret[:-1] + last, secret + "x", secret[:-1], "", secret.upper(), other_secret, client.secret_digest):
        assert not OAuthClients.secret_matches(client, wrong), wrong


def test_remove_revokes_every_live_token_of_that_client_only(w: World) -> None:
    doomed, kept = w.clients.add("a", [CB])[0], w.clients.add("b", [CB])[0]
    mine = [w.grants.issue(doomed.id, SCOPE), w.grants.issue(doomed.id, SCOPE)]
    theirs = w.grants.issue(kept.id, SCOPE)
    earlier = w.clock.now()
    w.store.revoke(w.token(mine[0].access).id, earlier)
    w.clock.advance(timedelta(minutes=5))
    assert w.clients.remove(doomed.id) == 3
    assert w.clients.get(doomed.id) is None and w.clients.list() == [kept]
    assert w.token(mine[0].access).revoked == earlier  # an earlier revocation stays as it was
    assert [w.token(s).revoked for s in (mine[0].refresh, mine[1].access, mine[1].refresh)] == [w.clock.now()] * 3
    assert all(w.token(s).status(w.clock.now()) == "active" for s in (theirs.access, theirs.refresh))


def test_removing_an_unknown_or_removed_client_raises_not_found(w: World) -> None:
    client = w.clients.add("a", [CB])[0]
    with pytest.raises(NotFound, match="^no OAuth client with id no-such-id$"):
        w.clients.remove("no-such-id")
    assert w.clients.remove(client.id) == 0
    with pytest.raises(NotFound, match=re.escape(client.id)):
        w.clients.remove(client.id)


# -- authorization codes --------------------------------------------------------------------


def test_a_code_redeems_once_keeping_who_approved_it_and_its_challenge(w: World) -> None:
    secret = w.grants.issue_code("c1", CB, SCOPE, "admin", "chal-" + "x" * 43, "S256")
    assert SECRET.fullmatch(secret) and w.grants.issue_code("c1", CB, SCOPE, "admin") != secret  # random
    code = w.grants.redeem_code(secret, "c1")
    assert code is not None and code.digest == digest(secret)
    assert (code.client_id, code.redirect_uri, code.scope, code.approved_by, code.challenge, code.challenge_method
            ) == ("c1", CB, SCOPE, "admin", "chal-" + "x" * 43, "S256")
    assert (code.created, code.expires) == (w.clock.now(), w.clock.now() + LIFE.code)
    row = w.codes.get(digest(secret))
    assert row is not None and (row.used, row.approved_by, row.challenge, row.challenge_method) == (
        w.clock.now(), "admin", code.challenge, "S256")


def test_a_second_redemption_fails_and_revokes_the_tokens_of_the_first(w: World) -> None:
    secret = w.grants.issue_code("c1", CB, SCOPE, "admin")
    code = w.grants.redeem_code(secret, "c1")
    assert code is not None
    first = w.grants.issue("c1", code.scope, family=code.family)
    unrelated = w.grants.issue("c1", SCOPE)
    w.clock.advance(timedelta(seconds=5))
    assert w.grants.redeem_code(secret, "c1") is None
    assert [w.token(s).revoked for s in (first.access, first.refresh)] == [w.clock.now()] * 2
    assert all(w.token(s).revoked is None for s in (unrelated.access, unrelated.refresh))


def test_a_code_is_refused_from_its_expiry_on(w: World) -> None:
    early, late = w.grants.issue_code("c1", CB, SCOPE, "admin"), w.grants.issue_code("c1", CB, SCOPE, "admin")
    w.clock.advance(LIFE.code - ONE_US)
    assert w.grants.redeem_code(early, "c1") is not None
    w.clock.advance(ONE_US)
    assert w.grants.redeem_code(late, "c1") is None


def test_a_code_is_refused_to_another_client_or_unknown_and_stays_redeemable(w: World) -> None:
    secret = w.grants.issue_code("c1", CB, SCOPE, "admin")
    assert w.grants.redeem_code(secret, "c2") is None and w.grants.redeem_code(secret, "") is None
    assert w.grants.redeem_code(new_secret(), "c1") is None and w.grants.redeem_code("", "c1") is None
    assert w.grants.redeem_code(secret, "c1") is not None


def test_a_replay_after_the_code_expired_still_revokes_the_first_exchange(w: World) -> None:
    secret = w.grants.issue_code("c1", CB, SCOPE, "admin")
    code = w.grants.redeem_code(secret, "c1")
    assert code is not None
    first = w.grants.issue("c1", SCOPE, family=code.family)
    w.clock.advance(LIFE.code)
    assert w.grants.redeem_code(secret, "c1") is None
    assert w.token(first.refresh).revoked is not None


# -- token pairs: issue, refresh, revoke ----------------------------------------------------


def test_issue_stores_an_access_and_a_refresh_token_of_one_family(w: World) -> None:
    pair = w.grants.issue("c1", SCOPE, family="fam-1")
    access, refresh, now = w.token(pair.access), w.token(pair.refresh), w.clock.now()
    assert (access.kind, refresh.kind) == (ACCESS, REFRESH)
    for token in (access, refresh):
        assert (token.credential, token.client_id, token.scope, token.family) == ("okta-oauth", "c1", SCOPE, "fam-1")
        assert token.created == now and token.revoked is None and token.replaced is None
    assert (access.expires, refresh.expires) == (now + LIFE.access, now + LIFE.refresh)
    assert (pair.expires_in, pair.scope) == (7200, SCOPE) and SECRET.fullmatch(pair.access)
    assert pair.access != pair.refresh and len(w.store.all()) == 2


def test_a_new_family_per_pair_an_access_token_alone_and_only_access_tokens_authenticate(w: World) -> None:
    first, second = w.grants.issue("c1", SCOPE), w.grants.issue("c1", SCOPE, with_refresh=False)
    assert second.refresh is None and second.expires_in == 7200
    assert w.token(first.access).family == w.token(first.refresh).family
    assert w.token(second.access).family not in (None, w.token(first.access).family)
    assert len(w.store.all()) == 3
    tokens = Tokens(w.store, w.clock, SequentialIds())  # an access token opens the API, a refresh token not
    found = tokens.authenticate(first.access)
    assert found is not None and found.id == w.token(first.access).id and found.kind == ACCESS
    assert first.refresh is not None and tokens.authenticate(first.refresh) is None


def test_refresh_rotates_to_the_derived_pair_and_marks_the_old_token_replaced(w: World) -> None:
    first = w.grants.issue("c1", SCOPE).refresh
    assert first is not None
    w.clock.advance(timedelta(hours=3))  # the first access token has expired: no matter
    pair = w.grants.refresh(first, "c1", derive)
    assert pair == Pair(derive(first, ACCESS), derive(first, REFRESH), 7200, SCOPE)
    access, refresh = w.token(pair.access), w.token(pair.refresh)
    assert w.token(first).replaced == w.clock.now() == refresh.created
    assert (access.kind, refresh.kind, access.client_id, refresh.client_id) == (ACCESS, REFRESH, "c1", "c1")
    assert refresh.family == access.family == w.token(first).family
    assert refresh.expires == w.clock.now() + LIFE.refresh and refresh.replaced is None


def test_a_rotated_refresh_token_repeats_its_successors_for_grace_only(w: World) -> None:
    old = w.grants.issue("c1", SCOPE).refresh
    assert old is not None
    pair = w.grants.refresh(old, "c1", derive)
    assert pair is not None and pair.refresh is not None
    w.clock.advance(timedelta(seconds=30, microseconds=500))
    assert w.grants.refresh(old, "c1", derive) == Pair(pair.access, pair.refresh, 7200 - 31, SCOPE)
    w.clock.advance(LIFE.grace - timedelta(seconds=30, microseconds=500))
    assert w.grants.refresh(old, "c1", derive) == Pair(pair.access, pair.refresh, 7200 - 60, SCOPE)
    w.clock.advance(ONE_US)
    assert w.grants.refresh(old, "c1", derive) is None
    assert len(w.store.all()) == 4 and w.token(pair.refresh).status(w.clock.now()) == "active"


def test_a_bound_client_s_tokens_carry_its_user_through_every_rotation(w: World) -> None:
    """/Me: `oauth client add --user` binds the client; each pair issued to it, and each pair a
    refresh rotates to (or repeats in the grace window), is bound to that user."""
    client, _ = w.clients.add("entra", [CB], user_id="user-9")
    assert client.user_id == "user-9" and w.client_store.get(client.id) == client
    first = w.grants.issue(client.id, SCOPE, user_id=client.user_id)
    assert first.refresh is not None
    assert {w.token(first.access).user_id, w.token(first.refresh).user_id} == {"user-9"}
    rotated = w.grants.refresh(first.refresh, client.id, derive)
    assert rotated is not None and rotated.refresh is not None
    assert {w.token(rotated.access).user_id, w.token(rotated.refresh).user_id} == {"user-9"}
    again = w.grants.refresh(rotated.refresh, client.id, derive)
    assert again is not None and w.token(again.access).user_id == "user-9"
    unbound = w.grants.issue(client.id, SCOPE, with_refresh=False)
    assert w.token(unbound.access).user_id is None and w.clients.add("okta", [CB])[0].user_id is None


@pytest.mark.parametrize("case", ["revoked", "expired", "another client", "access token", "unknown"])
def test_a_dead_foreign_or_unknown_refresh_token_is_refused(w: World, case: str) -> None:
    pair = w.grants.issue("c1", SCOPE)
    secret = {"access token": pair.access, "unknown": new_secret()}.get(case, pair.refresh)
    client = "c2" if case == "another client" else "c1"
    if case == "revoked":
        w.store.revoke(w.token(pair.refresh).id, w.clock.now())
    if case == "expired":
        w.clock.advance(LIFE.refresh)  # at `expires` exactly
    assert secret is not None and w.grants.refresh(secret, client, derive) is None
    assert len(w.store.all()) == 2 and w.token(pair.refresh).replaced is None


@pytest.mark.parametrize("successor_revoked", [False, True])
def test_a_concurrent_rotation_repeats_the_live_pair_the_other_request_stored(w: World, successor_revoked: bool) -> None:
    first = w.grants.issue("c1", SCOPE, family="fam").refresh
    assert first is not None
    winner = w.grants.issue("c1", SCOPE, "fam", secrets=(derive(first, ACCESS), derive(first, REFRESH)))
    if successor_revoked:  # that token alone, as `scim-service token revoke ID` does: never repeated
        w.store.revoke(w.token(winner.refresh).id, w.clock.now())
    pair = w.grants.refresh(first, "c1", derive)  # its own insert raises DuplicateToken
    assert pair == (None if successor_revoked else Pair(winner.access, derive(first, REFRESH), 7200, SCOPE))
    assert len(w.store.all()) == 4


def test_the_successor_refresh_token_can_itself_be_rotated(w: World) -> None:
    first = w.grants.issue("c1", SCOPE).refresh
    assert first is not None
    second = w.grants.refresh(first, "c1", derive)
    assert second is not None and second.refresh is not None
    third = w.grants.refresh(second.refresh, "c1", derive)
    assert third == Pair(derive(second.refresh, ACCESS), derive(second.refresh, REFRESH), 7200, SCOPE)
    assert third.refresh not in (first, second.refresh) and w.token(second.refresh).replaced is not None
    assert len({t.family for t in w.store.all()}) == 1 and len(w.store.all()) == 6


def test_revoking_a_refresh_token_revokes_its_whole_family(w: World) -> None:
    first, other = w.grants.issue("c1", SCOPE), w.grants.issue("c1", SCOPE)
    assert first.refresh is not None
    successor = w.grants.refresh(first.refresh, "c1", derive)
    assert successor is not None and successor.refresh is not None
    found = w.grants.find(successor.refresh, "c1")
    assert found is not None and found.kind == REFRESH
    w.grants.revoke(found)
    family = [first.access, first.refresh, successor.access, successor.refresh]
    assert [w.token(s).revoked for s in family] == [w.clock.now()] * 4
    assert all(w.token(s).revoked is None for s in (other.access, other.refresh))
    assert w.grants.refresh(first.refresh, "c1", derive) is None  # nor does the grace repeat it


def test_revoking_an_access_token_revokes_only_itself_and_find_is_per_client(w: World) -> None:
    pair = w.grants.issue("c1", SCOPE)
    assert w.grants.find(pair.access, "c2") is None and w.grants.find(new_secret(), "c1") is None
    found = w.grants.find(pair.access, "c1")
    assert found is not None and found == w.token(pair.access) and found.kind == ACCESS
    w.grants.revoke(found)
    assert w.token(pair.access).revoked == w.clock.now() and w.token(pair.refresh).revoked is None
