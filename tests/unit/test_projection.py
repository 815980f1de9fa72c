"""projection() and Projection.wants (RFC 7644 §3.4.2.5, §3.9; RFC 7643 §7 `returned`), and the
pushdown: use cases asked for no related data never read members or groups."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from adapters.http.responses import _member_values, _related, dumps, render, wants_related
from adapters.memory.store import InMemoryTransactions, InMemoryUnitOfWork
from domain.errors import InvalidValue
from domain.idp.policy import Policy
from domain.model import GROUP, USER, MemberRef
from domain.patch.engine import PatchOp
from domain.provisioning.commands import (
    GetCommand,
    MemberInput,
    PatchCommand,
    SearchCommand,
    View,
    WriteCommand,
)
from domain.provisioning.groups import CreateGroup, PatchGroup, ReplaceGroup
from domain.provisioning.membership import SyncGroupMembership
from domain.provisioning.reads import GetResource, SearchResources
from domain.provisioning.users import PatchUser, ProvisionUser, ReplaceUser
from domain.query.ast import Query
from domain.query.projection import EVERYTHING, Projection, projection
from domain.schema.attributes import ALWAYS, REQUEST, Attribute, Schema
from domain.schema.core import (
    ENTERPRISE_USER_SCHEMA,
    EXTERNAL_ID,
    GROUP_SCHEMA,
    ID,
    META,
    USER_SCHEMA,
)
from domain.schema.registry import default_registry
from tests.fakes import FixedClock, ReversibleHasher, SequentialIds

ENT = ENTERPRISE_USER_SCHEMA
ACME = "urn:example:params:scim:schemas:extension:acme:2.0:User"
ACME_SCHEMA = Schema(ACME, "Acme", "", (
    Attribute("clearance", returned=REQUEST),
    Attribute("badge", returned=ALWAYS),
    Attribute("floor"),
))
REG = default_registry((ACME_SCHEMA,))
USERS, GROUPS = REG.user, REG.group
BASE = "https://scim.example.com/scim/v2"


def attr(name: str, schema: Schema | None = None) -> Attribute:
    found = (schema or USERS.schema).attribute(name)
    assert found is not None
    return found


def sub(parent: str, name: str, schema: Schema | None = None) -> tuple[Attribute, Attribute]:
    a = attr(parent, schema)
    s = a.sub(name)
    assert s is not None
    return a, s


def wants(proj: Projection, name: str, schema: str = USER_SCHEMA, sub_name: str | None = None) -> bool:
    """Whether `proj` wants the attribute `name` (and sub-attribute) of `schema`."""
    if schema == "":
        a = {"id": ID, "externalId": EXTERNAL_ID, "meta": META}[name]
    else:
        owner = {USER_SCHEMA: USERS.schema, GROUP_SCHEMA: GROUPS.schema, ENT: USERS.extension(ENT),
                 ACME: ACME_SCHEMA}[schema]
        a = attr(name, owner)
    s = a.sub(sub_name) if sub_name else None
    return proj.wants(schema, a, s)


class TestAttributesParameter:
    def test_a_core_attribute_name_selects_it_and_nothing_else_of_the_default_set(self):
        proj = projection(USERS, "userName", None)
        assert proj.include == frozenset({(USER_SCHEMA, "userName", None)})
        assert wants(proj, "userName")
        for name in ("displayName", "name", "emails", "active", "groups"):
            assert not wants(proj, name), name
        assert not wants(proj, "meta", "") and not wants(proj, "externalId", "")

    def test_id_is_always_wanted(self):
        for proj in (projection(USERS, "userName", None), projection(USERS, None, "id"), EVERYTHING):
            assert wants(proj, "id", "")

    def test_a_sub_attribute_selects_its_parent_and_only_that_sub_attribute(self):
        proj = projection(USERS, "name.givenName", None)
        assert proj.include == frozenset({(USER_SCHEMA, "name", "givenName")})
        assert wants(proj, "name")
        assert wants(proj, "name", sub_name="givenName")
        assert not wants(proj, "name", sub_name="familyName")

    def test_a_multi_valued_sub_attribute_selects_only_that_sub_attribute_of_each_element(self):
        proj = projection(USERS, "emails.value", None)
        assert wants(proj, "emails") and wants(proj, "emails", sub_name="value")
        for other in ("type", "primary", "display"):
            assert not wants(proj, "emails", sub_name=other)

    def test_a_complex_attribute_by_name_selects_all_of_its_sub_attributes(self):
        proj = projection(USERS, "name", None)
        assert all(wants(proj, "name", sub_name=s.name) for s in attr("name").sub_attributes)

    def test_an_enterprise_attribute_by_its_urn_qualified_name(self):
        proj = projection(USERS, f"{ENT}:department", None)
        assert proj.include == frozenset({(ENT, "department", None)})
        assert wants(proj, "department", ENT)
        assert not wants(proj, "costCenter", ENT) and not wants(proj, "userName")

    def test_an_enterprise_sub_attribute_by_its_urn_qualified_name(self):
        proj = projection(USERS, f"{ENT}:manager.value", None)
        assert wants(proj, "manager", ENT) and wants(proj, "manager", ENT, "value")
        assert not wants(proj, "manager", ENT, "displayName")

    def test_the_enterprise_urn_alone_selects_the_whole_extension(self):
        proj = projection(USERS, ENT, None)
        assert proj.whole_extensions == frozenset({ENT})
        assert all(wants(proj, a.name, ENT) for a in USERS.extension(ENT).attributes)
        assert wants(proj, "manager", ENT, "displayName")
        assert not wants(proj, "userName") and not wants(proj, "meta", "")

    def test_the_core_schema_urn_alone_selects_every_core_attribute(self):
        proj = projection(USERS, USER_SCHEMA, None)
        assert wants(proj, "userName") and wants(proj, "emails") and wants(proj, "groups")
        assert not wants(proj, "department", ENT)
        assert not wants(proj, "password")

    def test_meta_last_modified_selects_meta_with_only_last_modified(self):
        proj = projection(USERS, "meta.lastModified", None)
        assert proj.include == frozenset({("", "meta", "lastModified")})
        assert wants(proj, "meta", "")
        assert wants(proj, "meta", "", "lastModified")
        for other in ("created", "location", "version", "resourceType"):
            assert not wants(proj, "meta", "", other)

    def test_external_id_is_a_common_attribute(self):
        proj = projection(USERS, "externalId", None)
        assert proj.include == frozenset({("", "externalId", None)})
        assert wants(proj, "externalId", "") and not wants(proj, "userName")

    @pytest.mark.parametrize("text", [
        "USERNAME,Name.GIVENNAME",
        "username,name.givenname",
        f"{USER_SCHEMA.upper()}:userName,{USER_SCHEMA}:NAME.givenName",
    ])
    def test_names_are_case_insensitive_and_come_out_canonical(self, text):
        proj = projection(USERS, text, None)
        assert proj.include == frozenset({(USER_SCHEMA, "userName", None), (USER_SCHEMA, "name", "givenName")})

    def test_extension_urns_are_case_insensitive(self):
        assert projection(USERS, ENT.upper(), None).whole_extensions == frozenset({ENT})
        assert projection(USERS, f"{ENT.lower()}:DEPARTMENT", None).include == frozenset({(ENT, "department", None)})

    def test_spaces_and_empty_items_are_ignored(self):
        proj = projection(USERS, " userName , ,displayName,", None)
        assert proj.include == frozenset({(USER_SCHEMA, "userName", None), (USER_SCHEMA, "displayName", None)})

    @pytest.mark.parametrize("text", [None, "", " , "])
    def test_no_names_means_the_default_set(self, text):
        proj = projection(USERS, text, None)
        assert proj == EVERYTHING
        assert wants(proj, "userName") and wants(proj, "meta", "") and wants(proj, "groups")

    def test_attributes_wins_over_excluded_attributes(self):
        proj = projection(USERS, "userName", "userName")
        assert wants(proj, "userName") and not wants(proj, "displayName")

    def test_the_password_is_never_wanted_even_when_requested(self):
        for proj in (projection(USERS, "password", None), projection(USERS, "password,userName", None), EVERYTHING):
            assert not wants(proj, "password")

    def test_requesting_only_the_password_returns_id_only(self):
        proj = projection(USERS, "password", None)
        assert proj.include is not None
        assert not any(wants(proj, a.name) for a in USERS.schema.attributes)

    def test_group_members_by_name(self):
        proj = projection(GROUPS, "members.value", None)
        assert wants(proj, "members", GROUP_SCHEMA) and wants(proj, "members", GROUP_SCHEMA, "value")
        assert not wants(proj, "members", GROUP_SCHEMA, "display")
        assert not wants(proj, "displayName", GROUP_SCHEMA)


class TestExcludedAttributesParameter:
    def test_excluding_members_on_a_group(self):
        proj = projection(GROUPS, None, "members")
        assert proj.include is None and proj.exclude == frozenset({(GROUP_SCHEMA, "members", None)})
        assert not wants(proj, "members", GROUP_SCHEMA)
        assert wants(proj, "displayName", GROUP_SCHEMA) and wants(proj, "meta", "")

    def test_excluding_several_attributes(self):
        proj = projection(USERS, None, "name,emails")
        assert not wants(proj, "name") and not wants(proj, "emails")
        assert not wants(proj, "name", sub_name="givenName") and not wants(proj, "emails", sub_name="value")
        assert wants(proj, "userName") and wants(proj, "phoneNumbers") and wants(proj, "externalId", "")

    def test_excluding_id_has_no_effect(self):
        proj = projection(USERS, None, "id")
        assert wants(proj, "id", "")
        assert wants(proj, "userName") and wants(proj, "meta", "")

    def test_excluding_a_sub_attribute_keeps_the_parent_and_its_other_sub_attributes(self):
        proj = projection(USERS, None, "name.givenName")
        assert wants(proj, "name") and wants(proj, "name", sub_name="familyName")
        assert not wants(proj, "name", sub_name="givenName")

    def test_excluding_meta_and_external_id(self):
        proj = projection(USERS, None, "META,externalid")
        assert not wants(proj, "meta", "") and not wants(proj, "externalId", "")

    def test_excluding_the_enterprise_extension_as_a_whole(self):
        proj = projection(USERS, None, ENT)
        assert proj.excluded_extensions == frozenset({ENT})
        assert not wants(proj, "department", ENT) and not wants(proj, "manager", ENT, "value")
        assert wants(proj, "userName")

    def test_excluding_the_core_schema_urn_excludes_nothing(self):
        proj = projection(USERS, None, USER_SCHEMA)
        assert wants(proj, "userName") and wants(proj, "emails")

    def test_excluding_groups_on_a_user(self):
        assert not wants(projection(USERS, None, "groups"), "groups")

    def test_the_password_stays_out_without_any_exclusion(self):
        assert not wants(projection(USERS, None, "userName"), "password")


class TestReturnedCharacteristics:
    def test_a_request_attribute_is_not_in_the_default_set(self):
        assert not wants(EVERYTHING, "clearance", ACME)
        assert wants(EVERYTHING, "floor", ACME)

    def test_a_request_attribute_is_not_brought_back_by_naming_another_attribute(self):
        assert not wants(projection(USERS, f"userName,{ACME}:floor", None), "clearance", ACME)

    def test_a_request_attribute_is_not_brought_back_by_excluding_something_else(self):
        assert not wants(projection(USERS, None, "userName"), "clearance", ACME)

    def test_a_request_attribute_is_wanted_when_named(self):
        proj = projection(USERS, f"{ACME}:clearance", None)
        assert wants(proj, "clearance", ACME) and not wants(proj, "floor", ACME)

    def test_an_always_attribute_is_wanted_whatever_is_named(self):
        assert wants(projection(USERS, "userName", None), "badge", ACME)
        assert wants(projection(USERS, "id", None), "badge", ACME)

    def test_an_always_attribute_cannot_be_excluded_by_name(self):
        proj = projection(USERS, None, f"{ACME}:badge,{ACME}:floor")
        assert wants(proj, "badge", ACME) and not wants(proj, "floor", ACME)

    def test_an_always_attribute_survives_excluding_its_whole_extension(self):
        proj = projection(USERS, None, ACME)
        assert wants(proj, "badge", ACME) and not wants(proj, "floor", ACME)


class TestUnknownNames:
    @pytest.mark.parametrize("attributes, excluded", [
        ("bogus", None), (None, "bogus"), ("name.bogus", None), ("urn:example:nothing:1.0:x", None),
        (None, "emails.nothing"),
    ])
    def test_an_unknown_name_alone_is_ignored_by_default(self, attributes, excluded):
        assert projection(USERS, attributes, excluded) == EVERYTHING

    def test_an_unknown_name_beside_known_ones_is_dropped_by_default(self):
        proj = projection(USERS, "bogus,userName", None)
        assert proj.include == frozenset({(USER_SCHEMA, "userName", None)})

    def test_a_group_only_name_is_unknown_on_users(self):
        assert projection(USERS, "members", None) == EVERYTHING

    @pytest.mark.parametrize("attributes, excluded", [
        ("bogus", None), ("userName,bogus", None), (None, "bogus"), ("name.bogus", None),
        ("urn:example:nothing:1.0:x", None), (None, "userName,emails.nothing"),
    ])
    def test_an_unknown_name_is_invalid_value_when_rejecting(self, attributes, excluded):
        with pytest.raises(InvalidValue, match="unknown attribute"):
            projection(USERS, attributes, excluded, "reject")

    def test_known_names_pass_when_rejecting(self):
        proj = projection(USERS, f"userName,{ENT},{ACME}:clearance,meta.version", None, "reject")
        assert proj.include is not None and wants(proj, "clearance", ACME)


class TestWantsRelated:
    @pytest.mark.parametrize("attributes, excluded, expected", [
        (None, None, True),
        (None, "members", False),
        ("id", None, False),
        ("displayName", None, False),
        ("members", None, True),
        ("members.value", None, True),
        (None, "members.display", True),
        (None, "displayName", True),
    ])
    def test_a_group_needs_its_members_only_when_they_are_returned(self, attributes, excluded, expected):
        assert wants_related(GROUPS, projection(GROUPS, attributes, excluded)) is expected

    @pytest.mark.parametrize("attributes, excluded, expected", [
        (None, None, True),
        (None, "groups", False),
        ("userName", None, False),
        ("groups.value", None, True),
    ])
    def test_a_user_needs_its_groups_only_when_they_are_returned(self, attributes, excluded, expected):
        assert wants_related(USERS, projection(USERS, attributes, excluded)) is expected


class TestRender:
    """render() applies a projection to a stored resource."""

    @pytest.fixture
    def user_view(self) -> View:
        tx = InMemoryTransactions()
        cmd = WriteCommand("idp", {
            "userName": "bjensen", "externalId": "x-1", "name": {"givenName": "B", "familyName": "J"},
            "emails": [{"value": "a@example.com", "type": "work"}, {"value": "b@example.com"}],
            ENT: {"department": "Ops", "costCenter": "7"},
            ACME: {"clearance": "top", "badge": "B-7", "floor": "3"},
        }, password="pw")
        return ProvisionUser(tx, USERS, FixedClock(), SequentialIds(), ReversibleHasher())(cmd)

    def out(self, view: View, attributes: str | None = None, excluded: str | None = None) -> dict[str, Any]:
        return render(view, USERS, BASE, projection(USERS, attributes, excluded))

    def test_attributes_user_name(self, user_view):
        assert self.out(user_view, "userName") == {
            "schemas": [USER_SCHEMA, ACME], "id": user_view.resource.id, "userName": "bjensen",
            ACME: {"badge": "B-7"}}

    def test_emails_value(self, user_view):
        assert self.out(user_view, "emails.value")["emails"] == [{"value": "a@example.com"}, {"value": "b@example.com"}]

    def test_an_extension_attribute_lists_its_schema_urn(self, user_view):
        body = self.out(user_view, f"{ENT}:department")
        assert body["schemas"] == [USER_SCHEMA, ENT, ACME] and body[ENT] == {"department": "Ops"}

    def test_meta_last_modified(self, user_view):
        body = self.out(user_view, "meta.lastModified")
        assert body["meta"] == {"lastModified": user_view.resource.last_modified.isoformat().replace("+00:00", "Z")}

    def test_excluding_name_and_emails(self, user_view):
        body = self.out(user_view, None, "name,emails")
        assert "name" not in body and "emails" not in body and body["externalId"] == "x-1" and "meta" in body

    def test_the_password_and_request_attributes_stay_out_by_default(self, user_view):
        body = self.out(user_view)
        assert "password" not in body and "clearance" not in body[ACME]

    def test_excluding_id_keeps_it(self, user_view):
        assert self.out(user_view, None, "id")["id"] == user_view.resource.id


    def test_member_values_are_written_alike_by_the_fast_and_the_projected_path(self):
        refs = [MemberRef("u1", "One"), MemberRef("u2"), MemberRef("u3", "")]
        every = ["value", "$ref", "display", "type"]
        assert _member_values(refs, "B/", every) == _related(refs, "B/", every) == [
            {"value": "u1", "$ref": "B/u1", "display": "One", "type": "User"},
            {"value": "u2", "$ref": "B/u2", "type": "User"},
            {"value": "u3", "$ref": "B/u3", "display": "", "type": "User"}]
        assert _member_values(refs, "B/", ["display", "value"]) == [
            {"value": "u1", "display": "One"}, {"value": "u2"}, {"value": "u3", "display": ""}]


class TestDumps:
    def test_json_is_compact_utf8(self):
        assert dumps({"a": "é", "b": [1, None, True]}) == '{"a":"é","b":[1,null,true]}'.encode()

    def test_what_orjson_refuses_is_written_by_the_json_module(self):
        assert json.loads(dumps({"n": 2 ** 70})) == {"n": 2 ** 70}


# ---- pushdown: no membership reads when the response does not need them -------------------------

SPIED = ("members", "member_chunks", "groups_of", "groups_of_many")


class SpyMemberships:
    """The unit of work's membership repository, with the derived-data reads counted."""

    def __init__(self, inner: Any, calls: Counter[str]) -> None:
        self._inner, self._calls = inner, calls

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if name not in SPIED:
            return target

        def counted(*args: Any, **kw: Any) -> Any:
            self._calls[name] += 1
            return target(*args, **kw)
        return counted


