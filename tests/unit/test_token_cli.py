"""`scim-service token create|list|revoke` (bearer tokens kept in the database as digests) and
`scim-service password hash`, each run through app.cli.main on a migrated SQLite file."""

from __future__ import annotations

import getpass
import hashlib
import io
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import argon2
import pytest
import sqlalchemy as sa
import yaml

from adapters.sqlalchemy.tables import tokens as tokens_table
from app import cli, create_app
from app.settings import load_settings

SECRET = re.compile(r"scim_[A-Za-z0-9_-]{43}")
AUTH = [
    {"name": "okta", "type": "bearer"},
    {"name": "entra", "type": "bearer"},
    {"name": "admin", "type": "basic", "username": "admin", "password": "basic-pw-123"},
]
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], str]:
    def write(url: str) -> str:
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump({"scim": {"auth": AUTH}, "database": {"url": url}}))
        return str(path)

    return write


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'scim.db'}"


@pytest.fixture
def unmigrated(write_config: Callable[[str], str], db_url: str) -> str:
    return write_config(db_url)


@pytest.fixture
def config(unmigrated: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(["--config", unmigrated, "db", "upgrade"]) == 0
    capsys.readouterr()
    return unmigrated


def create(run: Run, path: str, *argv: str) -> str:
    status, out, err = run(path, "token", "create", *argv)
    assert status == 0, err
    return out.strip()


def rows(db_url: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(tokens_table))]
    finally:
        engine.dispose()


def id_of(db_url: str, secret: str) -> str:
    """The id of the token whose secret this is, found by its digest."""
    wanted = hashlib.sha256(secret.encode()).hexdigest()
    return str(next(r["id"] for r in rows(db_url) if r["digest"] == wanted))


def listing(run: Run, path: str, users: dict[str, str] | None = None) -> dict[str, list[str]]:
    """`token list` as {token id: its cells but KIND and CLIENT, which must read bearer and -
    for the CLI's tokens, and USER, which goes into `users` by token id}; asserts the header row."""
    status, out, _ = run(path, "token", "list")
    assert status == 0
    lines = out.splitlines()
    assert re.split(r" {2,}", lines[0]) == [
        "CREDENTIAL", "KIND", "CLIENT", "USER", "TOKEN ID", "CREATED", "EXPIRES", "LAST USED", "STATUS", "NOTE"]
    cells = [re.split(r" {2,}", line.rstrip()) for line in lines[1:]]
    assert all(c[1:3] == ["bearer", "-"] for c in cells)
    if users is not None:
        users.update({c[4]: c[3] for c in cells})
    cells = [c[:1] + c[4:] for c in cells]
    return {c[1]: c + [""] * (7 - len(c)) for c in cells}


# ---- token create -------------------------------------------------------------------------


def test_create_prints_only_the_secret_and_names_the_token_on_stderr(config: str, run: Run, db_url: str) -> None:
    status, out, err = run(config, "token", "create", "okta")
    assert status == 0
    assert out.count("\n") == 1 and SECRET.fullmatch(out.strip()), out
    [row] = rows(db_url)
    assert row["credential"] == "okta" and row["id"] in err
    assert "shown only now" in err and out.strip() not in err


def test_the_database_keeps_the_digest_never_the_secret(config: str, run: Run, db_url: str) -> None:
    secret = create(run, config, "okta", "--note", "prod okta")
    [row] = rows(db_url)
    assert row["digest"] == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in row.values())
    assert all(secret[5:] not in str(value) for value in row.values())


def test_expires_and_note_are_recorded(config: str, run: Run, db_url: str) -> None:
    create(run, config, "okta", "--expires", "90d", "--note", "rotated 2024")
    create(run, config, "entra")
    okta, entra = sorted(rows(db_url), key=lambda r: r["credential"], reverse=True)
    assert abs(okta["expires"] - okta["created"] - timedelta(days=90)) < timedelta(seconds=1)
    assert okta["note"] == "rotated 2024" and okta["revoked"] is None
    assert entra["expires"] is None and entra["note"] == ""
    assert abs(datetime.now(UTC) - okta["created"]) < timedelta(minutes=5)


def test_each_create_gives_a_different_secret(config: str, run: Run, db_url: str) -> None:
    assert len({create(run, config, "okta") for _ in range(5)}) == 5
    assert len({r["digest"] for r in rows(db_url)}) == 5


