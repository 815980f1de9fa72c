"""User use cases on the in-memory adapters, without HTTP."""

import pytest

from adapters.memory.store import InMemoryTransactions
from domain.errors import InvalidValue, NotFound, PreconditionFailed, Uniqueness
from domain.idp.policy import Policy
from domain.patch.engine import PatchOp
from domain.provisioning.commands import DeleteCommand, GetCommand, PatchCommand, WriteCommand
from domain.provisioning.reads import GetResource
from domain.provisioning.users import DeleteUser, PatchUser, ProvisionUser, ReplaceUser
from domain.schema.registry import default_registry
from tests.fakes import FixedClock, Recording, ReversibleHasher, SequentialIds

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
    def test_a_create_runs_in_a_write_unit_of_work(self, clock):
        """SQLite takes its write lock up front only for a write unit of work (BEGIN IMMEDIATE);
        a create in a read one would upgrade its lock mid-way and fail under load."""
        recording = Recording()
        provision(recording, clock, userName="bjensen")
        assert recording.opened == [True]

    def test_a_new_user_is_in_no_group(self, tx, clock):
        use_case = ProvisionUser(tx, REG.user, clock, IDS, ReversibleHasher())
        assert use_case(WriteCommand("idp", {"userName": "bjensen"})).groups == []

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


    def test_every_write_records_the_request_it_came_in(self, tx, clock):
        """The change record names the command's request id (the X-Request-ID of the log)."""
        created = ProvisionUser(tx, REG.user, clock, IDS, ReversibleHasher())(
            WriteCommand("idp", {"userName": "r"}, request_id="req-create"))
        ReplaceUser(tx, REG.user, clock, ReversibleHasher())(
            WriteCommand("idp", {"userName": "r", "title": "T"}, created.resource.id, request_id="req-put"))
        PatchUser(tx, REG.user, clock, Policy(), ReversibleHasher())(PatchCommand(
            "idp", created.resource.id, (PatchOp("replace", "active", False, True),), request_id="req-patch"))
        DeleteUser(tx, clock)(DeleteCommand("idp", created.resource.id, request_id="req-delete"))
        assert [c.request_id for c in tx.store.changes] == ["req-create", "req-put", "req-patch", "req-delete"]
        provision(tx, clock, userName="no-request")
        assert tx.store.changes[-1].request_id is None


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

    def test_an_echoed_password_is_verified_against_the_hash_and_is_no_change(self, tx, clock):
        user = provision(tx, clock, userName="a", password="p")
        same = replace(tx, clock, user.id, password="p", userName="a")
        assert same.version == user.version and len(tx.store.changes) == 1
        assert tx.store.users[user.id].password_hash == "hashed:p"

    def test_a_new_password_is_stored_hashed_never_as_given(self, tx, clock):
        user = provision(tx, clock, userName="a", password="p")
        new = replace(tx, clock, user.id, password="q", userName="a")
        assert new.version == 2 and tx.store.users[user.id].password_hash == "hashed:q"
        assert tx.store.changes[-1].attributes == ("password",)

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


def deactivate(tx, clock, user_id, active=False):
    """What Okta and Entra send to deactivate (or reactivate) a user: PATCH replace active."""
    use_case = PatchUser(tx, REG.user, clock, Policy(), ReversibleHasher())
    ops = (PatchOp("replace", "active", active, True),)
    return use_case(PatchCommand("idp", user_id, ops)).resource


class TestDeactivateAndDelete:
    def test_deactivation_keeps_the_user_and_its_data(self, tx, clock):
        user = provision(tx, clock, userName="a", displayName="A", active=True)
        resource = deactivate(tx, clock, user.id)
        assert resource.data == {"userName": "a", "displayName": "A", "active": False}
        assert GetResource(tx)(GetCommand("idp", "User", user.id)).resource.active is False

    def test_deactivating_twice_changes_nothing_the_second_time(self, tx, clock):
        user = provision(tx, clock, userName="a", active=True)
        first = deactivate(tx, clock, user.id)
        second = deactivate(tx, clock, user.id)
        assert first.version == second.version == 2
        assert [c.operation for c in tx.store.changes] == ["create", "deactivate"]

    def test_deactivation_and_reactivation_are_recorded_as_such_by_patch(self, tx, clock):
        user = provision(tx, clock, userName="a", active=True)
        deactivate(tx, clock, user.id)
        deactivate(tx, clock, user.id, active=True)
        ops = [(c.operation, c.attributes) for c in tx.store.changes]
        assert ops == [("create", ("active", "userName")), ("deactivate", ("active",)),
                       ("reactivate", ("active",))]

    def test_deactivation_by_put_is_recorded_as_such_and_other_puts_as_replace(self, tx, clock):
        user = provision(tx, clock, userName="a", active=True)
        replace(tx, clock, user.id, userName="a", active=False)
        replace(tx, clock, user.id, userName="a", displayName="A")  # active kept: not a lifecycle change
        replace(tx, clock, user.id, userName="a", active=True)
        assert [c.operation for c in tx.store.changes] == ["create", "deactivate", "replace", "reactivate"]

    def test_a_first_active_false_is_a_deactivation_but_removing_active_is_not(self, tx, clock):
        user = provision(tx, clock, userName="a")
        deactivate(tx, clock, user.id)
        PatchUser(tx, REG.user, clock, Policy(), ReversibleHasher())(
            PatchCommand("idp", user.id, (PatchOp("remove", "active"),)))
        assert [c.operation for c in tx.store.changes] == ["create", "deactivate", "patch"]

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
