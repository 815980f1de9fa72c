"""Group memberships in SQL (the MembershipRepository port) on one connection of a unit of work."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, cast, delete, exists, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy.prepared import Prepared
from adapters.sqlalchemy.statements import chunks, violated
from adapters.sqlalchemy.tables import groups, users
from adapters.sqlalchemy.tables import memberships as m
from domain.errors import InvalidValue
from domain.model import USER, GroupRef, MemberRef

# Fixed-shape statements, built once (see resources._Statements); values bound per call.
# The reads of every GET run on the driver's cursor (prepared.Prepared): (after?, limit?) -> read
_MEMBERS_ALL = (
    select(m.c.member_id, users.c.display_name).join(users, users.c.id == m.c.member_id)
    .where(m.c.group_id == bindparam("b_group")).order_by(m.c.member_id)
)
# the (id, display_name) indexes answer the joins without visiting the rows (migration 0003)
_BY_USER_INDEX = {"users": "ix_users_id_display_name"}
_MEMBERS = {
    (False, False): Prepared(_MEMBERS_ALL, _BY_USER_INDEX),
    (False, True): Prepared(_MEMBERS_ALL.limit(bindparam("b_limit")), _BY_USER_INDEX),
    (True, False): Prepared(_MEMBERS_ALL.where(m.c.member_id > bindparam("b_after")), _BY_USER_INDEX),
    (True, True): Prepared(_MEMBERS_ALL.where(m.c.member_id > bindparam("b_after"))
                           .limit(bindparam("b_limit")), _BY_USER_INDEX),
}
_GROUPS_OF = Prepared(
    select(m.c.group_id, groups.c.display_name).join(groups, groups.c.id == m.c.group_id)
    .where(m.c.member_id == bindparam("b_member")).order_by(m.c.group_id),
    {"groups": "ix_groups_id_display_name"},
)
_GROUPS_OF_MANY = (
    select(m.c.member_id, m.c.group_id, groups.c.display_name)
    .join(groups, groups.c.id == m.c.group_id)
    .where(m.c.member_id.in_(bindparam("b_members", expanding=True)))
    .order_by(m.c.member_id, m.c.group_id)
)
_IS_MEMBER = select(exists().where(m.c.group_id == bindparam("b_group"),
                                   m.c.member_id == bindparam("b_member")))
_DROP_MEMBER = delete(m).where(m.c.member_id == bindparam("b_member")).returning(m.c.group_id)
_DROP_GROUP = delete(m).where(m.c.group_id == bindparam("b_group"))


class SqlMemberships:
    """Membership rows (group_id, member_id); every call costs what it changes or returns."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._sqlite = conn.dialect.name == "sqlite"
        self._insert = sqlite_insert if self._sqlite else pg_insert

    def add(self, group_id: str, member_ids: Iterable[str]) -> set[str]:
        added: set[str] = set()
        for part in chunks(member_ids):
            statement = (
                self._insert(m).values([{"group_id": group_id, "member_id": i} for i in part])
                .on_conflict_do_nothing().returning(m.c.member_id)
            )
            added.update(self._guarded(statement))
        return added

    def remove(self, group_id: str, member_ids: Iterable[str]) -> set[str]:
        removed: set[str] = set()
        for part in chunks(member_ids):
            statement = (
                delete(m).where(m.c.group_id == group_id, m.c.member_id.in_(part)).returning(m.c.member_id)
            )
            removed.update(self._conn.scalars(statement))
        return removed

    def replace(self, group_id: str, member_ids: Iterable[str]) -> tuple[set[str], set[str]]:
        # The wanted ids travel as one JSON array parameter and become rows in SQL, so the
        # difference is computed by the database at any group size (no parameter limits).
        wanted = self._id_rows(list(dict.fromkeys(member_ids)))
        removed = set(self._conn.scalars(
            delete(m).where(m.c.group_id == group_id, m.c.member_id.not_in(select(wanted.c.value)))
            .returning(m.c.member_id)
        ))
        already = exists().where(m.c.group_id == group_id, m.c.member_id == wanted.c.value)
        new_rows = select(literal(group_id), wanted.c.value).where(~already).distinct()
        statement = (
            self._insert(m).from_select(["group_id", "member_id"], new_rows)
            .on_conflict_do_nothing().returning(m.c.member_id)
        )
        return set(self._guarded(statement)), removed

    def is_member(self, group_id: str, member_id: str) -> bool:
        return bool(self._conn.scalar(_IS_MEMBER, {"b_group": group_id, "b_member": member_id}))

    def members(self, group_id: str, after: str | None = None, limit: int | None = None) -> list[MemberRef]:
        query = _MEMBERS[after is not None, limit is not None]
        rows = query.rows(self._conn, {"b_group": group_id, "b_after": after, "b_limit": limit})
        new, user = tuple.__new__, USER
        return [new(MemberRef, (member, display, user)) for member, display in rows]

    def member_chunks(self, group_id: str, size: int) -> Generator[list[MemberRef], None, None]:
        new, user = tuple.__new__, USER  # MemberRef(v, d) without the keyword handling
        for rows in _MEMBERS[False, False].batches(self._conn, {"b_group": group_id}, size):
            yield [new(MemberRef, (member, display, user)) for member, display in rows]

    def groups_of(self, member_id: str) -> list[GroupRef]:
        rows = _GROUPS_OF.rows(self._conn, {"b_member": member_id})
        return [GroupRef(group, display) for group, display in rows]

    def groups_of_many(self, member_ids: Iterable[str]) -> dict[str, list[GroupRef]]:
        ids = list(member_ids)
        if len(ids) == 1:  # a filter on userName or externalId: the prepared read of one
            groups = self.groups_of(ids[0])
            return {ids[0]: groups} if groups else {}
        found: dict[str, list[GroupRef]] = {}
        for part in chunks(ids):
            for member, group, display in self._conn.execute(_GROUPS_OF_MANY, {"b_members": part}):
                found.setdefault(member, []).append(GroupRef(group, display))
        return found

    def drop_member(self, member_id: str) -> list[str]:
        return sorted(self._conn.scalars(_DROP_MEMBER, {"b_member": member_id}))

    def drop_group(self, group_id: str) -> None:
        self._conn.execute(_DROP_GROUP, {"b_group": group_id})

    def _id_rows(self, ids: list[str]) -> Any:
        if self._sqlite:
            return func.json_each(json.dumps(ids)).table_valued("value").alias()
        ids_json = cast(literal(json.dumps(ids)), JSONB)
        return func.jsonb_array_elements_text(ids_json).table_valued("value").alias()

    def _guarded(self, statement: Any) -> list[str]:
        try:
            return list(self._conn.scalars(statement))
        except IntegrityError as exc:  # a member deleted since the caller checked it
            if violated(exc, "foreign key") is None:
                raise
            raise InvalidValue("unknown group or member id") from exc
