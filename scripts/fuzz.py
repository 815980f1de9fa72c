"""Coverage-guided fuzzing of the filter and PATCH path parsers with atheris (issue 13).

`make fuzz` runs it for a bounded time; `make fuzz ARGS="-max_total_time=600"` longer, any
libFuzzer flag passes through (`-runs=N`, `-jobs=N`, a corpus directory, a crash file to replay).
The first byte of an input chooses the target (parse_filter or parse_path, on User or Group),
the rest is the text (UTF-8, undecodable bytes replaced; or as code points, to reach lone
surrogates). Any exception other than InvalidFilter/InvalidPath is a crash, and so is a parsed
value that does not render and parse back equal (domain.query.render). A seed corpus of valid
filters and paths is written to a temporary directory unless a corpus directory is given."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atheris  # type: ignore[import-untyped]

with atheris.instrument_imports():
    from domain.errors import InvalidFilter, InvalidPath
    from domain.limits import Limits
    from domain.query.parser import parse_filter, parse_path
    from domain.query.render import render_filter, render_path
    from domain.schema.attributes import ResourceType
    from domain.schema.registry import default_registry

REG = default_registry()
# A rendering may be longer than its filter (spaces, `emails[a or b].value eq 1` as
# `emails[(a or b) and value eq 1]`) and one parenthesis deeper: it is parsed back with room.
ROOMY = Limits(filter_length=10**6, filter_depth=64)


def parse_roomy(rtype: ResourceType, text: str) -> Any:
    return parse_filter(rtype, text, ROOMY)


Parse = Callable[[ResourceType, str], Any]
Target = tuple[Parse, Callable[[Any], str], Parse, type[Exception]]
TARGETS: list[tuple[ResourceType, Target]] = [
    (rtype, target) for rtype in (REG.user, REG.group)
    for target in ((parse_filter, render_filter, parse_roomy, InvalidFilter),
                   (parse_path, render_path, parse_path, InvalidPath))
]

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SEEDS = [  # (target index, text): 0 User filter, 1 User path, 2 Group filter, 3 Group path
    (0, 'userName eq "bjensen"'),
    (0, 'emails[type eq "work" and value co "@example.com"] or not (active eq true)'),
    (0, 'emails[type eq "work"].value eq "x@y" and meta.lastModified gt "2024-01-01T00:00:00Z"'),
    (0, f'{ENTERPRISE}:manager.value eq "m" and name.givenName sw "B" and title pr'),
    (0, '(userName eq "a" or displayName ew "\\u00e9") and id ne null'),
    (1, 'name.givenName'),
    (1, 'emails[type eq "work"].value'),
    (1, f'{ENTERPRISE}:employeeNumber'),
    (1, 'urn:ietf:params:scim:schemas:core:2.0:User:addresses[primary eq true].locality'),
    (2, 'displayName eq "Admins" and members[value eq "u1" or display co "x"]'),
    (2, 'members eq "u1" or externalId sw "E" and meta.created ge "2020-01-01T00:00:00+01:00"'),
    (3, 'members[value eq "2819c223-7f76-453a-919d-413861904646"]'),
    (3, 'members[type eq "User"].display'),
]
# libFuzzer's dictionary (-dict): the words of the grammar, which byte mutations seldom spell
WORDS = ["and", "or", "not", "pr", "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "true",
         "false", "null", "urn:", ENTERPRISE + ":", "urn:ietf:params:scim:schemas:core:2.0:User:",
         "emails[", "members[", ".value", "].", "\\u", "\\ud800", "1e999", "-0", "9007199254740993",
         "meta.created", "name.givenName", "T00:00:00+01:00", "0001-01-01", "9999-12-31"]


def text_of(data: bytes) -> str:
    """The text after the selector byte: UTF-8 when its low bit is 0, else code points (two
    bytes each, little-endian), which reach lone surrogates and every control character."""
    if not data or data[0] & 0x80 == 0:
        return data[1:].decode("utf-8", "replace")
    rest = data[1:]
    return "".join(chr(int.from_bytes(rest[i:i + 2], "little")) for i in range(0, len(rest) - 1, 2))


def one_input(data: bytes) -> None:
    if not data:
        return
    rtype, (parse, render, reparse, refused) = TARGETS[data[0] % len(TARGETS)]
    text = text_of(data)
    try:
        parsed = parse(rtype, text)
    except refused:
        return
    again = reparse(rtype, render(parsed))
    if not same(again, parsed):
        raise AssertionError(f"{text!r} renders as {render(parsed)!r}, which parses differently")


def same(a: Any, b: Any) -> bool:
    """a == b with room to recurse: == on a chain of 400 `or`s goes deeper than Python's default
    limit (the parser and render do not recurse along a chain)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)
    try:
        return bool(a == b)
    finally:
        sys.setrecursionlimit(limit)


def seed_corpus() -> tuple[str, str]:
    """A temporary corpus directory with the seeds, and a dictionary file beside it."""
    directory = Path(tempfile.mkdtemp(prefix="scim-fuzz-"))
    corpus = directory / "corpus"
    corpus.mkdir()
    for n, (target, text) in enumerate(SEEDS):
        (corpus / f"seed-{n:02d}").write_bytes(bytes([target]) + text.encode())
    words = directory / "filter.dict"
    escaped = (w.replace("\\", "\\\\").replace('"', '\\"') for w in WORDS)
    words.write_text("".join(f'"{w}"\n' for w in escaped))
    return str(corpus), str(words)


def main(argv: list[str]) -> None:
    args = list(argv)
    if not any(not a.startswith("-") for a in args[1:]):  # no corpus directory or crash file given
        corpus, words = seed_corpus()
        args.append(corpus)
        if not any(a.startswith("-dict=") for a in args):
            args.append(f"-dict={words}")
    atheris.Setup(args, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
