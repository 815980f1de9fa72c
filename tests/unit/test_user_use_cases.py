"""User use cases on the in-memory adapters, without HTTP."""

import pytest

from adapters.memory.store import InMemoryTransactions
from domain.errors import InvalidValue, NotFound, PreconditionFailed, Uniqueness
from domain.schema.registry import default_registry
from domain.use_cases.common import DeleteCommand, WriteCommand
from domain.use_cases.queries import GetCommand, GetResource
from domain.use_cases.users import (
    DeactivateCommand,
    DeactivateUser,
    DeleteUser,
    ProvisionUser,
    ReplaceUser,
)
from tests.fakes import FixedClock, ReversibleHasher, SequentialIds

REG = default_registry()


@pytest.fixture
def tx() -> InMemoryTransactions:
    return InMemoryTransactions()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


IDS = SequentialIds()


def provision(tx, clock, **attrs):
    use_case = ProvisionUser(tx, REG.user, clock, IDS, ReversibleHasher())
    password = attrs.pop("password", None)
    return use_case(WriteCommand("idp", attrs, password=password)).resource


def replace(tx, clock, user_id, version=None, password=None, **attrs):
    use_case = ReplaceUser(tx, REG.user, clock, ReversibleHasher())
    return use_case(WriteCommand("idp", attrs, user_id, password, None, version)).resource


class TestProvisionUser:
    def test_a_new_user_gets_an_id_version_one_and_timestamps(self, tx, clock):
        user = provision(tx, clock, userName="bjensen", active=True)
        assert user.id.startswith("id-") and user.version == 1
        assert user.created == user.last_modified

    def test_user_names_differing_only_in_case_collide(self, tx, clock):
        provision(tx, clock, userName="bjensen")
        with pytest.raises(Uniqueness):
            provision(tx, clock, userName="BJensen")
        assert len(tx.store.users) == 1

    def test_user_names_equal_after_nfkc_casefolding_collide(self, tx, clock):
        provision(tx, clock, userName="straße")
        with pytest.raises(Uniqueness):
            provision(tx, clock, userName="ＳＴＲＡＳＳＥ")

    def test_user_name_is_required(self, tx, clock):
        with pytest.raises(InvalidValue):
            provision(tx, clock, displayName="no name")
        with pytest.raises(InvalidValue):
            provision(tx, clock, userName="")

    def test_the_password_is_stored_hashed_and_not_in_the_attributes(self, tx, clock):
        user = provision(tx, clock, userName="a", password="s3cret")
        stored = tx.store.users[user.id]
        assert stored.password_hash == "hashed:terc3s"
        assert "password" not in stored.data

    def test_a_change_record_names_the_principal_and_attributes_but_no_values(self, tx, clock):
        user = provision(tx, clock, userName="a", password="s3cret")
        (change,) = tx.store.changes
        assert (change.principal, change.operation, change.resource_id) == ("idp", "create", user.id)
        assert change.attributes == ("userName", "password")


class TestReplaceUser:
    def test_omitted_attributes_are_cleared_but_active_and_password_are_kept(self, tx, clock):
        user = provision(tx, clock, userName="a", displayName="A", active=False, password="p")
        new = replace(tx, clock, user.id, userName="a", title="T")
        assert new.data == {"userName": "a", "title": "T", "active": False}
        assert tx.store.users[user.id].password_hash == "hashed:p"

    def test_a_replace_that_changes_nothing_keeps_version_and_last_modified(self, tx, clock):
        user = provision(tx, clock, userName="a", displayName="A")
        same = replace(tx, clock, user.id, userName="a", displayName="A")
        assert (same.version, same.last_modified) == (user.version, user.last_modified)
        assert len(tx.store.changes) == 1

    def test_a_change_bumps_the_version(self, tx, clock):
        user = provision(tx, clock, userName="a")
        assert replace(tx, clock, user.id, userName="b").version == 2

    def test_a_stale_version_is_refused_and_nothing_changes(self, tx, clock):
        user = provision(tx, clock, userName="a")
        replace(tx, clock, user.id, userName="b")
        with pytest.raises(PreconditionFailed):
            replace(tx, clock, user.id, version=1, userName="c")
        assert tx.store.users[user.id].user_name == "b"

    def test_renaming_onto_a_taken_user_name_is_a_conflict(self, tx, clock):
        provision(tx, clock, userName="a")
        other = provision(tx, clock, userName="b")
        with pytest.raises(Uniqueness):
            replace(tx, clock, other.id, userName="A")
        assert tx.store.users[other.id].user_name == "b"

    def test_replacing_a_missing_user_is_not_found(self, tx, clock):
        with pytest.raises(NotFound):
            replace(tx, clock, "nope", userName="a")


class TestDeactivateAndDelete:
    def test_deactivation_keeps_the_user_and_its_data(self, tx, clock):
        user = provision(tx, clock, userName="a", displayName="A", active=True)
        view = DeactivateUser(tx, clock)(DeactivateCommand("idp", user.id))
        assert view.resource.data == {"userName": "a", "displayName": "A", "active": False}
        assert GetResource(tx)(GetCommand("idp", "User", user.id)).resource.active is False

    def test_deactivating_twice_changes_nothing_the_second_time(self, tx, clock):
        user = provision(tx, clock, userName="a", active=True)
        first = DeactivateUser(tx, clock)(DeactivateCommand("idp", user.id)).resource
        second = DeactivateUser(tx, clock)(DeactivateCommand("idp", user.id)).resource
        assert first.version == second.version == 2

    def test_a_deleted_user_is_gone(self, tx, clock):
        user = provision(tx, clock, userName="a")
        DeleteUser(tx, clock)(DeleteCommand("idp", user.id))
        with pytest.raises(NotFound):
            GetResource(tx)(GetCommand("idp", "User", user.id))
        with pytest.raises(NotFound):
            DeleteUser(tx, clock)(DeleteCommand("idp", user.id))

    def test_a_deleted_user_name_can_be_provisioned_again(self, tx, clock):
        user = provision(tx, clock, userName="a")
        DeleteUser(tx, clock)(DeleteCommand("idp", user.id))
        assert provision(tx, clock, userName="A").id != user.id
