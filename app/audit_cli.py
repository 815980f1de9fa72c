"""`scim-service audit`: the change records (who, what, when; attribute names, never values) and
`audit prune --before DATE` for retention. Both read the configured database."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from app.settings import load_settings
from app.token_cli import CommandError, database_container, when
from domain.audit import AuditQuery, Change


def moment(text: str) -> datetime:
    """A date (2026-12-01: its midnight UTC) or an ISO 8601 date and time (UTC without an offset)."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date or date and time: {text!r} (e.g. 2026-12-01 or "
                                         "2026-12-01T08:30:00Z)") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _json(change: Change) -> str:
    return json.dumps({"at": change.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                       "principal": change.principal, "operation": change.operation,
                       "resource_type": change.resource_type, "resource_id": change.resource_id,
                       "attributes": list(change.attributes), "request_id": change.request_id},
                      ensure_ascii=False)


def _row(change: Change) -> str:
    return "  ".join((when(change.at), change.principal.ljust(16), change.operation.ljust(10),
                      change.resource_type.ljust(5), change.resource_id.ljust(36), (change.request_id or "-").ljust(32),
                      ",".join(change.attributes)))


def show(args: argparse.Namespace) -> int:
    query = AuditQuery(args.since, args.until, args.resource, args.principal)
    with database_container(load_settings(), "change records") as container:
        records = container.audit_log().records(query)
        if not args.json:
            print("  ".join(("AT".ljust(20), "PRINCIPAL".ljust(16), "OPERATION".ljust(10), "TYPE ",
                             "RESOURCE".ljust(36), "REQUEST".ljust(32), "ATTRIBUTES")))
        for change in records:
            print(_json(change) if args.json else _row(change))
    return 0


def prune(args: argparse.Namespace) -> int:
    if args.before > datetime.now(UTC):
        raise CommandError("error: --before is in the future; prune keeps nothing newer than the date given")
    with database_container(load_settings(), "change records") as container:
        gone = container.audit_log().prune(args.before)
    print(f"deleted {gone} change record(s) from before {when(args.before)}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser("audit", help="the change records: who changed what, and when")
    audit.add_argument("--since", type=moment, metavar="WHEN", help="records at or after (date or ISO date-time)")
    audit.add_argument("--until", type=moment, metavar="WHEN", help="records before")
    audit.add_argument("--resource", metavar="ID", help="one resource's records")
    audit.add_argument("--principal", metavar="NAME", help="one credential's records")
    audit.add_argument("--json", action="store_true", help="one JSON object a line")
    audit.set_defaults(handler=show)
    sub = audit.add_subparsers(dest="audit_command", metavar="COMMAND")
    pruned = sub.add_parser("prune", help="delete the records older than a date (retention)")
    pruned.add_argument("--before", type=moment, required=True, metavar="WHEN")
    pruned.set_defaults(handler=prune)
