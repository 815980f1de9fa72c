"""Alembic environment: migrates the connection adapters.sqlalchemy.migrate passes in."""

from __future__ import annotations

from alembic import context

from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.tables import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # migrate.upgrade(): inside its transaction and lock
        context.configure(connection=connection, target_metadata=metadata, transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: call adapters.sqlalchemy.migrate.upgrade(url)")
    if context.is_offline_mode():  # `alembic upgrade --sql`: print the DDL
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=metadata, transactional_ddl=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run()