class SpyTransactions(InMemoryTransactions):
    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()

    def __call__(self, *, write: bool, snapshot: bool = False) -> InMemoryUnitOfWork:
        uow = super().__call__(write=write, snapshot=snapshot)
        uow.memberships = SpyMemberships(uow.memberships, self.calls)  # type: ignore[assignment]
        return uow

    def reads(self) -> int:
        return sum(self.calls[n] for n in SPIED)


class Store:
    """Three users, a group with two of them, and an empty group; the spy reset after setup."""

    def __init__(self) -> None:
        self.tx, self.clock, self.ids = SpyTransactions(), FixedClock(), SequentialIds()
        self.ann, self.bob, self.cid = (self.user(n) for n in ("ann", "bob", "cid"))
        self.staff = self.group("Staff", (self.ann, self.bob))
        self.empty = self.group("Empty", ())
        self.tx.calls.clear()

    def user(self, name: str) -> str:
        cmd = WriteCommand("idp", {"userName": name, "displayName": name.title()})
        return ProvisionUser(self.tx, USERS, self.clock, self.ids, ReversibleHasher())(cmd).resource.id

    def group(self, name: str, members: tuple[str, ...]) -> str:
        cmd = WriteCommand("idp", {"displayName": name}, members=tuple(MemberInput(m) for m in members))
        return CreateGroup(self.tx, GROUPS, self.clock, self.ids, SyncGroupMembership())(cmd).resource.id


