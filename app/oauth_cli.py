"""`scim-service oauth client add|list|remove`: the OAuth clients (IdPs) of the oauth credential."""

from __future__ import annotations

import argparse
import sys

from app.settings import Settings, load_settings
from app.token_cli import CommandError, database_container, user_id_of, when


def _oauth_settings() -> Settings:
    settings = load_settings()
    if not any(c.type == "oauth" for c in settings.scim.auth):
        raise CommandError("error: scim.auth has no oauth credential; add one (type: oauth) first")
    return settings


def add(args: argparse.Namespace) -> int:
    with database_container(_oauth_settings(), "OAuth clients") as container:
        user_id = None if args.user is None else user_id_of(container, args.user, "no client was added")
        try:
            client, secret = container.oauth_clients().add(args.name, args.redirect_uri, user_id)
        except ValueError as exc:
            raise CommandError(f"error: {exc}") from exc
    print(f"client id:     {client.id}")
    print(f"client secret: {secret}")
    print("The secret is shown only now: enter both in the IdP.", file=sys.stderr)
    return 0


def list_clients(args: argparse.Namespace) -> int:
    with database_container(_oauth_settings(), "OAuth clients") as container:
        clients = container.oauth_clients().list()
    if not clients:
        print("no OAuth clients")
        return 0
    rows = [("CLIENT ID", "NAME", "USER", "CREATED", "REDIRECT URIS")]
    rows += [(c.id, c.name, c.user_id or "-", when(c.created), " ".join(c.redirect_uris)) for c in clients]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)) + "  " + r[-1])
    return 0


def remove(args: argparse.Namespace) -> int:
    from domain.errors import NotFound

    with database_container(_oauth_settings(), "OAuth clients") as container:
        try:
            revoked = container.oauth_clients().remove(args.client_id)
        except NotFound as exc:
            raise CommandError(f"error: {exc}") from exc
    print(f"removed OAuth client {args.client_id}; revoked {revoked} token(s)")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    oauth = commands.add_parser("oauth", help="the OAuth 2.0 authorization server").add_subparsers(
        dest="oauth_command", required=True, metavar="COMMAND")
    client = oauth.add_parser("client", help="OAuth clients (the IdPs)").add_subparsers(
        dest="client_command", required=True, metavar="COMMAND")
    made = client.add_parser("add", help="register a client; prints its id and secret once")
    made.add_argument("name", metavar="NAME", help="shown on the consent page")
    made.add_argument("--redirect-uri", action="append", required=True, metavar="URI",
                      help="exactly as the IdP sends it (https; http only to 127.0.0.1 or localhost); repeatable")
    made.add_argument("--user", metavar="USERNAME",
                      help="bind the client's tokens to this existing User (by userName, any case): their /Me")
    made.set_defaults(handler=add)
    client.add_parser("list", help="every client, never a secret").set_defaults(handler=list_clients)
    gone = client.add_parser("remove", help="remove a client and revoke its tokens at once")
    gone.add_argument("client_id", metavar="ID")
    gone.set_defaults(handler=remove)
