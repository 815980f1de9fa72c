"""Probe issue 13's hostile-input classes on memory, SQLite and PostgreSQL (scratch database
`probe_hostile`; "not run" if unreachable), one in-process app at a time (wiring is process-global):
a Markdown table of status + scimType, or the raw results with --json. An error must write nothing
(totals and the probed resource are compared); a list answer shows its totalResults (n=...)."""

import argparse
import base64
import json
import random
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from werkzeug.test import TestResponse  # noqa: E402

from adapters.http.cursors import Cursors  # noqa: E402
from adapters.sqlalchemy.migrate import upgrade  # noqa: E402
from app import create_app  # noqa: E402
from app.settings import ExtensionAttributeSettings, ExtensionSettings  # noqa: E402
from tests.fakes import PASSWORD, USERNAME, make_settings  # noqa: E402
from tests.http.conftest import sqlite_url  # noqa: E402

ERROR_URN, PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:Error", "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_URN, GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group"
EXT = "urn:example:params:scim:schemas:extension:probe:2.0:User"  # hired (dateTime), badge (integer), ratio (decimal)
SCIM_JSON, AUTH = "application/scim+json", "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
PG_SERVER, PG_DB = "host=127.0.0.1 port=5432 user=postgres dbname=test", "probe_hostile"
RNG = random.Random(13)
EXTENSIONS = (ExtensionSettings(EXT, "User", tuple(ExtensionAttributeSettings(name, kind) for name, kind in (
    ("hired", "dateTime"), ("badge", "integer"), ("ratio", "decimal")))),)


@dataclass
class Req:
    method: str
    path: str
    body: Any = None
    raw: bytes | None = None  # sent as is instead of `body`
    content_type: str | None = SCIM_JSON
    headers: dict[str, str] = field(default_factory=dict)
    watch: str | None = None  # a resource that an error must leave unchanged


@dataclass
class Result:
    status: int
    scim_type: str | None = None
    scim_error: bool | None = None  # for an error: was the body a SCIM Error
    leaked: bool = False  # for an error: did the totals or the probed resource change
    total: int | None = None  # totalResults of a list answer
    detail: str | None = None
    notes: list[str] = field(default_factory=list)  # footnotes: Allow, changePassword, what went wrong


def uniq(prefix: str = "u") -> str:
    return f"{prefix}-{RNG.getrandbits(48):012x}"


def user(name: str | None = None, **attrs: Any) -> dict[str, Any]:
    return {"schemas": [USER_URN, EXT], "userName": name or uniq(), **attrs}


def ops(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_URN], "Operations": list(operations)}


def post(body: Any = None, kind: str = "Users", **kw: Any) -> Req:
    return Req("POST", f"/scim/v2/{kind}", body, **kw)


def get(path: str, **kw: Any) -> Req:
    return Req("GET", "/scim/v2" + path, content_type=None, **kw)


def raw_user(fragment: str) -> bytes:
    return (json.dumps(user())[:-1] + ", " + fragment + "}").encode()


def nested(depth: int) -> bytes:  # the body itself is level 1
    return raw_user('"x": ' + "[" * (depth - 1) + "]" * (depth - 1))


@dataclass
class Ctx:  # one app's client, with helpers that set up the state a probe needs
    client: FlaskClient

    def send(self, req: Req) -> TestResponse:
        headers = {"Authorization": AUTH, **({"Content-Type": req.content_type} if req.content_type else {})}
        data = req.raw if req.raw is not None else None if req.body is None else json.dumps(req.body).encode()
        return self.client.open(req.path, method=req.method, data=data, headers={**headers, **req.headers})

    def json(self, path: str) -> Any:
        return self.send(Req("GET", path, content_type=None)).get_json(silent=True)

    def create(self, kind: str, body: dict[str, Any]) -> str:
        answer = self.send(post(body, kind))
        assert answer.status_code == 201, (kind, answer.status_code, answer.get_data(as_text=True))
        return str(answer.get_json()["id"])

    def totals(self) -> tuple[int, int]:
        return self.json("/scim/v2/Users?count=0")["totalResults"], self.json("/scim/v2/Groups?count=0")["totalResults"]

    def cursor(self) -> str:  # a genuine nextCursor of /Users, two users created first
        self.create("Users", user()), self.create("Users", user())
        return str(self.json("/scim/v2/Users?cursor=&count=1")["nextCursor"])

    def patch(self, kind: str, resource: dict[str, Any], *operations: dict[str, Any]) -> Req:  # on a new `resource`
        rid = self.create(kind, resource)
        return Req("PATCH", f"/scim/v2/{kind}/{rid}", ops(*operations), watch=f"/scim/v2/{kind}/{rid}")

    def lookalike(self, name: str) -> Req:
        self.send(post(user("alice")))  # 201 the first time, 409 after: either way "alice" exists
        return post(user(name))