@pytest.mark.parametrize("name", ["admin", "nobody"])
def test_create_for_a_name_that_is_not_a_bearer_credential_exits_1(
        config: str, run: Run, db_url: str, name: str) -> None:
    status, out, err = run(config, "token", "create", name)
    assert (status, out) == (1, "")
    assert err.startswith("error:") and repr(name) in err and "okta, entra" in err
    assert rows(db_url) == []


@pytest.mark.parametrize("value", ["0d", "90", "3w", "-1d", "abc"])
def test_a_bad_expires_is_a_usage_error(config: str, capsys: pytest.CaptureFixture[str], value: str) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["--config", config, "token", "create", "okta", f"--expires={value}"])
    assert caught.value.code == 2
    assert "duration" in capsys.readouterr().err


def test_tokens_on_memory_exit_1_saying_they_need_a_database(write_config: Callable[[str], str], run: Run) -> None:
    status, out, err = run(write_config("memory://"), "token", "create", "okta")
    assert (status, out) == (1, "") and "tokens need a database" in err


@pytest.mark.parametrize("argv", [["create", "okta"], ["list"], ["revoke", "--all", "okta"]])
def test_a_database_without_the_schema_exits_1_naming_db_upgrade(unmigrated: str, run: Run, argv: list[str]) -> None:
    status, out, err = run(unmigrated, "token", *argv)
    assert (status, out) == (1, "")
    assert err.startswith("error:") and "scim-service db upgrade" in err


# ---- token list ---------------------------------------------------------------------------


def test_list_with_no_tokens_says_so(config: str, run: Run) -> None:
    assert run(config, "token", "list")[:2] == (0, "no tokens\n")


def test_list_shows_one_row_per_token_with_its_status_never_its_secret(
        config: str, run: Run, db_url: str) -> None:
    secrets = [create(run, config, "okta", "--note", "okta prod"),
               create(run, config, "okta", "--expires", "12h"), create(run, config, "entra")]
    revoked, expiring, entra = (id_of(db_url, s) for s in secrets)
    assert run(config, "token", "revoke", revoked)[0] == 0
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # make the 12h token one that has expired
        conn.execute(sa.update(tokens_table).where(tokens_table.c.id == expiring)
                     .values(expires=datetime.now(UTC) - timedelta(hours=1)))
    engine.dispose()
    table = listing(run, config)
    assert set(table) == {revoked, expiring, entra}
    assert [table[i][0] for i in (revoked, expiring, entra)] == ["okta", "okta", "entra"]
    assert [table[i][5] for i in (revoked, expiring, entra)] == ["revoked", "expired", "active"]
    assert table[revoked][6] == "okta prod" and table[entra][3] == "-" and table[entra][4] == "-"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", table[expiring][3])
    out = run(config, "token", "list")[1]
    assert all(s not in out and s[5:] not in out for s in secrets)


# ---- token revoke -------------------------------------------------------------------------


def test_revoke_marks_the_token_revoked_once(config: str, run: Run, db_url: str) -> None:
    create(run, config, "okta")
    [row] = rows(db_url)
    assert run(config, "token", "revoke", row["id"])[:2] == (0, f"revoked token {row['id']} of okta\n")
    assert listing(run, config)[row["id"]][5] == "revoked"
    status, out, err = run(config, "token", "revoke", row["id"])
    assert (status, out) == (1, "") and row["id"] in err
    assert run(config, "token", "revoke", "no-such-id")[0] == 1


def test_revoke_all_revokes_the_live_tokens_of_that_credential_only(config: str, run: Run, db_url: str) -> None:
    for name in ("okta", "okta", "okta", "entra"):
        create(run, config, name)
    first = next(r["id"] for r in rows(db_url) if r["credential"] == "okta")
    assert run(config, "token", "revoke", first)[0] == 0
    assert run(config, "token", "revoke", "--all", "okta")[:2] == (0, "revoked 2 token(s) of okta\n")
    statuses = sorted((cells[0], cells[5]) for cells in listing(run, config).values())
    assert statuses == [("entra", "active"), ("okta", "revoked"), ("okta", "revoked"), ("okta", "revoked")]
    assert run(config, "token", "revoke", "--all", "okta")[1] == "revoked 0 token(s) of okta\n"


@pytest.mark.parametrize("argv", [[], ["some-id", "--all", "okta"]])
def test_revoke_needs_exactly_one_of_token_id_and_all(config: str, run: Run, argv: list[str]) -> None:
    status, out, err = run(config, "token", "revoke", *argv)
    assert (status, out) == (1, "")
    assert "TOKEN_ID or --all NAME" in err