@pytest.fixture
def store() -> Store:
    return Store()


class TestGetResourcePushdown:
    def test_a_group_without_related_reads_no_members(self, store):
        view = GetResource(store.tx)(GetCommand("idp", GROUP, store.staff, related=False))
        assert view.resource.id == store.staff and view.members is None
        assert store.tx.reads() == 0

    def test_a_group_with_related_reads_its_members_once(self, store):
        view = GetResource(store.tx)(GetCommand("idp", GROUP, store.staff, related=True))
        assert {m.value for m in view.members} == {store.ann, store.bob}
        assert store.tx.calls["member_chunks"] == 1 and store.tx.reads() == 1

    def test_a_user_without_related_reads_no_groups(self, store):
        view = GetResource(store.tx)(GetCommand("idp", USER, store.ann, related=False))
        assert view.resource.id == store.ann and view.groups is None
        assert store.tx.reads() == 0

    def test_a_user_with_related_reads_its_groups_once(self, store):
        view = GetResource(store.tx)(GetCommand("idp", USER, store.ann, related=True))
        assert [g.value for g in view.groups] == [store.staff]
        assert store.tx.calls["groups_of"] == 1 and store.tx.reads() == 1

    def test_the_http_layer_asks_for_no_related_data_when_members_are_excluded_or_only_id_is_asked(self, store):
        for attributes, excluded in (("id", None), (None, "members")):
            related = wants_related(GROUPS, projection(GROUPS, attributes, excluded))
            GetResource(store.tx)(GetCommand("idp", GROUP, store.staff, related=related))
        assert store.tx.reads() == 0