def resigned(token: str) -> str:  # the cursor's payload with a MAC made by another key
    encoded = token.split(".")[0]
    return f"{encoded}.{Cursors('another-secret-key-0123456789')._mac(base64.urlsafe_b64decode(encoded + '=='))}"


def on_cursor(kind: str, tamper: Callable[[str], str]) -> Callable[[Ctx], Req]:
    return lambda c: get(f"/{kind}?count=1&cursor={quote(tamper(c.cursor()))}")


Builder = Callable[[Ctx], Req]
LONG: list[tuple[str, Callable[[str], Req]]] = [
    ("userName", lambda s: post(user(s))), ("externalId", lambda s: post(user(externalId=s))), ("displayName",
    lambda s: post(user(displayName=s))), ("emails.value", lambda s: post(user(emails=[{"value": s}]))),
    ("Group displayName", lambda s: post({"schemas": [GROUP_URN], "displayName": s}, "Groups"))]
SHAPES: list[Any] = [[[1]], [5], [{"value": {"a": 1}}], ["x"], 7, {"a": [1]}, [{"value": ["x"]}]]
ODD_BODIES = {"GET": None, "DELETE": None, "PUT": user(), "PATCH": ops({"op": "replace", "path": "displayName", "value": "x"})}
DATES = ["2020-06-01", "20200601", "2020-W23-1", "2020-06-01T08:00:00", "0001-01-01T00:30:00+01:00", "2020-06-01T08:00:00Z"]
NAMES = [("leading space", " alice"), ("trailing space", "alice "), ("ZWSP U+200B", "ali\u200bce"),
         ("soft hyphen U+00AD", "ali\u00adce"), ("BOM U+FEFF", "\ufeffalice"), ("tab", "ali\tce"),
         ("NBSP U+00A0", "ali\u00a0ce"), ('"ALICE" (alice exists)', "ALICE"), ('fullwidth "ａｌｉｃｅ"', "ａｌｉｃｅ")]
