"""Event delivery figures: events per second the real worker (app/events_worker.py, the webhook
sender) delivers to a receiver on loopback (its own process), with 1 and with 3 subscriptions;
and what 3 subscriptions with their worker running add to a provisioning request (POST /Users
through the app in this process: CPU and wall time per request, without and with, alternated).

    .venv/bin/python bench/events.py [--pg-url URL] [--events 3000] [--requests 200] [--rounds 9]

SQLite in a temporary directory by default; --pg-url uses the schema scim_bench_events of that
database (dropped and made again)."""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.sqlalchemy.engine import make_engine  # noqa: E402
from adapters.sqlalchemy.migrate import upgrade  # noqa: E402
from app.settings import load_settings  # noqa: E402

SCHEMA = "scim_bench_events"
PASSWORD = "bench-password-123"
RECEIVER = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(200); self.send_header("content-length", "0"); self.end_headers()
    def log_message(self, *a): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def database(tmp: Path, pg_url: str | None) -> str:
    if not pg_url:
        return f"sqlite:///{tmp / 'bench.db'}"
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    engine.dispose()
    url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    return url.render_as_string(hide_password=False)


def configure(tmp: Path, url: str) -> Path:
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump({
        "scim": {"auth": {"username": "bench", "password": PASSWORD}},
        "database": {"url": url}}))  # events.*: the defaults
    os.environ["SCIM_CONFIG"] = str(path)
    upgrade(url)
    return path


def cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    return done.stdout


def write_changes(count: int) -> None:
    """`count` change records, as the write use cases record them (100 a transaction)."""
    from datetime import UTC, datetime

    from adapters.sqlalchemy.uow import SqlTransactions
    from app.settings import build_registry
    from domain.audit import Change

    settings = load_settings()
    engine = make_engine(settings.database.url)
    tx = SqlTransactions(engine, build_registry(settings))
    for start in range(0, count, 100):
        with tx(write=True) as uow:
            for i in range(start, min(start + 100, count)):
                uow.record(Change("bench", "patch", "User", f"user-{i}", ("displayName",), datetime.now(UTC)))
            uow.commit()
    engine.dispose()


def delivery_rate(events: int, subscriptions: int, receiver_url: str) -> float:
    """Events a second the worker delivers (every subscription's), from a backlog of `events`."""
    from app.containers import Container
    from app.events_worker import Worker
    from app.settings import build_registry

    for i in range(subscriptions):
        cli("webhook", "add", f"rate-{subscriptions}-{i}", receiver_url, "--events", "user.updated")
    write_changes(events)
    settings = load_settings()
    container = Container(settings=settings, registry=build_registry(settings))
    worker = Worker(container, settings)
    started = time.perf_counter()
    total = worker.run(once=True)
    elapsed = time.perf_counter() - started
    container.engine().dispose()
    for i in range(subscriptions):
        cli("webhook", "remove", f"rate-{subscriptions}-{i}")
    assert total.delivered == events * subscriptions, total
    return total.delivered / elapsed


def request_cost(client: Any, requests: int, tag: str) -> tuple[float, float]:
    """(CPU ms, wall ms) per POST /Users in this process."""
    basic = base64.b64encode(f"bench:{PASSWORD}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}"}
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(requests):
        r = client.post("/scim/v2/Users", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                                "userName": f"{tag}-{i}-{time.time_ns()}", "displayName": "x"},
                        headers=headers)
        assert r.status_code == 201, r.data
    return ((time.process_time() - cpu) * 1000 / requests, (time.perf_counter() - wall) * 1000 / requests)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg-url")
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-events-"))
    url = database(tmp, args.pg_url)
    configure(tmp, url)
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    assert receiver.stdout is not None
    receiver_url = f"http://127.0.0.1:{receiver.stdout.readline().strip()}/hook"
    backend = "PostgreSQL" if args.pg_url else "SQLite"
    try:
        for subs in (1, 3):
            rate = delivery_rate(args.events, subs, receiver_url)
            print(f"{backend}: {subs} subscription(s), {args.events} records: {rate:,.0f} events/s delivered")
        measure_requests(args, receiver_url, backend)
    finally:
        receiver.terminate()


STATES = {"none": "no subscriptions", "paused": "3 subscriptions, worker paused (SIGSTOP)",
          "delivering": "3 subscriptions, worker delivering"}


def measure_requests(args: argparse.Namespace, receiver_url: str, backend: str) -> None:
    """Blocks of POST /Users in shuffled rounds of three states, one worker process running
    throughout: no subscriptions (it only polls); 3 subscriptions with the worker paused (the
    request path alone, which never reads them); 3 subscriptions with the worker delivering
    meanwhile (on this machine's cores). Medians of the blocks; the machine is shared, so the
    spread between rounds is printed too."""
    import logging
    import random
    import signal

    from app import create_app
    from app.containers import Container
    from app.events_worker import subscriptions
    from app.settings import build_registry
    from domain.events.manage import NewSubscription

    logging.getLogger("scim.requests").disabled = True  # the request log line: the same either way
    settings = load_settings()
    client = create_app(settings).test_client()
    manage = subscriptions(Container(settings=settings, registry=build_registry(settings)), settings)
    request_cost(client, 50, "warm")
    worker = subprocess.Popen([sys.executable, "-m", "app.cli", "events", "run"], cwd=ROOT, stderr=subprocess.DEVNULL)
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in STATES}
    try:
        time.sleep(2)
        for n in range(args.rounds):
            for state in random.sample(list(STATES), 3):
                if state != "none":
                    for i in range(3):
                        manage.add(NewSubscription(f"cost-{i}", receiver_url, ("*",)))
                if state == "paused":
                    os.kill(worker.pid, signal.SIGSTOP)
                runs[state].append(request_cost(client, args.requests, f"{state}{n}"))
                if state == "paused":
                    os.kill(worker.pid, signal.SIGCONT)
                if state != "none":
                    time.sleep(1.5)  # the worker catches up before its subscriptions go
                    for i in range(3):
                        manage.remove(f"cost-{i}")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    cpu0 = statistics.median(c for c, _ in runs["none"])
    wall0 = statistics.median(w for _, w in runs["none"])
    print(f"{backend}: POST /Users, ms a request (CPU of this process, wall), median of {args.rounds} "
          f"blocks of {args.requests} [CPU min-max]:")
    for key, label in STATES.items():
        cpus = [c for c, _ in runs[key]]
        cpu, wall = statistics.median(cpus), statistics.median(w for _, w in runs[key])
        print(f"  {label:42} CPU {cpu:.3f} ({100 * (cpu - cpu0) / cpu0:+.1f}%) [{min(cpus):.3f}-{max(cpus):.3f}]"
              f"  wall {wall:.3f} ({100 * (wall - wall0) / wall0:+.1f}%)")


if __name__ == "__main__":
    main()
