"""The bearer token rules (domain/credentials/tokens.py) on the in-memory store: a secret is
`scim_` + 256 random bits shown once and kept only as its SHA-256 digest; it authenticates while
its token is neither expired (at `expires` it is) nor revoked; anything not shaped like a secret
is refused without a lookup; and a token's use is written at most once per TOUCH_EVERY."""

from __future__ import annotations

import hashlib
import re
from dataclasses import astuple, replace
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory.credentials import InMemoryTokenStore
from domain.credentials.tokens import TOKEN_PREFIX, TOUCH_EVERY, Token, Tokens, digest, well_formed
from domain.errors import NotFound
from tests.fakes import ManualClock, SequentialIds

T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


class SpyStore(InMemoryTokenStore):
    """The in-memory store, counting the lookups and the writes of a use."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0
        self.touches: list[tuple[str, datetime]] = []

    def by_digest(self, token_digest: str) -> Token | None:
        self.lookups += 1
        return super().by_digest(token_digest)

    def touch(self, token_id: str, when: datetime) -> None:
        self.touches.append((token_id, when))
        super().touch(token_id, when)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store() -> SpyStore:
    return SpyStore()


@pytest.fixture
def tokens(store: SpyStore, clock: ManualClock) -> Tokens:
    return Tokens(store, clock, SequentialIds())


def one_character_changed(secret: str) -> str:
    """`secret` with its last character replaced by another valid one: still well formed."""
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")


# -- issue ------------------------------------------------------------------------------------


def test_a_secret_is_the_prefix_and_43_url_safe_characters_and_each_is_new(tokens: Tokens) -> None:
    first, second = tokens.issue("okta").secret, tokens.issue("okta").secret
    assert TOKEN_PREFIX == "scim_"
    for secret in (first, second):
        assert re.fullmatch(r"scim_[A-Za-z0-9_-]{43}", secret)
        assert well_formed(secret)
    assert first != second


def test_only_the_sha256_hex_digest_of_the_secret_is_stored(tokens: Tokens, store: SpyStore) -> None:
    issued = tokens.issue("okta", note="okta prod")
    [stored] = store.all()
    assert stored == issued.token
    assert stored.digest == hashlib.sha256(issued.secret.encode()).hexdigest() == digest(issued.secret)
    random_part = issued.secret.removeprefix(TOKEN_PREFIX)
    for field in astuple(stored):
        assert random_part not in str(field)
    assert random_part not in repr(stored)


def test_a_lifetime_sets_expires_to_created_plus_lifetime(tokens: Tokens, clock: ManualClock) -> None:
    clock.advance(timedelta(seconds=7, microseconds=5))
    token = tokens.issue("okta", lifetime=timedelta(days=30)).token
    assert token.created == clock.now()
    assert token.expires == token.created + timedelta(days=30)
    assert tokens.issue("okta").token.expires is None


@pytest.mark.parametrize("lifetime", [timedelta(0), timedelta(microseconds=-1), -HOUR])
def test_a_lifetime_that_is_not_positive_is_refused_and_nothing_is_stored(
    tokens: Tokens, store: SpyStore, lifetime: timedelta
) -> None:
    with pytest.raises(ValueError, match="^a token's lifetime must be positive$"):
        tokens.issue("okta", lifetime=lifetime)
    assert store.all() == []


def test_the_note_and_the_credential_are_kept(tokens: Tokens, store: SpyStore) -> None:
    token = tokens.issue("entra", note="rotated 2026-01").token
    assert (token.credential, token.note) == ("entra", "rotated 2026-01")
    assert tokens.list() == [token] == list(store.all())
    assert tokens.issue("entra").token.note == ""


# -- authenticate ------------------------------------------------------------------------------


def test_the_issued_secret_authenticates_as_its_token(tokens: Tokens, clock: ManualClock) -> None:
    issued = tokens.issue("okta", lifetime=HOUR)
    assert tokens.authenticate(issued.secret) == replace(issued.token, last_used=clock.now())


def test_a_wrong_secret_or_one_with_a_character_changed_is_refused(tokens: Tokens, store: SpyStore) -> None:
    issued = tokens.issue("okta")
    other = TOKEN_PREFIX + "x" * 43
    assert tokens.authenticate(other) is None
    assert tokens.authenticate(one_character_changed(issued.secret)) is None
    assert store.lookups == 2  # well formed: both were looked up, and not found
    assert tokens.authenticate(issued.secret) is not None


@pytest.mark.parametrize("malformed", [
    "",
    "x" * 48,                                 # no prefix, right length
    "scim_",                                  # the prefix alone
    "SCIM_" + "a" * 43,                       # the prefix in the wrong case
    "scim_" + "a" * 42, "scim_" + "a" * 44,   # one character short, one too many
    "scim_" + "a" * 42 + "=",                 # padding is not URL-safe unpadded base64
    "scim_" + "a" * 42 + "+", "scim_" + "a" * 42 + "/", "scim_" + "a" * 42 + ".",
    "scim_" + "a" * 42 + "é",                 # not ASCII
    " scim_" + "a" * 43, "scim_" + "a" * 43 + "\n", "Bearer scim_" + "a" * 43,
])
def test_a_malformed_secret_is_refused_without_a_lookup(
    tokens: Tokens, store: SpyStore, malformed: str
) -> None:
    assert not well_formed(malformed)
    assert tokens.authenticate(malformed) is None
    assert store.lookups == 0


def test_a_malformed_secret_is_refused_even_when_its_digest_is_stored(tokens: Tokens, store: SpyStore) -> None:
    store.add(Token("planted", "okta", digest("not-a-token"), T0))
    assert tokens.authenticate("not-a-token") is None
    assert store.lookups == 0


def test_a_token_is_refused_from_the_moment_it_expires(tokens: Tokens, clock: ManualClock) -> None:
    issued = tokens.issue("okta", lifetime=HOUR)
    clock.advance(HOUR - timedelta(microseconds=1))
    assert tokens.authenticate(issued.secret) is not None
    clock.advance(timedelta(microseconds=1))  # exactly at expires
    assert tokens.authenticate(issued.secret) is None
    clock.advance(HOUR)
    assert tokens.authenticate(issued.secret) is None


def test_a_revoked_token_is_refused_and_not_touched(tokens: Tokens, store: SpyStore) -> None:
    issued = tokens.issue("okta")
    revoked = tokens.revoke(issued.token.id)
    assert revoked.revoked is not None and revoked.id == issued.token.id
    assert tokens.authenticate(issued.secret) is None
    assert store.touches == []


def test_several_tokens_of_one_credential_are_valid_at_once(tokens: Tokens) -> None:
    secrets = [tokens.issue("okta").secret for _ in range(3)]
    found = [tokens.authenticate(s) for s in secrets]
    assert all(t is not None and t.credential == "okta" for t in found)
    assert len({t.id for t in found if t is not None}) == 3


def test_revoking_one_token_leaves_the_others_of_its_credential_valid(tokens: Tokens) -> None:
    old, new = tokens.issue("okta"), tokens.issue("okta")
    tokens.revoke(old.token.id)
    assert tokens.authenticate(old.secret) is None
    found = tokens.authenticate(new.secret)
    assert found is not None and found.id == new.token.id


def test_revoke_all_revokes_every_live_token_of_that_credential_only(tokens: Tokens, clock: ManualClock) -> None:
    okta = [tokens.issue("okta") for _ in range(3)]
    entra = tokens.issue("entra")
    tokens.revoke(okta[0].token.id)
    revoked_first = clock.now()
    clock.advance(HOUR)
    assert tokens.revoke_all("okta") == 2  # the one revoked already is not counted again
    assert all(tokens.authenticate(i.secret) is None for i in okta)
    assert tokens.authenticate(entra.secret) is not None
    by_id = {t.id: t for t in tokens.list()}
    assert by_id[okta[0].token.id].revoked == revoked_first
    assert {by_id[i.token.id].revoked for i in okta[1:]} == {clock.now()}
    assert tokens.revoke_all("okta") == 0 and tokens.revoke_all("nobody") == 0


def test_revoking_an_unknown_or_an_already_revoked_token_is_not_found(tokens: Tokens) -> None:
    issued = tokens.issue("okta")
    with pytest.raises(NotFound, match="^no live token with id "):
        tokens.revoke("no-such-id")
    tokens.revoke(issued.token.id)
    with pytest.raises(NotFound, match="^no live token with id "):
        tokens.revoke(issued.token.id)


# -- last used ---------------------------------------------------------------------------------


def test_the_first_use_is_recorded(tokens: Tokens, store: SpyStore, clock: ManualClock) -> None:
    issued = tokens.issue("okta")
    assert issued.token.last_used is None
    clock.advance(timedelta(seconds=3))
    tokens.authenticate(issued.secret)
    assert store.touches == [(issued.token.id, clock.now())]
    assert store.all()[0].last_used == clock.now()


def test_a_use_is_written_at_most_once_per_touch_every(tokens: Tokens, store: SpyStore, clock: ManualClock) -> None:
    issued = tokens.issue("okta")
    first_use = clock.now()
    tokens.authenticate(issued.secret)
    clock.advance(TOUCH_EVERY - timedelta(microseconds=1))
    found = tokens.authenticate(issued.secret)
    assert found is not None and found.last_used == first_use
    assert len(store.touches) == 1
    clock.advance(timedelta(microseconds=1))  # TOUCH_EVERY after the recorded use
    found = tokens.authenticate(issued.secret)
    assert found is not None and found.last_used == clock.now()
    assert store.touches[1:] == [(issued.token.id, clock.now())]
    assert store.all()[0].last_used == clock.now()


# -- status ------------------------------------------------------------------------------------


def test_status_is_active_expired_or_revoked() -> None:
    forever = Token("t1", "okta", "d1", T0)
    expiring = Token("t2", "okta", "d2", T0, expires=T0 + HOUR)
    assert forever.status(T0 + timedelta(days=3650)) == "active"
    assert expiring.status(T0 + HOUR - timedelta(microseconds=1)) == "active"
    assert expiring.status(T0 + HOUR) == "expired"
    assert replace(forever, revoked=T0).status(T0) == "revoked"
    assert replace(expiring, revoked=T0).status(T0 + 2 * HOUR) == "revoked"  # revoked wins