BIG, BADGE = 2**53, f"/Users?filter={quote(EXT)}%3Abadge%20gt%20"
PROBES: list[tuple[str, str, Builder]] = [
    *[("1 long strings", f"{name} = {n} emoji", lambda c, m=make, n=n: m(
        "".join(chr(RNG.randrange(0x1F600, 0x1F650)) for _ in range(n))))
      for name, make in LONG for n in (5000, 512, 513)],
    *[("2 PATCH members", f"{op} members value {json.dumps(v)}", lambda c, op=op, v=v: c.patch(
        "Groups", {"schemas": [GROUP_URN], "displayName": uniq("g")}, {"op": op, "path": "members", "value": v}))
      for op in ("remove", "add", "replace") for v in SHAPES],
    *[("3 odd ids", f"{m} /Users/{r}", lambda c, m=m, r=r: Req(m, f"/scim/v2/Users/{r}", ODD_BODIES[m]))
      for r in ("%00", "a%00b", "%FF", "%C3%28", "%ED%A0%80") for m in ODD_BODIES],
    *[("4 cursors", label, on_cursor(kind, tamper)) for label, kind, tamper in [
        ("genuine /Users cursor (control)", "Users", str), ("non-ASCII prefix", "Users", lambda t: "é" + t),
        ("non-ASCII MAC", "Users", lambda t: t[:-1] + "é"), ("truncated (6 chars cut)", "Users", lambda t: t[:-6]),
        ("no MAC part", "Users", lambda t: t.split(".")[0]), ("re-signed with another key", "Users", resigned),
        ("/Users cursor on /Groups", "Groups", str)]],
    *[("5 dateTime", f"POST ext hired = {v}", lambda c, v=v: post(user(**{EXT: {"hired": v}}))) for v in DATES],
    *[("5 dateTime", f'filter {a.split(":")[-1]} {o} "{v}"', lambda c, f=f'{a} {o} "{v}"': get("/Users?filter=" + quote(f)))
      for a, o in (("meta.created", "gt"), (f"{EXT}:hired", "ge")) for v in DATES],  # one user has hired = DATES[-1]
    *[("6 numbers", f"ext {k} = {label}", lambda c, f=f'"{EXT}": {{"{k}": {text}}}': post(raw=raw_user(f)))
      for k, label, text in [("badge", "2**53", BIG), ("badge", "-(2**53)", -BIG), ("badge", "2**53-1 (control)", BIG - 1),
                             ("badge", "1e999", "1e999"), ("badge", "5000-digit int", "9" * 5000),
                             ("ratio", "10**30 (decimal)", 10**30)]],
    *[("6 numbers", f"filter badge gt {label}", lambda c, n=n: get(f"{BADGE}{n}")) for label, n in [("2**53", BIG), ("-(2**53)", -BIG)]],
    ("7 bodies", "charset=latin-1", lambda c: post(user(), content_type=SCIM_JSON + "; charset=latin-1")),
    ("7 bodies", "Content-Type: text/plain", lambda c: post(user(), content_type="text/plain")),
    ("7 bodies", "POST /Users, no body", lambda c: post()),
    ("7 bodies", "malformed JSON", lambda c: post(raw=b'{"userName": ')),
    ("7 bodies", "nested 32 deep (control)", lambda c: post(raw=nested(32))),
    ("7 bodies", "nested 33 deep", lambda c: post(raw=nested(33))),
    *[("8 userName lookalikes", label, lambda c, n=name: c.lookalike(n)) for label, name in NAMES],
    ("9 schemas", "Group URN on POST /Users", lambda c: post({"schemas": [GROUP_URN], "userName": uniq()})),
    ("9 schemas", "no schemas on POST /Users", lambda c: post({"userName": uniq()})),
    *[("10 routes", f"{m} {p}", lambda c, m=m, p=p: Req(m, "/scim/v2" + p, user() if m == "POST" else None))
      for p in ("/Bulk", "/Me") for m in ("GET", "POST")],
    *[("10 routes", f"{m} /Users", lambda c, m=m: Req(m, "/scim/v2/Users", content_type=None)) for m in ("PROPFIND", "TRACE")],
    ("10 routes", "GET /scim/v2//Users", lambda c: get("//Users")),
    ("10 routes", "GET /scim/v2/Nope", lambda c: get("/Nope")),
    *[("10 routes", f"Accept: {a}", lambda c, a=a: get("/Users", headers={"Accept": a})) for a in ("text/html", "application/xml")],
    ("11 noTarget", 'replace emails[type eq "nope"].value', lambda c: c.patch(
        "Users", user(emails=[{"value": "a@example.com", "type": "work"}]),
        {"op": "replace", "path": 'emails[type eq "nope"].value', "value": "b@example.com"})),
    ("12 limits", "filter_length: 4097 chars", lambda c: get("/Users?filter=" + quote('userName eq "' + "a" * 4083 + '"'))),
    ("12 limits", "filter_depth: 33 parentheses", lambda c: get("/Users?filter=" + quote("(" * 33 + 'userName eq "a"' + ")" * 33))),
    ("12 limits", "json_depth: 33 levels", lambda c: post(raw=nested(33))),
    ("12 limits", "attributes: 1001 keys", lambda c: post(user(**{f"k{i}": 1 for i in range(1001)}))),
    ("12 limits", "multi_valued: 1001 emails", lambda c: post(user(emails=[{"value": f"e{i}@x.example"} for i in range(1001)]))),
    ("12 limits", "string_length: nickName of 65537", lambda c: post(user(nickName="n" * 65537))),
    ("12 limits", "patch_operations: 1001", lambda c: c.patch(
        "Users", user(), *[{"op": "replace", "path": "displayName", "value": "x"}] * 1001)),
    ("12 limits", "attribute_list: 101 names", lambda c: get("/Users?attributes=" + ",".join(["userName"] * 101))),
    ("12 limits", "server.max_body_bytes: 1 MiB + 1", lambda c: post(raw=raw_user(f'"nickName": "{"n" * 2**20}"'))),
    ("13 changePassword", "GET /ServiceProviderConfig", lambda c: get("/ServiceProviderConfig")),
]


