"""The credential rules at their own layer: HTTP Basic accepts exactly the configured pair
(adapters/credentials/basic.py), and passwords are argon2id hashes that verify only the right
password (adapters/system.py)."""

from __future__ import annotations

import pytest

from adapters.credentials.basic import BasicAuthenticator, BasicCredential
from adapters.credentials.bearer import BearerAuthenticator, CredentialSet
from adapters.memory.credentials import InMemoryTokenStore
from adapters.system import Argon2Hasher
from domain.credentials.tokens import Tokens
from domain.model import Binding, Principal
from tests.fakes import FixedClock, SequentialIds

USER, PASSWORD = "okta-provisioner", "correct horse battery staple"
HASHER = Argon2Hasher(time_cost=1, memory_cost=8)


def basic_auth(username: str, password: str) -> BasicAuthenticator:
    """One plain basic credential named after its username, as the seed's config makes."""
    return BasicAuthenticator([BasicCredential(username, username, password)], HASHER)


def attempt(username: str, password: str, scheme: str = "basic") -> Principal | None:
    return basic_auth(USER, PASSWORD).authenticate(scheme, {"username": username, "password": password})


def test_the_configured_pair_authenticates_as_the_configured_user() -> None:
    assert attempt(USER, PASSWORD) == Principal(USER, "basic")


@pytest.mark.parametrize(("username", "password"), [
    (USER, "wrong"),                      # right user, wrong password
    ("someone-else", PASSWORD),           # wrong user, right password
    ("someone-else", "wrong"),
    (USER, PASSWORD + " "), (USER, PASSWORD[:-1]), (USER.upper(), PASSWORD), (USER, PASSWORD.upper()),
    ("", ""), (USER, ""), ("", PASSWORD),
])
def test_anything_but_the_exact_pair_is_refused(username: str, password: str) -> None:
    assert attempt(username, password) is None


def test_missing_credential_parts_are_refused() -> None:
    authenticator = basic_auth(USER, PASSWORD)
    assert authenticator.authenticate("basic", {}) is None
    assert authenticator.authenticate("basic", {"username": USER}) is None
    assert authenticator.authenticate("basic", {"password": PASSWORD}) is None


def test_the_right_pair_under_another_scheme_is_refused() -> None:
    assert attempt(USER, PASSWORD, scheme="bearer") is None
    assert basic_auth(USER, PASSWORD).schemes == ("basic",)


def test_the_authenticator_keeps_digests_not_the_secret() -> None:
    (kept,) = [vars(e) for e in vars(basic_auth(USER, PASSWORD))["_entries"]]
    assert PASSWORD not in [v for v in kept.values() if isinstance(v, str)]
    assert all(PASSWORD.encode() not in v for v in kept.values() if isinstance(v, bytes))


