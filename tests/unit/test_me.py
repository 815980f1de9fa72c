"""/Me's rule (domain/provisioning/me.py) on the in-memory store: which User a principal is bound
to, by id or by userName (case-insensitively), and the errors of an unbound credential (501)
and of a user by name that does not exist (404)."""

from __future__ import annotations

import pytest

from adapters.memory.store import InMemoryTransactions
from domain.credentials.tokens import Tokens
from domain.errors import NotFound, NotSupported
from domain.model import Binding, Principal
from domain.provisioning.commands import DeleteCommand, WriteCommand
from domain.provisioning.me import FindMe
from domain.provisioning.users import DeleteUser, ProvisionUser
from domain.schema.registry import default_registry
from tests.fakes import FixedClock, Recording, ReversibleHasher, SequentialIds

REG = default_registry()
IDS = SequentialIds()


@pytest.fixture
def tx() -> InMemoryTransactions:
    return InMemoryTransactions()


def provision(tx: InMemoryTransactions, user_name: str) -> str:
    made = ProvisionUser(tx, REG.user, FixedClock(), IDS, ReversibleHasher())
    return made(WriteCommand("idp", {"userName": user_name})).resource.id


def test_a_principal_bound_by_name_is_the_user_with_that_user_name_in_any_case(tx: InMemoryTransactions) -> None:
    provision(tx, "alice")
    bjensen = provision(tx, "BJensen")
    find = FindMe(tx, REG.user)
    for name in ("BJensen", "bjensen", "BJENSEN"):
        assert find.id_of(Principal("okta", "basic", Binding(user_name=name))) == bjensen


def test_a_binding_by_name_is_resolved_on_each_request(tx: InMemoryTransactions) -> None:
    """Config may name a user before it is provisioned, and one provisioned again anew."""
    find, principal = FindMe(tx, REG.user), Principal("okta", "basic", Binding(user_name="later"))
    with pytest.raises(NotFound, match="'later'"):
        find.id_of(principal)
    first = provision(tx, "later")
    assert find.id_of(principal) == first
    DeleteUser(tx, FixedClock())(DeleteCommand("idp", first))
    with pytest.raises(NotFound):
        find.id_of(principal)
    again = provision(tx, "later")
    assert again != first and find.id_of(principal) == again


def test_a_binding_by_id_is_that_id_without_a_read() -> None:
    """A token's binding was resolved when it was issued; the use case on it answers 404 if the
    user is gone, so finding it costs no transaction."""
    recording = Recording()
    assert FindMe(recording, REG.user).id_of(Principal("t", "bearer", Binding(user_id="u-1"))) == "u-1"
    assert recording.opened == []


@pytest.mark.parametrize("binding", [None, Binding()])
def test_an_unbound_principal_has_no_me(tx: InMemoryTransactions, binding: Binding | None) -> None:
    provision(tx, "okta")  # a user named like the credential is not its binding
    with pytest.raises(NotSupported, match="bound to no user"):
        FindMe(tx, REG.user).id_of(Principal("okta", "basic", binding))


def test_by_user_name_is_none_for_no_such_user_and_reads_in_a_read_unit_of_work() -> None:
    recording = Recording()
    provision(recording, "bjensen")
    recording.opened.clear()
    find = FindMe(recording, REG.user)
    assert find.by_user_name("nobody") is None
    assert find.by_user_name("bjensen") is not None
    assert recording.opened == [False, False]


def test_a_token_issued_for_a_user_carries_its_id(tx: InMemoryTransactions) -> None:
    from adapters.memory.credentials import InMemoryTokenStore

    tokens = Tokens(InMemoryTokenStore(), FixedClock(), SequentialIds())
    user_id = FindMe(tx, REG.user).by_user_name("BJENSEN") or provision(tx, "bjensen")
    issued = tokens.issue("entra", note="me", user_id=user_id)
    assert issued.token.user_id == user_id
    found = tokens.authenticate(issued.secret)
    assert found is not None and found.user_id == user_id
    assert tokens.issue("entra").token.user_id is None
