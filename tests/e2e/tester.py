"""scim2-tester (pinned 0.5.2) over httpx: the client engine, the run, and its summary.

scim2-client 0.13 ships its network engine for `httpx2` only (the `scim2-client[httpx2]` extra),
which the test dependencies do not install; `HttpxSCIMClient` is the few lines of engine that
scim2-client's BaseSyncSCIMClient needs, over the `httpx` Client the project already depends on.
Used by tests/e2e/test_conformance.py and scripts/conformance.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from scim2_client import BaseSyncSCIMClient, RequestNetworkException
from scim2_tester import CheckResult, Status, check_server

FAILING = frozenset({Status.ERROR, Status.CRITICAL})
WARNING = frozenset({Status.DEVIATION})


class HttpxSCIMClient(BaseSyncSCIMClient):
    """A scim2-client sync engine sending its requests with an `httpx.Client` (base_url set)."""

    def __init__(self, client: httpx.Client, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        base = self.client.base_url
        try:
            url = self.client.build_request("GET", endpoint).url
        except httpx.InvalidURL:
            return False
        return url.scheme == base.scheme and url.netloc == base.netloc and url.raw_path.startswith(
            base.raw_path
        )

    def _parse_json(self, response: Any) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.request(method, url, **kwargs)
        except httpx.RequestError as exc:
            error = RequestNetworkException()
            error.add_note(str(exc))
            raise error from exc


def run_checks(http: httpx.Client) -> list[CheckResult]:
    """Every scim2-tester check (no tag filter: see known_issue for why) against `http`."""
    return check_server(HttpxSCIMClient(http), raise_exceptions=False)


def known_issue(result: CheckResult, known: Mapping[str, str]) -> str | None:
    """The issue owning `result` when one of its tags is excluded in `known` (tag -> issue)."""
    for tag in sorted(result.tags or ()):
        if tag in known:
            return known[tag]
    return None


@dataclass
class Outcome:
    results: list[CheckResult]
    failures: list[CheckResult]  # ERROR/CRITICAL, not owned by a known issue
    excused: list[tuple[CheckResult, str]]  # ERROR/CRITICAL owned by a known issue
    warnings: list[CheckResult]  # DEVIATION: within the RFC, against a SHOULD


def classify(results: Iterable[CheckResult], known: Mapping[str, str]) -> Outcome:
    results = list(results)
    failures, excused, warnings = [], [], []
    for r in results:
        if r.status in FAILING:
            issue = known_issue(r, known)
            if issue:
                excused.append((r, issue))
            else:
                failures.append(r)
        elif r.status in WARNING:
            warnings.append(r)
    return Outcome(results, failures, excused, warnings)


def _line(r: CheckResult) -> str:
    where = f"[{r.resource_type}] " if r.resource_type else ""
    reason = " ".join(str(r.reason or "").split())
    if len(reason) > 600:
        reason = reason[:597] + "..."
    return f"{r.status.name:<9} {where}{r.title}: {reason}"


def summary(outcome: Outcome, label: str = "") -> str:
    counts = Counter(r.status.name for r in outcome.results)
    passed = sum(counts[s.name] for s in (Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE))
    lines = [
        f"scim2-tester 0.5.2{' on ' + label if label else ''}: {len(outcome.results)} checks, "
        f"{passed} passed, {counts[Status.SKIPPED.name]} skipped, "
        f"{len(outcome.failures)} failed, {len(outcome.excused)} failed (known issues), "
        f"{len(outcome.warnings)} deviations  ({', '.join(f'{k}={v}' for k, v in sorted(counts.items()))})"
    ]
    if outcome.failures:
        lines.append("FAILURES:")
        lines += ["  " + _line(r) for r in outcome.failures]
    if outcome.excused:
        lines.append("KNOWN ISSUES (excluded by tag):")
        lines += [f"  {_line(r)}  -> {issue}" for r, issue in outcome.excused]
    if outcome.warnings:
        lines.append("DEVIATIONS (not failing):")
        lines += ["  " + _line(r) for r in outcome.warnings]
    skipped = Counter(
        (r.title, str(r.reason)) for r in outcome.results if r.status == Status.SKIPPED
    )
    if skipped:
        lines.append("SKIPPED:")
        lines += [f"  {title}: {reason} (x{n})" for (title, reason), n in sorted(skipped.items())]
    return "\n".join(lines)
