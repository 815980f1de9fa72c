"""schemathesis against the real gunicorn, on SQLite and on PostgreSQL: requests generated from
the service's own OpenAPI document (GET /openapi.json), each operation with schema-valid and
schema-violating input, then stateful runs that follow the document's links (create -> get,
replace, patch, delete). Every answer is checked: no 5xx ever, every error a SCIM Error whose
`status` is the HTTP status, and status, content type, headers and body as the document says.

Failures are collected, not raised (hypothesis would shrink each one for minutes): the test
fails at the end with one curl reproducer per distinct failure. The seed is random unless
SCIM_FUZZ_SEED is set, and printed with the counts in the session's summary (harness.REPORT).
"""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.harness import REPORT, USERNAME, LiveServer

if TYPE_CHECKING:
    import requests
    from schemathesis import Case, CheckContext, Response

pytestmark = pytest.mark.e2e

MIN_REQUESTS = 5000
# examples per operation and generation mode (31 operations on this server's document; those of
# /Me, whose one answer is 501, get TRIVIAL; POST /Bulk gets BULK_*: each of its requests holds
# several operations, generated from the BulkRequest schema's per-type POST, PUT, PATCH and
# DELETE shapes with resource and PatchOp bodies), and stateful scenarios of up to STEPS calls each
POSITIVE, NEGATIVE, TRIVIAL = 120, 70, 10
BULK_POSITIVE, BULK_NEGATIVE = 150, 80
# the stateful runs go on until TARGET requests in all, SCENARIOS scenarios or STATEFUL_SECONDS
SCENARIOS, STEPS, STATEFUL_SECONDS, TARGET = 600, 12, 80, 6000
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"
SHOWN = 15  # distinct failures printed in full


def scim_error_body(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx and 5xx under /scim/v2 is a SCIM Error (RFC 7644 §3.12) whose `status` is the
    response's status, as a string."""
    if response.status_code < 400 or not case.path.startswith("/scim/v2"):
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"{response.status_code} without a JSON body: {response.text[:200]!r}") from None
    assert isinstance(body, dict) and body.get("schemas") == [ERROR_URN], f"not a SCIM Error: {body!r:.300}"
    assert body.get("status") == str(response.status_code), f"status {body.get('status')!r} on a {response.status_code}"
    return None


def checks() -> list[Callable[..., Any]]:
    """The checks every answer gets. Left out, with the reason:
    - negative_data_rejection: the RFC requires accepting some input the schema's types exclude:
      readOnly attributes in a body are ignored (RFC 7644 §3.3, §3.5.1), unknown attributes are
      ignored by the lenient presets, and null means unassigned (RFC 7643 §2.5);
    - positive_data_acceptance: schema-valid input is refused by rules no JSON Schema can say
      and the RFC requires: uniqueness (409), members that name no resource, If-Match (412),
      characters no store can hold;
    - ignored_auth, missing_required_header, unsupported_method, max_response_time: the
      credentials are the session's (schemathesis cannot remove them), no header is required,
      405 and response times have their own tests (tests/http/test_errors.py, the race test)."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [not_a_server_error, status_code_conformance, content_type_conformance,
            response_headers_conformance, response_schema_conformance, scim_error_body]


def stateful_checks() -> list[Callable[..., Any]]:
    from schemathesis.specs.openapi.checks import ensure_resource_availability, use_after_free

    return [*checks(), use_after_free, ensure_resource_availability]


@dataclass
class Run:
    """What one store's run sent and found."""

    session: requests.Session
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)  # one reproducer per distinct failure
    timings: dict[str, tuple[int, float]] = field(default_factory=dict)  # requests and seconds, by operation
    suites: int = 0  # stateful suites run
    bulk: Counter[str] = field(default_factory=Counter)  # the statuses of the operations in Bulk answers

    def send(self, case: Case) -> Response | None:
        import requests

        try:
            response = case.call(session=self.session, timeout=30)
        except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, UnicodeEncodeError):
            return None  # not sendable (a header requests refuses): nothing reached the server
        except requests.exceptions.RequestException as exc:  # the server dropped the connection
            self.failed(case, "no answer", repr(exc))
            return None
        self.sent += 1
        self.statuses[response.status_code] += 1
        if case.path.endswith("/Bulk") and response.status_code == 200:
            with contextlib.suppress(ValueError, TypeError, KeyError, AttributeError):  # checked by the schema
                self.bulk.update(str(op["status"]) for op in response.json()["Operations"])
        return response

    def check(self, case: Case, response: Response, chosen: list[Callable[..., Any]], **kw: Any) -> None:
        try:
            case.validate_response(response, checks=chosen, **kw)
        except (Exception, BaseExceptionGroup) as exc:  # a FailureGroup of every failed check
            found = getattr(exc, "exceptions", None) or [exc]
            titles = sorted({str(getattr(f, "title", None) or type(f).__name__) for f in found})
            self.failed(case, f"{response.status_code} {', '.join(titles)}", str(exc))

    def failed(self, case: Case, summary: str, details: str = "") -> None:
        key = f"{case.method} {case.path}: {summary[:160]}"
        self.failures.setdefault(key, f"{key}\n  {case.as_curl_command()}\n  {details[:1500]}")


