"""What numbering the change records in commit order costs on PostgreSQL: user creates per second
through the real use case (ProvisionUser on SqlTransactions) by 1, 4 and 8 writer threads, with
the commit-order lock (adapters/sqlalchemy/uow.py) and with it switched off, in one process.

    .venv/bin/python bench/commit_order.py [--pg-url URL] [--seconds 5]

Creates the database `scim_bench_commit` on the server, drops it at the end."""

from __future__ import annotations

import argparse
import threading
import time
from itertools import count

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from adapters.sqlalchemy import uow
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.migrate import upgrade
from adapters.system import Argon2Hasher, SystemClock, UuidGenerator
from domain.provisioning.commands import WriteCommand
from domain.provisioning.users import ProvisionUser
from domain.schema.registry import default_registry

DATABASE = "scim_bench_commit"


def rate(create: ProvisionUser, threads: int, seconds: float) -> float:
    names, done, stop = count(), [0] * threads, time.monotonic() + seconds

    def write(slot: int) -> None:
        while time.monotonic() < stop:
            create(WriteCommand("bench", {"userName": f"u{next(names)}-{slot}-{time.time_ns()}"}))
            done[slot] += 1

    workers = [threading.Thread(target=write, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done) / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}"'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    url = make_url(args.pg_url).set(database=DATABASE).render_as_string(hide_password=False)
    try:
        upgrade(url)
        engine = make_engine(url)
        registry = default_registry()
        create = ProvisionUser(uow.SqlTransactions(engine, registry), registry.user, SystemClock(),
                               UuidGenerator(), Argon2Hasher())
        locked = uow._in_commit_order
        print("| writers | creates/s, commit-order lock | creates/s, no lock | cost |")
        print("| --- | --- | --- | --- |")
        for threads in (1, 4, 8):
            with_lock = rate(create, threads, args.seconds)
            uow._in_commit_order = lambda conn: None  # type: ignore[assignment]
            without = rate(create, threads, args.seconds)
            uow._in_commit_order = locked
            print(f"| {threads} | {with_lock:.0f} | {without:.0f} | "
                  f"{(without - with_lock) / without * 100:+.1f}% |", flush=True)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
