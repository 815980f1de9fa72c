"""`scim-service oauth client add|list|remove` (app/oauth_cli.py), each run through app.cli.main on
a migrated SQLite file: add prints the client id and its secret once (the table keeps its digest),
list never shows a secret, remove revokes the client's tokens at once; every refusal (a bad
redirect URI, an unknown client, no oauth credential, memory://) exits 1 saying why."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from adapters.sqlalchemy.credentials import SqlTokenStore
from adapters.sqlalchemy.oauth import SqlCodeStore
from adapters.sqlalchemy.tables import oauth_clients
from adapters.sqlalchemy.tables import tokens as tokens_table
from app import cli
from domain.credentials.oauth import SCOPE, Grants, Lifetimes
from tests.fakes import ManualClock, SequentialIds

SECRET = re.compile(r"scim_[A-Za-z0-9_-]{43}")
OAUTH = [{"name": "okta-oauth", "type": "oauth"}]
ADMIN = {"username": "admin", "password": "admin-pw-123"}
CB, LOCAL = "https://idp.example.com/oauth/callback", "http://127.0.0.1:8080/cb"
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., str]:
    def write(url: str, auth: list[dict[str, Any]] | None = None) -> str:
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump({"scim": {"auth": auth or OAUTH}, "admin": ADMIN, "database": {"url": url}}))
        return str(path)

    return write


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'scim.db'}"


@pytest.fixture
def config(write_config: Callable[..., str], db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    path = write_config(db_url)
    assert cli.main(["--config", path, "db", "upgrade"]) == 0
    capsys.readouterr()
    return path


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    made = sa.create_engine(db_url)
    yield made
    made.dispose()


def add(run: Run, path: str, name: str, *uris: str) -> tuple[str, str]:
    """(client id, client secret) of a new client, from add's two lines on stdout."""
    status, out, err = run(path, "oauth", "client", "add", name, *[f"--redirect-uri={u}" for u in uris])
    assert status == 0, err
    match = re.fullmatch(r"client id: +(\S+)\nclient secret: +(\S+)\n", out)
    assert match, out
    return match[1], match[2]


def rows(engine: sa.Engine, table: sa.Table) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table))]


@pytest.fixture
def grants(engine: sa.Engine) -> Grants:
    """Issues access/refresh pairs into the CLI's database, as the token endpoint would."""
    clock = ManualClock(datetime.now(UTC))
    return Grants("okta-oauth", SqlCodeStore(engine), SqlTokenStore(engine), clock, SequentialIds(), Lifetimes())


def listing(run: Run, path: str, users: dict[str, str] | None = None) -> dict[str, list[str]]:
    """`oauth client list` as {client id: [name, created, redirect URIs]}, its USER cells into
    `users` by client id; asserts the header."""
    status, out, err = run(path, "oauth", "client", "list")
    assert status == 0, err
    lines = out.splitlines()
    assert re.split(r" {2,}", lines[0]) == ["CLIENT ID", "NAME", "USER", "CREATED", "REDIRECT URIS"]
    cells = [re.split(r" {2,}", line.rstrip()) for line in lines[1:]]
    if users is not None:
        users.update({c[0]: c[2] for c in cells})
    return {c[0]: c[1:2] + c[3:] for c in cells}


# ---- oauth client add ---------------------------------------------------------------------


def test_add_prints_the_id_and_the_secret_once_and_stores_only_its_digest(
        config: str, run: Run, engine: sa.Engine) -> None:
    status, out, err = run(config, "oauth", "client", "add", "Okta prod", "--redirect-uri", CB, "--redirect-uri", LOCAL)
    assert status == 0, err
    match = re.fullmatch(r"client id:     (\S+)\nclient secret: (\S+)\n", out)
    assert match, out
    client_id, secret = match.groups()
    assert SECRET.fullmatch(secret) and "shown only now" in err and secret not in err
    [row] = rows(engine, oauth_clients)
    assert (row["id"], row["name"], row["redirect_uris"]) == (client_id, "Okta prod", [CB, LOCAL])
    assert row["secret_digest"] == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret[5:] not in str(value) for value in row.values())
    assert rows(engine, tokens_table) == []


def test_each_add_gives_another_id_and_secret(config: str, run: Run, engine: sa.Engine) -> None:
    made = [add(run, config, "okta", CB) for _ in range(3)]
    assert len({i for i, _ in made}) == 3 and len({s for _, s in made}) == 3
    assert {r["id"] for r in rows(engine, oauth_clients)} == {i for i, _ in made}


@pytest.mark.parametrize("uris", [["http://evil.example/cb"], [CB, "http://evil.example/cb"], ["https://idp.example.com/cb#f"]])
def test_add_with_a_bad_redirect_uri_exits_1_naming_it(config: str, run: Run, engine: sa.Engine, uris: list[str]) -> None:
    status, out, err = run(config, "oauth", "client", "add", "evil", *[f"--redirect-uri={u}" for u in uris])
    assert (status, out) == (1, "")
    assert err.startswith("error: redirect URIs must be https") and uris[-1] in err
    assert rows(engine, oauth_clients) == []


def test_add_without_a_redirect_uri_is_a_usage_error(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["--config", config, "oauth", "client", "add", "okta"])
    assert caught.value.code == 2
    assert "--redirect-uri" in capsys.readouterr().err


