"""Run scim2-tester (every check) against a running scim-service and print the e2e tier's summary.

    .venv/bin/python scripts/conformance.py http://127.0.0.1:8000/scim/v2 --username scim \\
        --password "$SCIM_AUTH_PASSWORD"

Exit status 1 when a check fails that no known issue owns (tests/e2e/test_conformance.py's
KNOWN_ISSUES), else 0. The checks create and delete resources on the server.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from tests.e2e.test_conformance import KNOWN_ISSUES  # noqa: E402
from tests.e2e.tester import classify, run_checks, summary  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the SCIM base URL, e.g. http://127.0.0.1:8000/scim/v2")
    parser.add_argument("--username", default=os.environ.get("SCIM_AUTH_USERNAME", "scim"))
    parser.add_argument("--password", default=os.environ.get("SCIM_AUTH_PASSWORD"),
                        help="default: $SCIM_AUTH_PASSWORD")
    parser.add_argument("--strict", action="store_true", help="known issues fail the run too")
    args = parser.parse_args(argv)
    if not args.password:
        parser.error("--password (or SCIM_AUTH_PASSWORD) is required")
    auth = httpx.BasicAuth(args.username, args.password)
    with httpx.Client(base_url=args.url, auth=auth, timeout=30.0) as http:
        results = run_checks(http)
    outcome = classify(results, {} if args.strict else KNOWN_ISSUES)
    print(summary(outcome, args.url))
    return 1 if outcome.failures else 0


if __name__ == "__main__":
    sys.exit(main())