class TestSearchResourcesPushdown:
    def test_groups_without_related_read_no_members(self, store):
        result = SearchResources(store.tx)(SearchCommand("idp", GROUP, Query(count=100), related=False))
        assert {v.resource.id for v in result.views} == {store.staff, store.empty}
        assert all(v.members is None for v in result.views)
        assert store.tx.reads() == 0

    def test_a_page_of_one_group_with_related_reads_its_members_once(self, store):
        result = SearchResources(store.tx)(SearchCommand("idp", GROUP, Query(count=1), related=True))
        assert [v.resource.id for v in result.views] == [store.staff]
        assert {m.value for m in result.views[0].members} == {store.ann, store.bob}
        assert store.tx.calls["members"] == 1 and store.tx.reads() == 1

    def test_users_without_related_read_no_groups(self, store):
        result = SearchResources(store.tx)(SearchCommand("idp", USER, Query(count=100), related=False))
        assert len(result.views) == 3
        assert store.tx.reads() == 0

    def test_a_page_of_users_with_related_reads_their_groups_in_one_call(self, store):
        result = SearchResources(store.tx)(SearchCommand("idp", USER, Query(count=100), related=True))
        by_id = {v.resource.id: v for v in result.views}
        assert [g.value for g in by_id[store.ann].groups] == [store.staff]
        assert by_id[store.cid].groups == []
        assert store.tx.calls["groups_of_many"] == 1 and store.tx.reads() == 1


