"""The `scim-service` command, wsgi.py's startup failures and gunicorn.conf.py."""

from __future__ import annotations

import os
import runpy
import sys
import types
from pathlib import Path

import pytest
import yaml

import app as app_package
from app import cli
from app.settings import ConfigError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(tmp_path: Path):
    def _write(url: str = "memory://", **auth: str) -> str:
        path = tmp_path / "config.yaml"
        creds = auth or {"username": "scim", "password": "pw"}
        path.write_text(yaml.safe_dump({"scim": {"auth": creds}, "database": {"url": url}}))
        return str(path)

    return _write


@pytest.fixture
def fake_migrate(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Stands in for adapters.sqlalchemy.migrate; records each upgrade(url) call."""
    calls: list[tuple[str, str]] = []
    module = types.ModuleType("adapters.sqlalchemy.migrate")
    module.upgrade = lambda url: calls.append(("upgrade", url))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "adapters.sqlalchemy.migrate", module)
    return calls


class Exec(Exception):
    """Raised by the fake os.execv, so serve() stops where gunicorn would take over."""


@pytest.fixture
def execs(monkeypatch: pytest.MonkeyPatch, fake_migrate: list[tuple[str, str]]) -> list[tuple[str, str]]:
    def execv(path: str, argv: list[str]) -> None:
        fake_migrate.append(("exec", " ".join(argv[1:])))
        raise Exec

    monkeypatch.setattr(os, "execv", execv)
    return fake_migrate


def one_line(text: str) -> str:
    assert text.count("\n") == 1 and text.endswith("\n"), text
    return text.strip()


def test_db_upgrade_on_memory_says_there_is_nothing_to_upgrade(config, capsys, fake_migrate) -> None:
    assert cli.main(["--config", config("memory://"), "db", "upgrade"]) == 0
    assert "nothing to upgrade" in capsys.readouterr().out
    assert fake_migrate == []


def test_db_upgrade_on_an_sql_url_calls_the_migrations_with_it(config, capsys, fake_migrate) -> None:
    url = "postgresql+psycopg://scim:db-secret@localhost/scim"
    assert cli.main(["--config", config(url), "db", "upgrade"]) == 0
    assert fake_migrate == [("upgrade", url)]
    out = capsys.readouterr().out
    assert "up to date" in out and "db-secret" not in out


def test_a_failed_upgrade_exits_1_with_one_line(config, capsys, monkeypatch, fake_migrate) -> None:
    from sqlalchemy.exc import OperationalError

    def upgrade(url: str) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused\nmore detail"))

    monkeypatch.setattr(sys.modules["adapters.sqlalchemy.migrate"], "upgrade", upgrade)
    assert cli.main(["--config", config("sqlite:///x.db"), "db", "upgrade"]) == 1
    assert one_line(capsys.readouterr().err).startswith("error: database upgrade failed:")


def test_a_config_error_exits_2_with_one_line_on_stderr(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nope.yaml"
    assert cli.main(["--config", str(missing), "db", "upgrade"]) == 2
    captured = capsys.readouterr()
    assert one_line(captured.err) == f"config error: {missing}: file not found"
    assert captured.out == ""


def test_missing_credentials_exit_2_naming_the_key(config, capsys) -> None:
    assert cli.main(["--config", config(username="scim"), "serve"]) == 2
    assert one_line(capsys.readouterr().err) == (
        "config error: scim.auth.password: required when scim.auth.type is basic"
    )


def test_the_config_flag_reaches_gunicorn_workers_as_an_absolute_scim_config(
    config, monkeypatch, tmp_path: Path, fake_migrate
) -> None:
    config()
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--config", "config.yaml", "db", "upgrade"]) == 0
    assert os.environ["SCIM_CONFIG"] == str(tmp_path / "config.yaml")


def test_serve_upgrades_first_then_execs_gunicorn_with_the_conf_and_overrides(config, execs) -> None:
    with pytest.raises(Exec):
        cli.main(["--config", config("sqlite:///scim.db"), "serve", "--bind", "0.0.0.0:9000",
                  "--workers", "3", "--threads", "8"])
    assert execs == [
        ("upgrade", "sqlite:///scim.db"),
        ("exec", f"-m gunicorn -c {ROOT / 'gunicorn.conf.py'} --bind 0.0.0.0:9000 --workers 3 "
                 "--threads 8 wsgi:app"),
    ]


def test_serve_on_memory_runs_one_worker_because_each_process_has_its_own_store(config, execs) -> None:
    with pytest.raises(Exec):
        cli.main(["--config", config("memory://"), "serve"])
    assert execs == [("exec", f"-m gunicorn -c {ROOT / 'gunicorn.conf.py'} --workers 1 wsgi:app")]


def test_serve_on_memory_refuses_several_workers(config, capsys, execs) -> None:
    assert cli.main(["--config", config("memory://"), "serve", "--workers", "2"]) == 2
    assert one_line(capsys.readouterr().err).startswith("config error: --workers:")
    assert execs == []


@pytest.mark.parametrize("argv", [[], ["db"], ["serve", "--workers", "0"], ["frobnicate"]])
def test_a_usage_error_exits_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(argv)
    assert caught.value.code == 2


# ---- wsgi.py and gunicorn.conf.py -------------------------------------------------------------


@pytest.mark.parametrize("error", ["config", "schema"])
def test_wsgi_exits_4_with_one_line_when_the_app_cannot_start(monkeypatch, capsys, error: str) -> None:
    schema_not_current = type("SchemaNotCurrent", (Exception,), {})
    module = types.ModuleType("adapters.sqlalchemy.migrate")
    module.SchemaNotCurrent = schema_not_current  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "adapters.sqlalchemy.migrate", module)
    exc = ConfigError("config error: x: y") if error == "config" else schema_not_current("run db upgrade")

    def create_app() -> None:
        raise exc

    monkeypatch.setattr(app_package, "create_app", create_app)
    with pytest.raises(SystemExit) as caught:
        runpy.run_path(str(ROOT / "wsgi.py"))
    assert caught.value.code == 4
    assert one_line(capsys.readouterr().err) == str(exc)


def test_wsgi_lets_a_bug_through_with_its_traceback(monkeypatch) -> None:
    def create_app() -> None:
        raise KeyError("bug")

    monkeypatch.setattr(app_package, "create_app", create_app)
    with pytest.raises(KeyError):
        runpy.run_path(str(ROOT / "wsgi.py"))


def test_gunicorn_conf_binds_from_scim_bind_and_trusts_no_forwarded_headers(monkeypatch) -> None:
    monkeypatch.setenv("SCIM_BIND", "0.0.0.0:8080")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["bind"] == "0.0.0.0:8080"
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (2, 4, "gthread")
    assert conf["forwarded_allow_ips"] == "" and conf["preload_app"] is False
    assert conf["pythonpath"] == str(ROOT)
