"""Passwords are stored as argon2id hashes at the production cost (adapters/system.py: 19 MiB,
t=2, p=1). Every other test app hashes at argon2's lowest cost (tests/fakes.py cheap_argon2):
these tests are the ones that see the production parameters."""

from __future__ import annotations

from adapters.system import Argon2Hasher
from tests.conftest import Client
from tests.fakes import cheap_argon2
from tests.http.support import create_user

PRODUCTION = "$argon2id$v=19$m=19456,t=2,p=1$"


def test_the_hasher_defaults_to_owasp_minimum_argon2id() -> None:
    hasher = Argon2Hasher()
    hashed = hasher.hash("S3cret-Passw0rd")
    assert hashed.startswith(PRODUCTION)
    assert hasher.verify(hashed, "S3cret-Passw0rd")
    assert not hasher.verify(hashed, "s3cret-Passw0rd")
    assert not hasher.verify("not a hash", "S3cret-Passw0rd")


def test_an_app_hashes_with_the_production_parameters_by_default(make_app) -> None:
    app = make_app(production_hasher=True)
    api = Client(app)
    user = create_user(api, "bjensen", password="S3cret-Passw0rd")
    stored = app.extensions["container"].transactions().store.users[user["id"]].password_hash
    assert stored.startswith(PRODUCTION)
    assert app.extensions["container"].hasher().verify(stored, "S3cret-Passw0rd")


def test_test_apps_hash_with_real_argon2_at_the_lowest_cost(make_app) -> None:
    app = make_app()
    user = create_user(Client(app), "bjensen", password="S3cret-Passw0rd")
    stored = app.extensions["container"].transactions().store.users[user["id"]].password_hash
    assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert cheap_argon2().verify(stored, "S3cret-Passw0rd")
