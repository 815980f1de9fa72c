"""The in-memory store's repositories and unit of work: errors as the ports declare them, and
rollback that leaves no trace of a failed transaction (resources, the userName index, members)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.memory.store import InMemoryTransactions
from domain.errors import NotFound, PreconditionFailed, Uniqueness
from domain.model import GROUP, USER, Resource

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Boom(Exception):
    pass


@pytest.fixture
def tx() -> InMemoryTransactions:
    tx = InMemoryTransactions()
    with tx(write=True) as uow:
        for rid, name in (("u1", "ann"), ("u2", "bob")):
            uow.users.add(Resource(rid, USER, {"userName": name, "displayName": name.title()}, T0, T0))
        uow.groups.add(Resource("g1", GROUP, {"displayName": "Staff"}, T0, T0))
        uow.memberships.add("g1", ["u1", "u2"])
        uow.commit()
    return tx


def state(tx: InMemoryTransactions):
    """Everything a transaction could have changed, as plain values."""
    s = tx.store
    return ({i: (r.data, r.version, r.password_hash) for i, r in {**s.users, **s.groups}.items()},
            dict(s.user_names), {g: set(m) for g, m in s.members.items()},
            {u: set(g) for u, g in s.member_of.items()}, list(s.changes))


def renamed(uow, rid: str, name: str) -> Resource:
    r = uow.users.get(rid)
    r.data["userName"] = name
    r.touch(T0)
    return r


@pytest.mark.parametrize("kind", [USER, GROUP])
@pytest.mark.parametrize("action", ["get", "save", "delete"])
def test_a_missing_resource_is_not_found_naming_it(tx, kind, action):
    with tx(write=True) as uow, pytest.raises(NotFound) as caught:
        repo = uow.repository(kind)
        if action == "save":
            repo.save(Resource("nope", kind, {}, T0, T0))
        else:
            getattr(repo, action)("nope")
    assert caught.value.detail == f"{kind} nope not found"


def test_a_save_with_a_stale_version_is_refused_naming_the_current_one(tx):
    with tx(write=True) as uow:
        uow.users.save(renamed(uow, "u1", "ann2"), 1)
        with pytest.raises(PreconditionFailed) as caught:
            uow.users.save(renamed(uow, "u1", "ann3"), 1)
        uow.commit()
    assert caught.value.detail == 'version mismatch: the resource is at W/"2"'
    assert tx.store.users["u1"].user_name == "ann2"


def test_when_a_save_fails_mid_way_the_earlier_saves_are_undone(tx):
    before = state(tx)
    with pytest.raises(Uniqueness), tx(write=True) as uow:
        uow.users.save(renamed(uow, "u1", "carl"))
        uow.users.save(renamed(uow, "u1", "dave"))  # saved twice: undone in reverse order
        uow.users.save(renamed(uow, "u2", "Dave"))  # taken (by the second save): the transaction fails
    assert state(tx) == before
    with tx(write=True) as uow:  # the names the failed transaction took are free again
        uow.users.save(renamed(uow, "u2", "dave"))
        uow.users.add(Resource("u3", USER, {"userName": "carl"}, T0, T0))
        with pytest.raises(Uniqueness):
            uow.users.add(Resource("u4", USER, {"userName": "ANN"}, T0, T0))


def test_a_rolled_back_save_restores_the_stored_resource_itself(tx):
    with pytest.raises(Boom), tx(write=True) as uow:
        changed = renamed(uow, "u1", "carl")
        changed.data["title"], changed.password_hash = "T", "hashed:x"
        uow.users.save(changed)
        raise Boom
    with tx(write=False) as uow:
        user = uow.users.get("u1")
    assert (user.data, user.version, user.password_hash) == ({"userName": "ann", "displayName": "Ann"}, 1, None)


@pytest.mark.parametrize("kind", [USER, GROUP])
def test_a_rolled_back_delete_restores_the_resource_its_name_and_its_memberships(tx, kind):
    before = state(tx)
    with pytest.raises(Boom), tx(write=True) as uow:
        uow.repository(kind).delete("u1" if kind == USER else "g1")
        raise Boom
    assert state(tx) == before
    with tx(write=True) as uow, pytest.raises(Uniqueness):
        uow.users.add(Resource("u3", USER, {"userName": "Ann"}, T0, T0))


def test_a_rolled_back_add_leaves_its_user_name_free(tx):
    with pytest.raises(Boom), tx(write=True) as uow:
        uow.users.add(Resource("u3", USER, {"userName": "carl"}, T0, T0))
        raise Boom
    assert "u3" not in tx.store.users
    with tx(write=True) as uow:
        uow.users.add(Resource("u4", USER, {"userName": "carl"}, T0, T0))