# ---- a created token authenticates --------------------------------------------------------


@pytest.fixture
def app_for(config: str) -> Iterator[Any]:
    app = create_app(load_settings(config, env={}))
    yield app
    container = app.extensions["container"]
    container.unwire()
    container.engine().dispose()


def test_a_created_token_authenticates_until_it_is_revoked(config: str, run: Run, app_for: Any, db_url: str) -> None:
    secret = create(run, config, "okta")
    client = app_for.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/scim/v2/Users", headers=bearer).status_code == 200
    assert client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {secret[:-1]}x"}).status_code == 401
    [row] = rows(db_url)
    assert row["last_used"] is not None
    assert listing(run, config)[row["id"]][4] != "-"
    assert run(config, "token", "revoke", row["id"])[0] == 0
    assert client.get("/scim/v2/Users", headers=bearer).status_code == 401


def test_create_with_user_binds_the_token_to_that_user_s_id_for_me(
        config: str, run: Run, app_for: Any, db_url: str) -> None:
    client = app_for.test_client()
    made = client.post("/scim/v2/Users", json={"userName": "BJensen"}, headers=admin_auth())
    assert made.status_code == 201
    user_id = made.get_json()["id"]
    status, out, err = run(config, "token", "create", "entra", "--user", "bjensen")  # userName in any case
    assert status == 0 and SECRET.fullmatch(out.strip())
    assert f"bound to User {user_id} (bjensen)" in err
    plain = create(run, config, "entra")
    by_id = {r["id"]: r["user_id"] for r in rows(db_url)}
    bound_id = id_of(db_url, out.strip())
    assert by_id == {bound_id: user_id, id_of(db_url, plain): None}
    users: dict[str, str] = {}
    listing(run, config, users)
    assert users == {bound_id: user_id, id_of(db_url, plain): "-"}
    me = client.get("/scim/v2/Me", headers={"Authorization": f"Bearer {out.strip()}"})
    assert me.status_code == 200 and me.get_json()["id"] == user_id
    unbound = client.get("/scim/v2/Me", headers={"Authorization": f"Bearer {plain}"})
    assert unbound.status_code == 501


def test_create_with_an_unknown_user_exits_1_and_issues_nothing(config: str, run: Run, db_url: str) -> None:
    status, out, err = run(config, "token", "create", "entra", "--user", "nobody")
    assert (status, out) == (1, "")
    assert err.startswith("error:") and "'nobody'" in err and "no token was issued" in err
    assert rows(db_url) == []


def admin_auth() -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(b"admin:basic-pw-123").decode()}


# ---- password hash ------------------------------------------------------------------------


def test_password_hash_reads_one_line_of_stdin_and_prints_an_argon2id_hash(
        monkeypatch: pytest.MonkeyPatch, run: Run, config: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret\r\nignored\n"))
    status, out, _ = run(config, "password", "hash")
    assert status == 0 and out.count("\n") == 1
    hashed = out.strip()
    assert hashed.startswith("$argon2id$") and "s3cret" not in hashed
    assert argon2.PasswordHasher().verify(hashed, "s3cret")
    with pytest.raises(argon2.exceptions.VerifyMismatchError):
        argon2.PasswordHasher().verify(hashed, "s3cret\r")


@pytest.mark.parametrize("stdin", ["", "\n"])
def test_password_hash_refuses_an_empty_password(
        monkeypatch: pytest.MonkeyPatch, run: Run, config: str, stdin: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert run(config, "password", "hash")[:3] == (1, "", "error: empty password\n")


def tty(monkeypatch: pytest.MonkeyPatch, *entries: str) -> None:
    """A terminal on stdin (whose text must not be read) and these answers to getpass."""
    answers = iter(entries)
    monkeypatch.setattr(sys, "stdin", io.StringIO("not-this\n"))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))


def test_password_hash_on_a_terminal_asks_twice(monkeypatch: pytest.MonkeyPatch, run: Run, config: str) -> None:
    tty(monkeypatch, "typed-pw", "typed-pw")
    status, out, _ = run(config, "password", "hash")
    assert status == 0 and argon2.PasswordHasher().verify(out.strip(), "typed-pw")


def test_password_hash_on_a_terminal_refuses_two_different_entries(
        monkeypatch: pytest.MonkeyPatch, run: Run, config: str) -> None:
    tty(monkeypatch, "typed-pw", "typo-pw")
    assert run(config, "password", "hash")[:3] == (1, "", "error: the two passwords differ\n")
