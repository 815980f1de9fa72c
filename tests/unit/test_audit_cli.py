"""`scim-service audit` and `audit prune`, run through app.cli.main on a migrated SQLite file
whose change records were made by real writes (the app's own use cases)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from adapters.sqlalchemy.migrate import upgrade
from app import create_app
from app.settings import load_settings

Run = Callable[..., tuple[int, str, str]]
PASSWORD = "audit-password-123"


@pytest.fixture
def config(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'scim.db'}"
    upgrade(url)
    path = tmp_path / "config.yaml"
    auth = [{"name": "okta", "type": "basic", "username": "okta", "password": PASSWORD}]
    path.write_text(yaml.safe_dump({"scim": {"auth": auth}, "database": {"url": url}}))
    client = create_app(load_settings(str(path), env={})).test_client()
    headers = {"Content-Type": "application/scim+json"}
    made = client.post("/scim/v2/Users", auth=("okta", PASSWORD), headers={**headers, "X-Request-ID": "okta-7"}, json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice", "password": "secret-1"})
    uid = made.json["id"]
    client.patch(f"/scim/v2/Users/{uid}", auth=("okta", PASSWORD), headers=headers, json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}]})
    client.delete(f"/scim/v2/Users/{uid}", auth=("okta", PASSWORD))
    return str(path)


def test_the_records_in_json_name_who_what_and_when_but_no_value(run: Run, config: str) -> None:
    status, out, _ = run(config, "audit", "--json")
    assert status == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["principal"], r["operation"], r["resource_type"]) for r in records] == [
        ("okta", "create", "User"), ("okta", "deactivate", "User"), ("okta", "delete", "User")]
    assert records[1]["attributes"] == ["active"] and records[0]["at"].endswith("Z")
    assert records[0]["request_id"] == "okta-7"  # the X-Request-ID the request log shows too
    assert len(records[1]["request_id"]) == 32 and records[1]["request_id"] != records[2]["request_id"]
    assert "alice" not in out and "secret-1" not in out  # attribute names, never values


def test_the_table_and_its_filters(run: Run, config: str) -> None:
    _, out, _ = run(config, "audit", "--json")
    uid = json.loads(out.splitlines()[0])["resource_id"]
    status, table, _ = run(config, "audit", "--resource", uid)
    lines = table.splitlines()
    assert status == 0 and lines[0].split()[:3] == ["AT", "PRINCIPAL", "OPERATION"] and len(lines) == 4
    assert run(config, "audit", "--principal", "nobody", "--json")[1] == ""
    assert run(config, "audit", "--since", "2999-01-01", "--json")[1] == ""
    assert len(run(config, "audit", "--until", "2999-01-01T00:00:00Z", "--json")[1].splitlines()) == 3


def test_prune_deletes_what_is_older_and_refuses_the_future(run: Run, config: str) -> None:
    assert run(config, "audit", "prune", "--before", "2000-01-01")[1] == \
        "deleted 0 change record(s) from before 2000-01-01 00:00:00Z\n"
    status, _, err = run(config, "audit", "prune", "--before", "2999-01-01")
    assert status != 0 and "in the future" in err
    assert len(run(config, "audit", "--json")[1].splitlines()) == 3
    now = datetime.now(UTC).isoformat()
    assert run(config, "audit", "prune", "--before", now)[1].startswith("deleted 3 change record(s)")
    assert run(config, "audit", "--json")[1] == ""


def test_a_date_that_is_no_date_is_a_usage_error(run: Run, config: str) -> None:
    with pytest.raises(SystemExit) as exited:
        run(config, "audit", "--since", "yesterday")
    assert exited.value.code == 2
