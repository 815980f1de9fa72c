"""The `scim-service` command: run the API under gunicorn and manage the database schema."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app import audit_cli, events_cli, oauth_cli, sets_cli, token_cli
from app.settings import ConfigError, Settings, load_settings, redact_url

# wsgi.py and gunicorn.conf.py live in the project root, beside the `app` package.
ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "gunicorn.conf.py"


# A failure worth one line on stderr and exit status 1 (not a bug: no traceback).
CommandError = token_cli.CommandError


def _upgrade(settings: Settings) -> bool:
    """Bring the SQL schema up to date; False for memory://, which has none."""
    if settings.database.in_memory:
        return False
    from sqlalchemy.exc import SQLAlchemyError

    from adapters.sqlalchemy.migrate import upgrade

    try:
        upgrade(settings.database.url)
    except SQLAlchemyError as exc:  # e.g. the database is unreachable
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CommandError(f"error: database upgrade failed: {first}") from exc
    return True


def db_upgrade(args: argparse.Namespace) -> int:
    settings = load_settings()
    if _upgrade(settings):
        print(f"database schema is up to date: {redact_url(settings.database.url)}")
    else:
        print("memory://: nothing to upgrade (the in-memory store has no schema)")
    return 0


def serve(args: argparse.Namespace) -> int:
    settings = load_settings()  # fail here, with exit 2, rather than in every worker
    # Migrate once in this parent process, so workers never race each other to do it.
    _upgrade(settings)
    argv = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)]
    if args.bind:
        argv += ["--bind", args.bind]
    workers = args.workers
    if settings.database.in_memory:
        # Each worker process would have its own, different, in-memory store.
        if workers not in (None, 1):
            raise ConfigError("config error: --workers: memory:// keeps data in one process; use 1")
        workers = 1
    if workers:
        argv += ["--workers", str(workers)]
    if args.threads:
        argv += ["--threads", str(args.threads)]
    argv.append("wsgi:app")
    sys.stdout.flush()
    sys.stderr.flush()
    # exec, not a child process: gunicorn's master then gets the supervisor's signals directly.
    os.execv(sys.executable, argv)
    return 0  # not reached


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scim-service", description="A SCIM 2.0 service provider.")
    parser.add_argument("--config", metavar="PATH", help="the YAML config file (default: $SCIM_CONFIG)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("serve", help="upgrade the database schema, then run gunicorn")
    run.add_argument("--bind", metavar="HOST:PORT", help="default: $SCIM_BIND or 127.0.0.1:8000")
    run.add_argument("--workers", type=_positive, metavar="N", help="worker processes (default 2)")
    run.add_argument("--threads", type=_positive, metavar="N", help="threads per worker (default 4)")
    run.set_defaults(handler=serve)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True, metavar="COMMAND"
    )
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(handler=db_upgrade)

    # Command groups register the same way: a subparser whose leaves set `handler`, a function
    # of the parsed args returning the exit status (later: `audit`).
    token_cli.register(commands)
    oauth_cli.register(commands)
    audit_cli.register(commands)
    events_cli.register(commands)
    sets_cli.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.config:
        # Through the environment, so gunicorn's workers (fresh imports of wsgi.py) load it too;
        # absolute, because nothing guarantees they share this working directory.
        os.environ["SCIM_CONFIG"] = os.path.abspath(args.config)
    try:
        return int(args.handler(args))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except CommandError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
