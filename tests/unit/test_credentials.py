"""The credential rules at their own layer: HTTP Basic accepts exactly the configured pair
(adapters/credentials/basic.py), and passwords are argon2id hashes that verify only the right
password (adapters/system.py)."""

from __future__ import annotations

import pytest

from adapters.credentials.basic import BasicAuthenticator, BasicCredential
from adapters.system import Argon2Hasher
from domain.model import Principal

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
