"""Helpers for the Bulk tests: BulkRequest bodies, and apps on memory, SQLite and (tests marked
`pg`, when SCIM_TEST_DATABASE_URL is set) PostgreSQL, each on an empty database."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from adapters.sqlalchemy.migrate import upgrade
from domain.audit import AuditQuery, Change
from tests import pg
from tests.conftest import Client, make_settings
from tests.http.support import BULK_RESPONSE_URN, BULK_URN, GROUP_URN, PATCH_URN, USER_URN

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PG_SCHEMA = f"scim_bulk_http_{os.getpid()}"
BACKENDS = ["memory", "sqlite", *([pytest.param("postgresql", marks=pytest.mark.pg)] if pg.configured() else [])]


def operation(method: str, path: str, data: Any = None, bulk_id: str | None = None,
              version: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"method": method, "path": path}
    for key, value in (("bulkId", bulk_id), ("version", version), ("data", data)):
        if value is not None:
            op[key] = value
    return op


def new_user(bulk_id: str | None, name: str, manager: str | None = None, **attrs: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"schemas": [USER_URN], "userName": name, **attrs}
    if manager is not None:
        data[ENTERPRISE] = {"manager": {"value": manager}}
    return operation("POST", "/Users", data, bulk_id)


def new_group(bulk_id: str | None, name: str, *members: str, kind: str | None = None) -> dict[str, Any]:
    values = [{"value": m, **({"type": kind} if kind else {})} for m in members]
    return operation("POST", "/Groups", {"schemas": [GROUP_URN], "displayName": name, "members": values}, bulk_id)


def patch_of(path: str, *ops: dict[str, Any], version: str | None = None) -> dict[str, Any]:
    return operation("PATCH", path, {"schemas": [PATCH_URN], "Operations": list(ops)}, version=version)


def bulk_body(*ops: dict[str, Any], fail_on_errors: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [BULK_URN], "Operations": list(ops)}
    if fail_on_errors is not None:
        body["failOnErrors"] = fail_on_errors
    return body


def send(api: Client, *ops: dict[str, Any], fail_on_errors: int | None = None, **kw: Any) -> list[dict[str, Any]]:
    """The BulkResponse's operations (the Bulk request itself must be 200)."""
    resp = api.post("/Bulk", bulk_body(*ops, fail_on_errors=fail_on_errors), **kw)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["schemas"] == [BULK_RESPONSE_URN]
    return resp.json["Operations"]  # type: ignore[no-any-return]


def statuses(results: list[dict[str, Any]]) -> list[tuple[str, str | None, str]]:
    return [(r["method"], r.get("bulkId"), r["status"]) for r in results]


def changes(api: Client) -> list[Change]:
    return list(api.app.extensions["container"].audit_log().records(AuditQuery()))


@pytest.fixture(params=BACKENDS)
def make_bulk_api(request: pytest.FixtureRequest, make_client: Callable[..., Client]) -> Iterator[Callable[..., Client]]:
    """Clients on the parametrized store, each on an empty database; keyword arguments are
    make_settings'."""
    schemas: list[str] = []

    def build(**scim: Any) -> Client:
        if request.param == "memory":
            return make_client(make_settings("memory://", **scim))
        if request.param == "sqlite":
            path = request.getfixturevalue("tmp_path") / f"bulk-{len(schemas)}.db"
            schemas.append(str(path))
            shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
            return make_client(make_settings(f"sqlite:///{path}", **scim))
        schema = pg.per_worker(f"{PG_SCHEMA}_{len(schemas)}")
        schemas.append(schema)
        pg.admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE', f'CREATE SCHEMA "{schema}"')
        url = pg.pg_url(schema=schema)
        upgrade(url)
        return make_client(make_settings(url, **scim))

    yield build
    if request.param == "postgresql":
        for schema in schemas:
            pg.admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def bulk_api(make_bulk_api: Callable[..., Client]) -> Client:
    return make_bulk_api()