def test_add_with_user_binds_the_client_s_tokens_to_that_user(config: str, run: Run, db_url: str,
                                                             engine: sa.Engine) -> None:
    from adapters.sqlalchemy.engine import make_engine
    from adapters.sqlalchemy.uow import SqlTransactions
    from domain.provisioning.commands import WriteCommand
    from domain.provisioning.users import ProvisionUser
    from domain.schema.registry import default_registry
    from tests.fakes import ReversibleHasher

    registry, scim_engine = default_registry(), make_engine(db_url)
    try:
        made = ProvisionUser(SqlTransactions(scim_engine, registry), registry.user, ManualClock(), SequentialIds(),
                             ReversibleHasher())(WriteCommand("test", {"userName": "svc-okta"}))
    finally:
        scim_engine.dispose()
    status, out, err = run(config, "oauth", "client", "add", "okta", f"--redirect-uri={CB}", "--user", "SVC-Okta")
    assert status == 0, err
    bound = re.findall(r"client id: +(\S+)", out)[0]
    plain = add(run, config, "entra", CB)[0]
    assert {r["id"]: r["user_id"] for r in rows(engine, oauth_clients)} == {bound: made.resource.id, plain: None}
    users: dict[str, str] = {}
    listing(run, config, users)
    assert users == {bound: made.resource.id, plain: "-"}
    status, out, err = run(config, "oauth", "client", "add", "x", f"--redirect-uri={CB}", "--user", "nobody")
    assert (status, out) == (1, "") and "'nobody'" in err and "no client was added" in err
    assert len(rows(engine, oauth_clients)) == 2


# ---- oauth client list --------------------------------------------------------------------


def test_list_with_no_clients_says_so(config: str, run: Run) -> None:
    assert run(config, "oauth", "client", "list") == (0, "no OAuth clients\n", "")


def test_list_shows_id_name_created_and_redirect_uris_never_the_secret(config: str, run: Run) -> None:
    okta, okta_secret = add(run, config, "Okta prod", CB, LOCAL)
    entra, entra_secret = add(run, config, "entra", "https://login.example.net/cb")
    table = listing(run, config)
    assert set(table) == {okta, entra}
    assert table[okta][0] == "Okta prod" and table[okta][2] == f"{CB} {LOCAL}"
    assert table[entra][0] == "entra" and table[entra][2] == "https://login.example.net/cb"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", cells[1]) for cells in table.values())
    out = run(config, "oauth", "client", "list")[1]
    for secret in (okta_secret, entra_secret):
        assert secret not in out and secret[5:] not in out and hashlib.sha256(secret.encode()).hexdigest() not in out


# ---- oauth client remove ------------------------------------------------------------------


def test_remove_revokes_the_clients_tokens_and_removes_it(
        config: str, run: Run, engine: sa.Engine, grants: Grants) -> None:
    doomed, kept = add(run, config, "old idp", CB)[0], add(run, config, "new idp", CB)[0]
    grants.issue(doomed, SCOPE)
    grants.issue(doomed, SCOPE, with_refresh=False)
    grants.issue(kept, SCOPE)
    assert run(config, "oauth", "client", "remove", doomed) == (
        0, f"removed OAuth client {doomed}; revoked 3 token(s)\n", "")
    assert set(listing(run, config)) == {kept}
    by_client = {(r["client_id"], r["revoked"] is not None) for r in rows(engine, tokens_table)}
    assert by_client == {(doomed, True), (kept, False)}
    assert run(config, "oauth", "client", "remove", kept)[1] == f"removed OAuth client {kept}; revoked 2 token(s)\n"


def test_remove_of_an_unknown_or_removed_client_exits_1(config: str, run: Run) -> None:
    client_id = add(run, config, "okta", CB)[0]
    assert run(config, "oauth", "client", "remove", client_id)[0] == 0
    for unknown in (client_id, "no-such-id"):
        status, out, err = run(config, "oauth", "client", "remove", unknown)
        assert (status, out) == (1, "") and err == f"error: no OAuth client with id {unknown}\n"


# ---- refusals -----------------------------------------------------------------------------

COMMANDS = [["add", "okta", f"--redirect-uri={CB}"], ["list"], ["remove", "some-id"]]


@pytest.mark.parametrize("argv", COMMANDS)
def test_without_an_oauth_credential_every_command_exits_1(
        write_config: Callable[..., str], db_url: str, run: Run, argv: list[str]) -> None:
    path = write_config(db_url, [{"name": "okta", "type": "bearer"}])
    assert run(path, "db", "upgrade")[0] == 0
    status, out, err = run(path, "oauth", "client", *argv)
    assert (status, out) == (1, "")
    assert err == "error: scim.auth has no oauth credential; add one (type: oauth) first\n"


@pytest.mark.parametrize("argv", COMMANDS)
def test_on_memory_every_command_exits_1_saying_it_needs_a_database(
        write_config: Callable[..., str], run: Run, argv: list[str]) -> None:
    status, out, err = run(write_config("memory://"), "oauth", "client", *argv)
    assert (status, out) == (1, "") and err.startswith("error: memory://")
    assert "OAuth clients need a database" in err


@pytest.mark.parametrize("argv", COMMANDS)
def test_a_database_without_the_schema_exits_1_naming_db_upgrade(
        write_config: Callable[..., str], db_url: str, run: Run, argv: list[str]) -> None:
    status, out, err = run(write_config(db_url), "oauth", "client", *argv)
    assert (status, out) == (1, "") and err.startswith("error:") and "scim-service db upgrade" in err
