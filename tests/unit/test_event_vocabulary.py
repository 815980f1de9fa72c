"""Change records as events: the product's vocabulary, one change giving several events where
a group write does several things, ids kept across deliveries, no values in a payload."""

from __future__ import annotations

import pytest

from domain.errors import InvalidValue
from domain.events.vocabulary import MEMBER_CHUNK, check_types, events_of
from domain.feed import Recorded
from tests.unit.events_support import change


def kinds(*changes_: object) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    out = []
    for i, c in enumerate(changes_, start=1):
        out += [(e.type, e.attributes, e.members) for e in events_of(Recorded(i, c))]  # type: ignore[arg-type]
    return out


def test_each_user_operation_has_its_event() -> None:
    assert [k[0] for k in kinds(change("u", "create"), change("u", "replace"), change("u", "patch"),
                                change("u", "deactivate"), change("u", "reactivate"),
                                change("u", "delete", attributes=()))] == [
        "user.created", "user.updated", "user.updated", "user.deactivated", "user.reactivated",
        "user.deleted"]


def test_an_update_names_the_attributes_it_changed() -> None:
    (event,) = events_of(Recorded(7, change("u", "patch", attributes=("displayName", "emails"))))
    assert event.data() == {"resourceType": "User", "id": "u", "attributes": ["displayName", "emails"],
                            "principal": "okta", "requestId": "req-1"}


def test_a_group_patch_that_renames_and_changes_members_gives_three_events() -> None:
    c = change("g", "patch", "Group", ("displayName", "members"), added=("u1", "u2"), removed=("u3",))
    assert kinds(c) == [("group.updated", ("displayName",), ()), ("group.members_added", (), ("u1", "u2")),
                        ("group.members_removed", (), ("u3",))]


def test_a_patch_of_members_alone_is_no_group_update() -> None:
    assert kinds(change("g", "patch", "Group", ("members",), removed=("u1",))) == [
        ("group.members_removed", (), ("u1",))]


def test_a_group_created_with_members_says_both() -> None:
    assert kinds(change("g", "create", "Group", ("displayName", "members"), added=("u1",))) == [
        ("group.created", ("displayName",), ()), ("group.members_added", (), ("u1",))]


def test_a_big_member_change_comes_in_chunks() -> None:
    ids = tuple(f"u{i:05}" for i in range(MEMBER_CHUNK * 2 + 1))
    events = events_of(Recorded(1, change("g", "patch", "Group", ("members",), added=ids)))
    assert [len(e.members) for e in events] == [MEMBER_CHUNK, MEMBER_CHUNK, 1]
    assert sum((e.members for e in events), ()) == ids


def test_event_ids_come_from_the_record_and_the_place_in_it() -> None:
    c = change("g", "patch", "Group", ("displayName", "members"), added=("u1",))
    first, again = events_of(Recorded(42, c)), events_of(Recorded(42, c))
    assert [e.id for e in first] == ["evt_42_0", "evt_42_1"] == [e.id for e in again]


def test_a_member_event_carries_ids_and_no_attribute_list() -> None:
    (_, added) = events_of(Recorded(1, change("g", "create", "Group", ("displayName", "members"), added=("u1",))))
    assert added.data() == {"resourceType": "Group", "id": "g", "members": ["u1"], "principal": "okta",
                            "requestId": "req-1"}


def test_subscriptions_name_known_types_or_star() -> None:
    assert check_types(("user.created", "user.created", "*")) == ("user.created", "*")
    with pytest.raises(InvalidValue, match="user.exploded"):
        check_types(("user.exploded",))
    with pytest.raises(InvalidValue):
        check_types(())