class TestWriteUseCasesPushdown:
    def patch(self, store: Store, kind: str, rid: str, related: bool, *ops: PatchOp) -> View:
        use_case: PatchUser | PatchGroup
        if kind == USER:
            use_case = PatchUser(store.tx, USERS, store.clock, Policy(), ReversibleHasher())
        else:
            use_case = PatchGroup(store.tx, GROUPS, store.clock, Policy(), SyncGroupMembership())
        return use_case(PatchCommand("idp", rid, ops, related=related))

    @pytest.mark.parametrize("related, reads", [(False, 0), (True, 1)])
    def test_patching_a_group(self, store, related, reads):
        view = self.patch(store, GROUP, store.staff, related,
                          PatchOp("add", "members", [{"value": store.cid}], True))
        assert (view.members is None) is not related
        assert store.tx.reads() == reads

    @pytest.mark.parametrize("related, reads", [(False, 0), (True, 1)])
    def test_patching_a_user(self, store, related, reads):
        view = self.patch(store, USER, store.ann, related, PatchOp("replace", "title", "Boss", True))
        assert view.resource.data["title"] == "Boss"
        assert store.tx.reads() == reads

    @pytest.mark.parametrize("related, reads", [(False, 0), (True, 1)])
    def test_creating_a_group(self, store, related, reads):
        cmd = WriteCommand("idp", {"displayName": "New"}, members=(MemberInput(store.ann),), related=related)
        CreateGroup(store.tx, GROUPS, store.clock, store.ids, SyncGroupMembership())(cmd)
        assert store.tx.reads() == reads

    @pytest.mark.parametrize("related, reads", [(False, 0), (True, 1)])
    def test_replacing_a_group(self, store, related, reads):
        cmd = WriteCommand("idp", {"displayName": "Staff"}, store.staff, None, (MemberInput(store.cid),),
                           related=related)
        ReplaceGroup(store.tx, GROUPS, store.clock, SyncGroupMembership())(cmd)
        assert store.tx.reads() == reads

    @pytest.mark.parametrize("related, reads", [(False, 0), (True, 1)])
    def test_replacing_a_user(self, store, related, reads):
        cmd = WriteCommand("idp", {"userName": "ann", "title": "Boss"}, store.ann, related=related)
        ReplaceUser(store.tx, USERS, store.clock, ReversibleHasher())(cmd)
        assert store.tx.reads() == reads