def test_a_password_is_stored_as_an_argon2id_hash_that_verifies_only_itself() -> None:
    hasher = Argon2Hasher(time_cost=1, memory_cost=8)
    hashed = hasher.hash(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=8,t=1,p=1$") and PASSWORD not in hashed
    assert hasher.verify(hashed, PASSWORD)
    assert not hasher.verify(hashed, PASSWORD + "x")
    assert hasher.hash(PASSWORD) != hashed  # salted


@pytest.mark.parametrize("stored", ["", PASSWORD, "$argon2id$garbage", "plain:" + PASSWORD])
def test_a_stored_value_that_is_not_a_valid_hash_verifies_nothing(stored: str) -> None:
    assert not Argon2Hasher(time_cost=1, memory_cost=8).verify(stored, PASSWORD)


def test_a_secret_with_a_lone_surrogate_authenticates_and_nothing_else_does() -> None:
    """Config and header text may carry surrogate escapes; they are hashed, not an error."""
    authenticator = basic_auth("ops\udcff", "pw\ud800")
    assert authenticator.authenticate("basic", {"username": "ops\udcff", "password": "pw\ud800"})
    assert authenticator.authenticate("basic", {"username": "ops\udcff", "password": "pw\ud801"}) is None


@pytest.mark.parametrize("configured", ["", "XXXX", USER])
def test_a_missing_part_matches_no_configured_value(configured: str) -> None:
    """A missing username or password is no value at all, not some default that could match."""
    authenticator = basic_auth(configured, configured)
    assert authenticator.authenticate("basic", {"password": configured}) is None
    assert authenticator.authenticate("basic", {"username": configured}) is None


def test_the_principal_names_the_scheme_it_authenticated_with() -> None:
    principal = attempt(USER, PASSWORD)
    assert principal is not None and principal.name == USER and principal.scheme == "basic"


def test_the_production_hasher_uses_owasp_argon2id_parameters() -> None:
    """19 MiB, two passes, one lane: the parameters are part of every stored hash."""
    assert Argon2Hasher().hash("x").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


# ---- several credentials, hashed passwords, bearer tokens, the set of them --------------------

HASHED = "hashed-secret-4e1b"


class CountingHasher(Argon2Hasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8)
        self.verified: list[str] = []

    def verify(self, hashed: str, password: str) -> bool:
        self.verified.append(password)
        return super().verify(hashed, password)


def several(hasher: Argon2Hasher = HASHER) -> BasicAuthenticator:
    return BasicAuthenticator([
        BasicCredential("okta", "okta-provisioner", password=PASSWORD),
        BasicCredential("ops", "ops-user", password_hash=HASHER.hash(HASHED)),
    ], hasher)


def test_each_basic_credential_authenticates_as_its_own_name_and_only_with_its_own_password() -> None:
    creds = several()
    assert creds.authenticate("basic", {"username": "okta-provisioner", "password": PASSWORD}) == Principal("okta", "basic")
    assert creds.authenticate("basic", {"username": "ops-user", "password": HASHED}) == Principal("ops", "basic")
    assert creds.authenticate("basic", {"username": "ops-user", "password": PASSWORD}) is None
    assert creds.authenticate("basic", {"username": "okta-provisioner", "password": HASHED}) is None


def test_a_hashed_password_is_verified_by_argon2_once_then_by_its_digest() -> None:
    hasher = CountingHasher()
    creds = several(hasher)
    for _ in range(3):
        assert creds.authenticate("basic", {"username": "ops-user", "password": HASHED}) is not None
    assert hasher.verified == [HASHED]
    assert creds.authenticate("basic", {"username": "ops-user", "password": "wrong"}) is None
    assert hasher.verified == [HASHED, "wrong"]  # a wrong password always pays the full verify
    assert creds.authenticate("basic", {"username": "ops-user", "password": HASHED}) is not None
    assert hasher.verified == [HASHED, "wrong"]  # the right one is still remembered


def test_an_unknown_username_costs_an_argon2_verify_when_a_hashed_credential_exists() -> None:
    hasher = CountingHasher()
    assert several(hasher).authenticate("basic", {"username": "nobody", "password": HASHED}) is None
    assert hasher.verified == [HASHED]  # against a configured hash, its verdict ignored
    plain = CountingHasher()
    assert BasicAuthenticator([BasicCredential("a", "a", "pw")], plain).authenticate(
        "basic", {"username": "nobody", "password": "pw"}) is None
    assert plain.verified == []


def bearer_set() -> tuple[Tokens, CredentialSet]:
    tokens = Tokens(InMemoryTokenStore(), FixedClock(), SequentialIds())
    bearer = BearerAuthenticator(tokens, {"entra": None})
    return tokens, CredentialSet([basic_auth(USER, PASSWORD), bearer])


def test_a_token_authenticates_as_its_credential_while_that_credential_is_configured() -> None:
    tokens, creds = bearer_set()
    good, orphan = tokens.issue("entra").secret, tokens.issue("removed").secret
    assert creds.authenticate("bearer", {"token": good}) == Principal("entra", "bearer")
    assert creds.authenticate("bearer", {"token": orphan}) is None
    assert creds.authenticate("bearer", {"token": good[:-1] + ("A" if good[-1] != "A" else "B")}) is None
    assert creds.authenticate("bearer", {}) is None


def test_the_set_dispatches_by_scheme_and_lists_the_schemes_in_order() -> None:
    tokens, creds = bearer_set()
    token = tokens.issue("entra").secret
    assert creds.schemes == ("basic", "bearer")
    assert creds.authenticate("basic", {"username": USER, "password": PASSWORD}) == Principal(USER, "basic")
    assert creds.authenticate("basic", {"username": USER, "password": token}) is None
    assert creds.authenticate("bearer", {"token": PASSWORD}) is None
    assert creds.authenticate("digest", {"username": USER, "password": PASSWORD}) is None
    assert CredentialSet([]).schemes == ()


def test_a_basic_credential_with_me_is_bound_to_that_user_name() -> None:
    bound = BasicAuthenticator([BasicCredential("okta", USER, PASSWORD, me="BJensen"),
                                BasicCredential("ops", "ops-user", password_hash=HASHER.hash("ops-pw"), me="ops")],
                               HASHER)
    assert bound.authenticate("basic", {"username": USER, "password": PASSWORD}) == Principal(
        "okta", "basic", Binding(user_name="BJensen"))
    for _ in range(2):  # argon2 once, then the digest of what it verified: the binding both times
        assert bound.authenticate("basic", {"username": "ops-user", "password": "ops-pw"}) == Principal(
            "ops", "basic", Binding(user_name="ops"))
    assert attempt(USER, PASSWORD) == Principal(USER, "basic", None)  # no `me`: unbound


def test_a_token_is_bound_to_its_own_user_first_then_to_its_credential_s_me() -> None:
    tokens = Tokens(InMemoryTokenStore(), FixedClock(), SequentialIds())
    bearer = BearerAuthenticator(tokens, {"entra": "svc-entra", "spare": None})
    own = tokens.issue("entra", user_id="user-7").secret
    inherited, unbound = tokens.issue("entra").secret, tokens.issue("spare").secret
    assert bearer.authenticate("bearer", {"token": own}) == Principal("entra", "bearer", Binding(user_id="user-7"))
    assert bearer.authenticate("bearer", {"token": inherited}) == Principal(
        "entra", "bearer", Binding(user_name="svc-entra"))
    assert bearer.authenticate("bearer", {"token": unbound}) == Principal("spare", "bearer")