def run_one(ctx: Ctx, cls: str, label: str, build: Builder) -> Result:
    req = build(ctx)
    before, watched = ctx.totals(), ctx.json(req.watch) if req.watch else None
    answer = ctx.send(req)
    body = answer.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    r = Result(answer.status_code, total=body.get("totalResults"), notes=[
        *([f"Allow: {answer.headers.get('Allow')}"] if answer.status_code == 405 else []),
        *([f"changePassword.supported = {json.dumps(body['changePassword'].get('supported'))}"] if "changePassword" in body else [])])
    if answer.status_code < 400:
        return r
    r.scim_type, r.detail = body.get("scimType"), body.get("detail")
    r.scim_error = body.get("schemas") == [ERROR_URN] and body.get("status") == str(answer.status_code)
    r.leaked = ctx.totals() != before or (watched is not None and ctx.json(req.watch or "") != watched)
    key = f"scim.limits.{label.split(':')[0]}"
    r.notes += [*([f"not a SCIM Error: {answer.get_data(as_text=True)[:100]!r}"] if not r.scim_error else []),
                *(["a write leaked: the totals or the probed resource changed"] if r.leaked else []),
                *([f"detail does not name {key}: {r.detail!r}"]
                  if cls == "12 limits" and r.status == 400 and key not in (r.detail or "") else [])]
    return r


def run_store(url: str) -> list[Result]:
    app = create_app(make_settings(url, extensions=EXTENSIONS))
    try:
        return [run_one(Ctx(app.test_client()), *probe) for probe in PROBES]
    finally:
        app.extensions["container"].unwire()
        if url != "memory://":
            app.extensions["container"].engine().dispose()  # close the pool before the database is dropped


@contextmanager
def postgres() -> Iterator[str | None]:
    """The URL of a fresh, migrated scratch database (dropped afterwards); None if unreachable."""
    try:
        admin = psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as err:
        print(f"PostgreSQL unreachable, not run: {str(err).strip().splitlines()[0]}", file=sys.stderr)
        yield None
        return
    with admin:
        drop = f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'
        admin.execute(drop), admin.execute(f'CREATE DATABASE "{PG_DB}"')
        try:
            upgrade(url := f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}")
            yield url
        finally:
            admin.execute(drop)


def run_all() -> dict[str, list[Result] | None]:
    results: dict[str, list[Result] | None] = {"memory": run_store("memory://")}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = run_store(sqlite_url(Path(tmp)))
    with postgres() as url:
        results["PostgreSQL"] = run_store(url) if url else None
    return results


def cell(r: Result | None, notes: list[str]) -> str:
    if r is None:
        return "not run"
    text = (f"{r.status} {r.scim_type}" if r.scim_type else str(r.status)) + (f" (n={r.total})" if r.total is not None else "")
    for note in r.notes:
        notes += [] if note in notes else [note]
        text += f"[^{notes.index(note) + 1}]"
    return text


def table(results: dict[str, list[Result] | None]) -> str:
    lines = [f"| class | input (short) | {' | '.join(results)} |", "|---|---|" + "---|" * len(results)]
    notes: list[str] = []
    for i, (cls, label, _) in enumerate(PROBES):
        cells = [cell(rs[i] if rs else None, notes) for rs in results.values()]
        differ = len({c for c in cells if c != "not run"}) > 1
        lines.append(f"| {cls} | {label}{' **(stores differ)**' if differ else ''} | {' | '.join(cells)} |")
    lines += [""] + [f"[^{i}]: {t}" for i, t in enumerate(notes, 1)]
    done = [(label, r) for rs in results.values() if rs for (_, label, _), r in zip(PROBES, rs, strict=True)]
    unimplemented = [r for label, r in done if label.endswith(("/Bulk", "/Me")) and r.status == 501]  # RFC 7644 §3.12
    fives = [r for _, r in done if r.status >= 500 and all(r is not u for u in unimplemented)]
    errors = [r for _, r in done if r.status >= 400]
    skipped = [s for s, rs in results.items() if rs is None]
    return "\n".join(lines) + (
        f"\n\n{len(fives)} of {len(done)} cells were a 5xx (must be 0; the {len(unimplemented)} "
        f"501s of /Bulk and /Me are expected); {'every' if all(r.scim_error for r in errors) else 'NOT every'} "
        f"error body ({len(errors)}) was a SCIM Error" + (f"; not run: {', '.join(skipped)}." if skipped else "."))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON instead of the table")
    args = parser.parse_args()
    results = run_all()
    print(json.dumps([{"class": c, "input": label, **{s: asdict(rs[i]) if rs else None for s, rs in results.items()}}
                      for i, (c, label, _) in enumerate(PROBES)], indent=1, ensure_ascii=False) if args.json else table(results))


if __name__ == "__main__":
    main()
