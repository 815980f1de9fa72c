"""`scim-service webhook add|list|remove` (subscriptions; a new one's secret printed once) and
`scim-service events run|list|retry` (the delivery worker, backlogs and dead letters, their
re-queue). All on the configured database (the worker runs beside gunicorn, not inside it)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC

from app import events_worker
from app.settings import load_settings
from app.token_cli import CommandError, database_container, when
from domain.errors import DomainError
from domain.events.manage import NewSubscription, Subscriptions


@contextmanager
def _managed() -> Iterator[tuple[Subscriptions, int]]:
    """The use cases, and the newest change record's number (for backlogs)."""
    settings = load_settings()
    with database_container(settings, "webhooks") as container:
        try:
            yield events_worker.subscriptions(container, settings), container.audit_log().last()
        except DomainError as exc:
            raise CommandError(f"error: {exc.detail}") from exc


def _table(rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])


def add(args: argparse.Namespace) -> int:
    types = tuple(t.strip() for t in args.events.split(",") if t.strip())
    with _managed() as (subs, _):
        added = subs.add(NewSubscription(args.name, args.url, types, args.resource_type))
    # The secret alone on stdout, so a script can capture it; the rest on stderr.
    print(added.secret)
    print(f"webhook {added.name}: {', '.join(added.event_types)} to {added.url}, from now on. The "
          "signing secret is shown only now: give it to the receiver.", file=sys.stderr)
    return 0


def list_webhooks(args: argparse.Namespace) -> int:
    with _managed() as (subs, last):
        found = subs.all()
        dead: dict[str, int] = {}
        for letter in subs.failed():
            dead[letter.subscription] = dead.get(letter.subscription, 0) + 1
        rows = [("NAME", "KIND", "URL", "EVENTS", "TYPE", "BEHIND", "ATTEMPTS", "NEXT ATTEMPT", "DEAD", "LAST ERROR")]
        for s in found:
            p = subs.progress(s.name)
            rows.append((s.name, s.kind, s.url, ",".join(s.event_types), s.resource_type or "*",
                         str(max(last - p.position.after, 0)), str(p.attempts), when(p.next_attempt),
                         str(dead.get(s.name, 0)), p.last_error or "-"))
    if not found:
        print("no webhooks")
        return 0
    _table(rows)
    return 0


def remove(args: argparse.Namespace) -> int:
    with _managed() as (subs, _):
        subs.remove(args.name)
    print(f"removed webhook {args.name} (with its dead letters)")
    return 0


def list_events(args: argparse.Namespace) -> int:
    if not args.failed:
        return list_webhooks(args)
    with _managed() as (subs, _):
        letters = subs.failed(args.subscription)
    if args.json:
        for d in letters:
            print(json.dumps({"subscription": d.subscription, "id": d.event.id, "type": d.event.type,
                              "resource_type": d.event.resource_type, "resource_id": d.event.resource_id,
                              "attempts": d.attempts, "failed_at": d.failed_at.astimezone(UTC).isoformat(),
                              "error": d.error, "requeued": d.requeued}))
        return 0
    if not letters:
        print("no failed events")
        return 0
    _table([("SUBSCRIPTION", "EVENT ID", "TYPE", "RESOURCE", "ATTEMPTS", "FAILED AT", "STATE", "ERROR")]
           + [(d.subscription, d.event.id, d.event.type, d.event.resource_id, str(d.attempts), when(d.failed_at),
               "requeued" if d.requeued else "dead", d.error) for d in letters])
    return 0


def retry(args: argparse.Namespace) -> int:
    if (args.event_id is None) == (not args.all):
        raise CommandError("error: give an EVENT_ID or --all")
    with _managed() as (subs, _):
        count = subs.retry(args.event_id, args.subscription)
    print(f"re-queued {count} event(s): the worker sends them before the next ones")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    hook = commands.add_parser("webhook", help="webhook subscriptions (signed event deliveries)").add_subparsers(
        dest="webhook_command", required=True, metavar="COMMAND")
    added = hook.add_parser("add", help="subscribe URL to events; prints its signing secret (once)")
    added.add_argument("name", metavar="NAME")
    added.add_argument("url", metavar="URL")
    added.add_argument("--events", required=True, metavar="TYPES",
                       help="comma-separated event types (user.created,group.members_added,...) or *")
    added.add_argument("--resource-type", choices=("User", "Group"), help="only this type's events")
    added.set_defaults(handler=add)
    hook.add_parser("list", help="every webhook and its delivery state, never its secret").set_defaults(
        handler=list_webhooks)
    gone = hook.add_parser("remove", help="remove a webhook and its dead letters")
    gone.add_argument("name", metavar="NAME")
    gone.set_defaults(handler=remove)

    events = commands.add_parser("events", help="event delivery: the worker, failed events").add_subparsers(
        dest="events_command", required=True, metavar="COMMAND")
    run = events.add_parser("run", help="deliver events (a long-running worker beside gunicorn)")
    run.add_argument("--once", action="store_true", help="deliver what is pending, then exit")
    run.set_defaults(handler=events_worker.run)
    listed = events.add_parser("list", help="each webhook's backlog; --failed: the dead letters")
    listed.add_argument("--failed", action="store_true", help="the events given up on (dead letters)")
    listed.add_argument("--subscription", metavar="NAME", help="one webhook's")
    listed.add_argument("--json", action="store_true", help="with --failed: one JSON object a line")
    listed.set_defaults(handler=list_events)
    again = events.add_parser("retry", help="re-queue dead letters for another delivery")
    again.add_argument("event_id", nargs="?", metavar="EVENT_ID")
    again.add_argument("--all", action="store_true", help="every dead letter")
    again.add_argument("--subscription", metavar="NAME", help="only this webhook's")
    again.set_defaults(handler=retry)
