"""PostgreSQL for the test tiers: the server that SCIM_TEST_DATABASE_URL names, and the URLs the
contract tier (a schema of its own) and the e2e tier (a database of its own) derive from it.

Under pytest-xdist every worker is a process of its own, with PYTEST_XDIST_WORKER set (gw0,
gw1, ...): `per_worker` gives each one its own schema or database name, so that workers never
drop or empty what another one is using."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

PG_ENV = "SCIM_TEST_DATABASE_URL"


def configured() -> str | None:
    """SCIM_TEST_DATABASE_URL, or None when the PostgreSQL tiers are off."""
    return os.environ.get(PG_ENV) or None


def per_worker(name: str) -> str:
    """`name`, suffixed by the xdist worker id when the tests run in parallel."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{name}_{worker}" if worker else name


def pg_url(*, database: str | None = None, schema: str | None = None) -> str:
    """SCIM_TEST_DATABASE_URL with another database, and/or with connections that use `schema`
    (search_path); the password kept, as a string for make_engine() or a config file."""
    url: URL = make_url(os.environ[PG_ENV])
    if database is not None:
        url = url.set(database=database)
    if schema is not None:
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def admin(*statements: str, autocommit: bool = False) -> None:
    """Run `statements` on the database SCIM_TEST_DATABASE_URL names, in one transaction (or
    each on its own with `autocommit`, as CREATE DATABASE needs)."""
    engine = create_engine(pg_url(), **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}))
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def ensure_database(name: str) -> str:
    """The URL of database `name` on the same server, created first if it does not exist."""
    engine = create_engine(pg_url(), isolation_level="AUTOCOMMIT")
    exists = text("SELECT 1 FROM pg_database WHERE datname = :n")
    try:
        with engine.connect() as conn:
            if not conn.execute(exists, {"n": name}).scalar():
                try:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                except Exception:  # created meanwhile by a concurrent run
                    if not conn.execute(exists, {"n": name}).scalar():
                        raise
    finally:
        engine.dispose()
    return pg_url(database=name)