def _settings(examples: int) -> Any:
    from hypothesis import HealthCheck, Phase, settings

    return settings(max_examples=examples, deadline=None, database=None, derandomize=False,
                    phases=[Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False)


def examples_of(path: str, positive: bool) -> int:
    if path.endswith("/Me"):
        return TRIVIAL
    if path.endswith("/Bulk"):
        return BULK_POSITIVE if positive else BULK_NEGATIVE
    return POSITIVE if positive else NEGATIVE


def fuzz_operations(schema: Any, run: Run, seed: int) -> None:
    """Each operation, POSITIVE schema-valid and NEGATIVE schema-violating examples."""
    from hypothesis import given
    from hypothesis import seed as use_seed
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    chosen = checks()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in ((GenerationMode.POSITIVE, examples_of(operation.path, True)),
                               (GenerationMode.NEGATIVE, examples_of(operation.path, False))):
            @use_seed(seed)
            @_settings(examples)
            @given(case=operation.as_strategy(generation_mode=mode))
            def exercise(case: Case) -> None:
                response = run.send(case)
                if response is not None:
                    run.check(case, response, chosen)

            started, before = time.monotonic(), run.sent
            with contextlib.suppress(Unsatisfiable):  # nothing to violate (no parameters, no body)
                exercise()
            run.timings[f"{operation.label} {mode.value}"] = (run.sent - before, time.monotonic() - started)


def fuzz_stateful(schema: Any, run: Run, seed: int) -> None:
    """Scenarios along the links: a created resource is read, replaced, patched, deleted. The
    server's state changes between scenarios, which hypothesis reports as flaky generation (a
    link's bundle is empty the second time): then another suite runs, as schemathesis's own
    runner does, until SCENARIOS scenarios have run or STATEFUL_SECONDS have passed."""
    from hypothesis import reject, settings
    from hypothesis import seed as use_seed
    from hypothesis.errors import Flaky, Unsatisfiable
    from hypothesis.stateful import run_state_machine_as_test

    chosen, done = stateful_checks(), [0]

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def call(self, case: Case, **kwargs: Any) -> Any:
            response = run.send(case)
            if response is None:
                reject()  # not sent: this scenario ends here
            return response

        def validate_response(self, response: Any, case: Case, additional_checks: Any = None, **kwargs: Any) -> None:
            run.check(case, response, chosen, recorder=getattr(self, "recorder", None))

        def teardown(self) -> None:
            done[0] += 1
            super().teardown()

    deadline = time.monotonic() + STATEFUL_SECONDS
    suite = 0
    while done[0] < SCENARIOS and run.sent < TARGET and time.monotonic() < deadline:
        suite += 1
        try:
            run_state_machine_as_test(use_seed(seed + suite)(Machine), settings=settings(
                _settings(SCENARIOS - done[0]), stateful_step_count=STEPS))
        except (Flaky, Unsatisfiable):
            continue
    run.suites = suite


def summary(run: Run, seed: int, elapsed: float, stateless: int, stateless_time: float) -> str:
    slowest = ", ".join(f"{name} {n} in {t:.1f} s" for name, (n, t) in
                        sorted(run.timings.items(), key=lambda item: -item[1][1])[:5])
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(run.statuses.items()))
    return (f"{run.sent} requests in {elapsed:.0f} s ({stateless} per operation in {stateless_time:.0f} s, "
            f"{run.sent - stateless} stateful in {run.suites} suites), seed {seed}\nstatuses: {statuses}\n"
            f"slowest: {slowest}\nstatuses of the operations in Bulk answers: "
            f"{', '.join(f'{code}: {n}' for code, n in sorted(run.bulk.items()))}\n"
            f"{len(run.failures)} distinct failures\n" + "\n".join(list(run.failures.values())[:SHOWN]))


def test_schemathesis_finds_no_5xx_and_no_non_scim_error(live_server: LiveServer) -> None:
    import requests
    import schemathesis

    seed = int(os.environ.get("SCIM_FUZZ_SEED") or random.randrange(2**32))
    # 501 is this service's answer on /Me (and on /Bulk with scim.bulk.enabled: false; RFC 7644
    # §3.12), documented there alone: status_code_conformance fails it anywhere else
    config = schemathesis.Config.from_dict(
        {"checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "501"]}}})
    schema = schemathesis.openapi.from_url(live_server.origin + "/openapi.json", config=config)
    session = requests.Session()
    session.auth = (USERNAME, live_server.password)
    run = Run(session)
    started = time.monotonic()
    fuzz_operations(schema, run, seed)
    stateless, stateless_time = run.sent, time.monotonic() - started
    fuzz_stateful(schema, run, seed)
    elapsed = time.monotonic() - started
    text = summary(run, seed, elapsed, stateless, stateless_time)
    REPORT.append((f"schemathesis: {live_server.backend}", text))
    print(text)
    assert run.sent >= MIN_REQUESTS, text
    # the BulkRequest schema lets schemathesis write operations the service performs, not only
    # envelopes it refuses
    assert run.bulk["201"] and run.bulk["404"], text
    assert not run.failures, text
    assert not live_server.problems(), "\n".join(live_server.problems()[:20])
