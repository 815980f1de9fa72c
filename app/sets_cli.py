"""`scim-service sets token RECEIVER` (the bearer token a SET receiver polls with: a token of the
`token` commands, of the credential `set-receiver:RECEIVER`, which opens the receiver's poll
endpoint and nothing else) and `scim-service sets errors [RECEIVER]` (the SETs receivers
reported in setErrs)."""

from __future__ import annotations

import argparse
import sys

from app.settings import load_settings
from app.token_cli import CommandError, database_container, lifetime, when


def token(args: argparse.Namespace) -> int:
    from adapters.http.sets import receiver_credential

    settings = load_settings()
    names = [r.name for r in settings.events.sets.receivers]
    if args.receiver not in names:
        raise CommandError(f"error: {args.receiver!r} is not in events.sets.receivers "
                           f"(receivers: {', '.join(names) or 'none is configured'})")
    pushed = next(r for r in settings.events.sets.receivers if r.name == args.receiver).push_url
    if pushed is not None:  # one delivery method per receiver: a pushed one has no poll endpoint
        raise CommandError(f"error: {args.receiver!r} is pushed to ({pushed}): it does not poll, so it needs no token")
    with database_container(settings) as container:
        issued = container.tokens().issue(receiver_credential(args.receiver), args.expires, args.note or "")
    print(issued.secret)  # alone on stdout, for a script to capture
    print(f"token {issued.token.id} for SET receiver {args.receiver}, expires {when(issued.token.expires)}. "
          "It is shown only now. `token list` lists it, `token revoke` revokes it.", file=sys.stderr)
    return 0


def errors(args: argparse.Namespace) -> int:
    from app.set_app import ack_store

    settings = load_settings()
    with database_container(settings, "SET receivers' state") as container:
        rows = ack_store(container, settings).errors(args.receiver)
    if not rows:
        print("no SET errors")
        return 0
    for receiver, o in rows:
        print(f"{when(o.at)}  {receiver}  record {o.seq}  {o.jti}  {o.err}  {o.description}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    sets = commands.add_parser("sets", help="security event tokens (RFC 9967) and their receivers").add_subparsers(
        dest="sets_command", required=True, metavar="COMMAND")
    made = sets.add_parser("token", help="print a new bearer token (once) for a SET receiver's polls")
    made.add_argument("receiver", metavar="RECEIVER", help="a name in events.sets.receivers")
    made.add_argument("--expires", type=lifetime, metavar="DURATION", help="e.g. 90d, 12h, 30m (default: never)")
    made.add_argument("--note", metavar="TEXT", help="shown by `token list`")
    made.set_defaults(handler=token)
    listed = sets.add_parser("errors", help="the SETs receivers reported errors for (setErrs), oldest first")
    listed.add_argument("receiver", nargs="?", metavar="RECEIVER", help="one receiver's only")
    listed.set_defaults(handler=errors)
