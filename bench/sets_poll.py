"""SETs delivered per second by RFC 8936 polling, in one process through the real stack
(PollSets on the SQL change feed and ack store, ES256 or RS256 signing by joserfc): N change
records written first, then a receiver polls with maxEvents and acknowledges each batch until
it has them all. Also the signing cost alone. Nothing is added to a provisioning request: SETs
are built when polled, from the change records every write already commits.

    .venv/bin/python bench/sets_poll.py [--url sqlite:///path | postgresql+psycopg://...] [--records 5000]

A SQLite file in a temporary directory by default; a PostgreSQL URL is used as given (its
change records are added to)."""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from adapters.sets.signing import JwsSigner
from adapters.sqlalchemy.audit import SqlAuditLog
from adapters.sqlalchemy.engine import make_engine
from adapters.sqlalchemy.migrate import upgrade
from adapters.sqlalchemy.sets import SqlAckStore
from adapters.sqlalchemy.uow import SqlTransactions
from adapters.system import SystemClock
from domain.audit import Change
from domain.schema.registry import default_registry
from domain.sets.events import Receiver
from domain.sets.poll import LongPoll, PollRequest, PollSets
from domain.sets.tokens import JtiScheme, SetBuilder


def pem(kind: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1()) if kind == "ES256" else rsa.generate_private_key(65537, 2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    tx = SqlTransactions(engine, default_registry())
    feed = SqlAuditLog(engine)
    start = feed.last()
    for i in range(args.records):
        with tx(write=True) as uow:
            uow.record(Change("bench", "patch", "User", f"u{i}", ("active", "name"), datetime.now(UTC), f"r{i}"))
            uow.commit()
    builder = SetBuilder("https://idm.example.com/scim/v2", JtiScheme(b"k" * 32), {"User": "/Users"})
    for alg in ("ES256", "RS256"):
        signer = JwsSigner(pem(alg))
        claims = builder.build(feed.after(start, 1)[0], Receiver("x", "aud"))[0].claims
        began = time.perf_counter()
        for _ in range(2000):
            signer.sign(claims)
        print(f"{alg}: {(time.perf_counter() - began) / 2000 * 1e6:.0f} us per SET signed")
        store = SqlAckStore(engine)
        name = f"bench-{alg}-{time.time_ns()}"
        store.cursor(name, start)
        poll = PollSets(feed, store, builder, signer, SystemClock(), 1000, "end", LongPoll(0))
        receiver, got, acks, polls = Receiver(name, "aud"), 0, (), 0
        began = time.perf_counter()
        while True:
            result = poll(receiver, PollRequest(acks, {}, args.batch, True))
            polls += 1
            got += len(result.sets)
            acks = tuple(result.sets)
            if not result.sets:
                break
        elapsed = time.perf_counter() - began
        print(f"{alg}: {got} SETs in {polls} polls of {args.batch} in {elapsed:.2f} s: {got / elapsed:.0f} SETs/s "
              f"({engine.dialect.name})")
    engine.dispose()


if __name__ == "__main__":
    main()
