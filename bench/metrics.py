"""What /metrics costs a request: CPU per request with metrics.enabled against without, in one
process through the Flask app (no network, no gunicorn), on SQLite, rounds interleaved so both
see the same machine. Prints figures; asserts nothing.

    .venv/bin/python bench/metrics.py [--rounds 5] [--requests 400]
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dependency_injector import providers  # noqa: E402

from app import create_app  # noqa: E402
from app.metrics_settings import MetricsSettings  # noqa: E402
from tests.fakes import PASSWORD, USERNAME, cheap_argon2, make_settings  # noqa: E402

AUTH = {"Authorization": "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()}
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"


def build(workdir: Path, metered: bool):
    from adapters.sqlalchemy.migrate import upgrade

    url = f"sqlite:///{workdir / ('on.db' if metered else 'off.db')}"
    settings = make_settings(url)
    if metered:
        settings = dataclasses.replace(settings, metrics=MetricsSettings(True, username="p", password="bench-pw-1"))
    upgrade(url)
    app = create_app(settings)
    app.extensions["container"].hasher.override(providers.Object(cheap_argon2()))
    return app.test_client()


def round_(client, tag: str, n: int) -> tuple[float, float]:
    """CPU seconds per create and per read, for n of each."""
    started = time.process_time()
    ids = []
    for i in range(n):
        resp = client.post("/scim/v2/Users", headers=AUTH, json={"schemas": [USER_URN], "userName": f"{tag}-{i}"})
        ids.append(resp.get_json()["id"])
    created = time.process_time()
    for uid in ids:
        client.get(f"/scim/v2/Users/{uid}", headers=AUTH)
    read = time.process_time()
    return (created - started) / n, (read - created) / n


def one(metered: bool, requests: int) -> None:
    """One configuration in this process (dependency-injector wiring is per process)."""
    import json
    import logging

    logging.getLogger("scim.requests").disabled = True  # the request log is not what is measured
    with tempfile.TemporaryDirectory() as tmp:
        client = build(Path(tmp), metered)
        round_(client, "warm", 50)
        print(json.dumps(round_(client, "measured", requests)))


def main() -> None:
    import json
    import subprocess

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--one", choices=("on", "off"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return one(args.one == "on", args.requests)
    figures: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for r in range(args.rounds):
        for metered in (False, True) if r % 2 == 0 else (True, False):
            done = subprocess.run([sys.executable, __file__, "--one", "on" if metered else "off",
                                   "--requests", str(args.requests)], capture_output=True, text=True, check=True)
            figures[metered].append(tuple(json.loads(done.stdout.splitlines()[-1])))
    print(f"{args.rounds} rounds of {args.requests} creates then {args.requests} reads, SQLite, in-process, medians")
    for kind, index in (("create (POST /Users)", 0), ("read (GET /Users/{id})", 1)):
        off = statistics.median(f[index] for f in figures[False]) * 1e6
        on = statistics.median(f[index] for f in figures[True]) * 1e6
        print(f"{kind:24} metrics off {off:7.0f} µs CPU  on {on:7.0f} µs  (+{on - off:5.0f} µs, {100 * (on - off) / off:+.1f}%)")
    return None


if __name__ == "__main__":
    main()
