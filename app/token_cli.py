"""`scim-service token ...` (bearer tokens in the database) and `scim-service password hash`."""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from app.settings import Settings, build_registry, load_settings
from domain.credentials.tokens import Tokens

_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class CommandError(Exception):
    """A failure worth one line on stderr and exit status 1 (app.cli re-raises its own kind)."""


def lifetime(text: str) -> timedelta:
    """90d, 12h, 30m."""
    match = re.fullmatch(r"([1-9][0-9]{0,5})([dhm])", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"expected a duration like 90d, 12h or 30m, got {text!r}")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


@contextmanager
def database_container(settings: Settings, what: str = "tokens") -> Iterator[Any]:
    """The container on the configured database (its schema must be current), closed after."""
    if settings.database.in_memory:
        raise CommandError(f"error: memory:// keeps {what} inside one server process; "
                           f"{what} need a database (database.url)")
    from adapters.sqlalchemy.migrate import SchemaNotCurrent, check_current
    from app.containers import Container

    container = Container(settings=settings, registry=build_registry(settings))
    try:
        check_current(container.engine())
        yield container
    except SchemaNotCurrent as exc:
        raise CommandError(f"error: {exc.message}") from exc
    finally:
        container.engine().dispose()


@contextmanager
def _tokens(settings: Settings) -> Iterator[Tokens]:
    with database_container(settings) as container:
        yield container.tokens()


def when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%SZ")


def create(args: argparse.Namespace) -> int:
    settings = load_settings()
    bearer = [c.principal for c in settings.scim.auth if c.type == "bearer"]
    if args.name not in bearer:
        known = ", ".join(bearer) or "none is configured"
        raise CommandError(f"error: {args.name!r} is not a bearer credential in scim.auth (bearer: {known})")
    with database_container(settings) as container:
        user_id = None if args.user is None else user_id_of(container, args.user, "no token was issued")
        issued = container.tokens().issue(args.name, args.expires, args.note or "", user_id)
    # The secret alone on stdout, so a script can capture it; the rest on stderr.
    print(issued.secret)
    bound = "" if user_id is None else f", bound to User {user_id} ({args.user}) for /Me"
    print(f"token {issued.token.id} for {args.name}{bound}, expires {when(issued.token.expires)}. "
          "It is shown only now: store it in the IdP.", file=sys.stderr)
    return 0


def user_id_of(container: Any, user_name: str, nothing_done: str) -> str:
    """The id of the User a credential is bound to (`--user`), by userName (case-insensitive,
    as SCIM compares it); CommandError saying `nothing_done` when there is none."""
    found: str | None = container.find_me().by_user_name(user_name)
    if found is None:
        raise CommandError(f"error: no User with userName {user_name!r}; provision it first "
                           f"(the binding is the user's id); {nothing_done}")
    return found


def list_tokens(args: argparse.Namespace) -> int:
    with _tokens(load_settings()) as tokens:
        rows = tokens.list()
    if not rows:
        print("no tokens")
        return 0
    now = datetime.now(rows[0].created.tzinfo)
    table = [("CREDENTIAL", "KIND", "CLIENT", "USER", "TOKEN ID", "CREATED", "EXPIRES", "LAST USED", "STATUS", "NOTE")]
    table += [(t.credential, t.kind, t.client_id or "-", t.user_id or "-", t.id, when(t.created), when(t.expires),
               when(t.last_used), t.status(now), t.note) for t in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])
    return 0


def revoke(args: argparse.Namespace) -> int:
    from domain.errors import NotFound

    if (args.token_id is None) == (args.all is None):
        raise CommandError("error: give a TOKEN_ID or --all NAME")
    with _tokens(load_settings()) as tokens:
        if args.all is not None:
            print(f"revoked {tokens.revoke_all(args.all)} token(s) of {args.all}")
            return 0
        try:
            token = tokens.revoke(args.token_id)
        except NotFound as exc:
            raise CommandError(f"error: {exc}") from exc
    print(f"revoked token {token.id} of {token.credential}")
    return 0


def hash_password(args: argparse.Namespace) -> int:
    from adapters.system import Argon2Hasher

    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise CommandError("error: the two passwords differ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandError("error: empty password")
    print(Argon2Hasher().hash(password))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    token = commands.add_parser("token", help="bearer tokens of the bearer credentials").add_subparsers(
        dest="token_command", required=True, metavar="COMMAND")
    made = token.add_parser("create", help="print a new token (once) for a bearer credential")
    made.add_argument("name", metavar="NAME", help="a credential of scim.auth with type: bearer")
    made.add_argument("--expires", type=lifetime, metavar="DURATION", help="e.g. 90d, 12h, 30m (default: never)")
    made.add_argument("--note", metavar="TEXT", help="shown by `token list`")
    made.add_argument("--user", metavar="USERNAME",
                      help="bind the token to this existing User (by userName, any case): its /Me")
    made.set_defaults(handler=create)
    token.add_parser("list", help="every token, never its secret").set_defaults(handler=list_tokens)
    gone = token.add_parser("revoke", help="revoke one token, or every token of a credential")
    gone.add_argument("token_id", nargs="?", metavar="TOKEN_ID")
    gone.add_argument("--all", metavar="NAME", help="revoke every live token of this credential")
    gone.set_defaults(handler=revoke)

    password = commands.add_parser("password", help="passwords for the config").add_subparsers(
        dest="password_command", required=True, metavar="COMMAND")
    password.add_parser("hash", help="print an argon2id hash for scim.auth's password_hash "
                        "(reads the password from the terminal, or one line of stdin)").set_defaults(handler=hash_password)
