"""Schema migrations (alembic, driven from code: no alembic.ini) and the service's stored secret."""

from __future__ import annotations

import secrets
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, insert, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from adapters.sqlalchemy.engine import WRITE_OPTION, make_engine
from adapters.sqlalchemy.tables import service_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
UPGRADE_COMMAND = "scim-service db upgrade"
# pg_advisory_xact_lock key: concurrent upgrades of one database wait for each other
_LOCK = 0x5C1A_0001


class SchemaNotCurrent(Exception):
    """The database schema is not the one this version of the service needs."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The revision this code needs."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to the head revision (or `revision`: tests of the upgrade
    path), in one transaction (a failed upgrade leaves the schema as it was); creates every
    table on an empty database. Upgrades serialise: PostgreSQL by an advisory lock, SQLite by
    its write lock, so two hosts upgrading at once apply each migration once."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})  # SQLite: hold the write lock throughout
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
                config = _config()
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None before the first upgrade."""
    with engine.connect() as conn:
        return _current(conn)


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def check_current(engine: Engine) -> None:
    """Raise SchemaNotCurrent unless the database is at the head revision. Disposes the pool
    afterwards, so a check made before gunicorn forks leaves no connection to share."""
    try:
        current, head = current_revision(engine), head_revision()
    finally:
        engine.dispose()
    if current == head:
        return
    if current is None:
        raise SchemaNotCurrent(f"the database has no schema yet: run `{UPGRADE_COMMAND}`")
    try:
        ScriptDirectory.from_config(_config()).get_revision(current)
    except CommandError:
        raise SchemaNotCurrent(
            f"the database schema is at revision {current}, which this version does not know "
            f"(it needs {head}): run a newer version, or restore a database made for this one "
            f"(`{UPGRADE_COMMAND}` cannot go back)"
        ) from None
    raise SchemaNotCurrent(
        f"the database schema is at revision {current}, this version needs {head}: "
        f"run `{UPGRADE_COMMAND}`"
    )


class Readiness:
    """For /readyz: None when the database answers and is at the head revision, else why not (no
    URL, no driver message: the probe is unauthenticated). One query on the pool per call; the
    head revision is read once."""

    def __init__(self, engine: Engine) -> None:
        self._engine, self._head = engine, head_revision()

    def __call__(self) -> str | None:
        try:
            current = current_revision(self._engine)
        except SQLAlchemyError:
            return "the database is not reachable"
        if current != self._head:
            return f"the database schema is not at revision {self._head}: run `{UPGRADE_COMMAND}`"
        return None


def get_or_create_secret(engine: Engine, name: str) -> str:
    """A random secret stored once under `name` and shared by every worker; concurrent first
    calls agree on one value. Disposes the pool afterwards, like check_current."""
    try:
        value = _read_setting(engine, name)
        if value is not None:
            return value
        candidate = secrets.token_urlsafe(48)
        try:
            with engine.connect() as conn:
                conn.execution_options(**{WRITE_OPTION: True})
                with conn.begin():
                    conn.execute(insert(service_settings).values(key=name, value=candidate))
            return candidate
        except IntegrityError:  # another process stored one first: use that
            value = _read_setting(engine, name)
            if value is None:
                raise
            return value
    finally:
        engine.dispose()


def _read_setting(engine: Engine, name: str) -> str | None:
    with engine.connect() as conn:
        return conn.scalar(select(service_settings.c.value).where(service_settings.c.key == name))
