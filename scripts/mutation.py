"""Mutation testing with mutmut ([tool.mutmut] in pyproject.toml), and its report.

    python scripts/mutation.py full       # domain/ and the security adapters; mutants/ stays for
                                          # `mutmut show NAME` and `mutmut browse`
    python scripts/mutation.py security   # the security rules only (CI): every mutant must die
    python scripts/mutation.py report     # the report of the last full run, again

The security run works in a temporary copy of the tracked files with its own [tool.mutmut]
(only the modules below, only the tests that guard them), so it never disturbs mutants/ and takes
a few minutes. It fails when any mutant of a security rule is not killed. The full run fails on
nothing: its survivors are reviewed in docs/testing.md, and the report names those not listed
there.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).with_name("mutmut")

# The security rules, as mutant-name patterns (module, then the function or class·method; mutmut
# spells methods xǁClassǁmethod). Each is guarded by the tests in SECURITY_TESTS.
SECURITY_RULES = {
    "cursor signatures (RFC 9865 cursors cannot be forged or edited)": "adapters.http.cursors.*",
    "HTTP Basic: each configured pair only, compared in constant time, hashes verified": "adapters.credentials.basic.*",
    "bearer: a live token of a configured bearer credential only": "adapters.credentials.bearer.*",
    "tokens: random, kept as digests, refused when malformed, expired or revoked": "domain.credentials.tokens.*",
    "failed authentication is throttled past the limit, per address": "domain.credentials.throttle.*",
    "OAuth: exact https redirect URIs, single-use codes, client-bound tokens, rotation within grace":
        "domain.credentials.oauth.*",
    "passwords hashed at rest with argon2id": "adapters.system.xǁArgon2Hasherǁ*",
    "a new password is stored hashed (POST)": "domain.provisioning.users.xǁProvisionUserǁ__call__*",
    "a changed password is stored hashed (PUT)": "domain.provisioning.users.xǁReplaceUserǁ_new_hash*",
    "a patched password is stored hashed (PATCH)": "domain.provisioning.users.xǁPatchUserǁ_*_beside*",
    "the member-change cap is checked before anything is written":
        "domain.provisioning.membership.x_check_member_changes*",
    "absolute URLs: only valid forwarded values, or the configured public URL": "adapters.http.proxy.*",
}
SECURITY_MODULES = ["adapters/http/cursors.py", "adapters/http/proxy.py", "adapters/credentials/*", "adapters/system.py",
                    "domain/credentials/*", "domain/provisioning/users.py", "domain/provisioning/membership.py"]
SECURITY_TESTS = ["tests/unit/test_cursors.py", "tests/unit/test_credentials.py",
                  "tests/unit/test_tokens.py", "tests/unit/test_throttle.py", "tests/unit/test_oauth_rules.py",
                  "tests/unit/test_oauth_edges.py",
                  "tests/unit/test_user_use_cases.py", "tests/unit/test_patch_use_case.py",
                  "tests/unit/test_group_use_cases.py", "tests/unit/test_proxy.py"]

_LINE = re.compile(r"^\s+(\S+): (.+)$")
_MODULE = re.compile(r"^(.*?)\.x[_ǁ]")


def run_mutmut(cwd: Path, names: list[str]) -> dict[str, str]:
    """Run mutmut in `cwd` and return each mutant's status (killed, survived, no tests, ...)."""
    shutil.rmtree(cwd / "mutants", ignore_errors=True)
    subprocess.run([str(MUTMUT), "run", "--max-children", "2", *names], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL)
    return results(cwd)


def results(cwd: Path) -> dict[str, str]:
    out = subprocess.run([str(MUTMUT), "results", "--all", "true"], cwd=cwd, check=True,
                         capture_output=True, text=True).stdout
    return {m[1]: m[2] for m in map(_LINE.match, out.splitlines()) if m}


def report(statuses: dict[str, str]) -> str:
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for name, status in statuses.items():
        module = m[1] if (m := _MODULE.match(name)) else name
        by_module[module][status] += 1
    columns = ["killed", "survived", "no tests", "timeout"]
    lines = ["| module | mutants | " + " | ".join(columns) + " | other | killed % |",
             "| --- | ---: | " + " | ".join("---:" for _ in columns) + " | ---: | ---: |"]

    def row(label: str, c: Counter[str]) -> str:
        total = sum(c.values())
        other = total - sum(c[k] for k in columns)
        cells = " | ".join(str(c[k]) for k in columns)
        return f"| {label} | {total} | {cells} | {other} | {100 * c['killed'] / total:.1f} |"

    for module in sorted(by_module):
        lines.append(row(module, by_module[module]))
    for prefix in ("domain", "adapters"):
        part = sum((c for m, c in by_module.items() if m.startswith(prefix + ".")), Counter())
        if part:
            lines.append(row(f"**{prefix}/**", part))
    lines.append(row("**all**", sum(by_module.values(), Counter())))
    return "\n".join(lines)


def not_killed(statuses: dict[str, str]) -> list[str]:
    return sorted(n for n, s in statuses.items() if s not in ("killed", "caught by type check"))


def explained() -> tuple[set[str], list[str]]:
    """Mutant names docs/testing.md lists (as `name`) among the reviewed survivors, and the
    patterns (`name*`) it lists there for whole functions (the import-time ones)."""
    text = (ROOT / "docs" / "testing.md").read_text().partition("### Reviewed survivors")[2]
    return (set(re.findall(r"`([\w.ǁ]+__mutmut_\d+)`", text)),
            re.findall(r"`([\w.ǁ]+\*)`", text))


def is_explained(name: str, reviewed: tuple[set[str], list[str]]) -> bool:
    names, patterns = reviewed
    return name in names or any(_matches(name, p) for p in patterns)


def full() -> int:
    statuses = run_mutmut(ROOT, [])
    return show(statuses)


def show(statuses: dict[str, str]) -> int:
    print(report(statuses))
    reviewed = explained()
    unexplained = [n for n in not_killed(statuses) if not is_explained(n, reviewed)]
    print(f"\n{len(unexplained)} survivor(s) not reviewed in docs/testing.md:")
    for name in unexplained:
        print(f"  {name}: {statuses[name]}")
    return 0


def security() -> int:
    with tempfile.TemporaryDirectory(prefix="scim-mutation-") as tmp:
        work = Path(tmp)
        tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                                 capture_output=True).stdout.decode().split("\0")
        for rel in filter(None, tracked):
            if (ROOT / rel).is_file():
                (work / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / rel, work / rel)
        _narrow_config(work / "pyproject.toml")
        statuses = run_mutmut(work, list(SECURITY_RULES.values()))
        chosen = {n: s for n, s in statuses.items() if _is_security(n)}
        print(report(chosen))
        failed = 0
        for rule, pattern in SECURITY_RULES.items():
            names = [n for n in chosen if _matches(n, pattern)]
            alive = not_killed({n: chosen[n] for n in names})
            verdict = "ok" if names and not alive else "FAILED"
            print(f"{verdict}: {rule}: {len(names) - len(alive)}/{len(names)} mutants killed")
            for name in alive[:20]:
                print(f"    {name}: {chosen[name]}")
                print(_diff(work, name))
            failed += verdict != "ok"
    return 1 if failed else 0


def _diff(cwd: Path, name: str) -> str:
    shown = subprocess.run([str(MUTMUT), "show", name], cwd=cwd, capture_output=True, text=True).stdout
    lines = [line for line in shown.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    return "\n".join("        " + line for line in lines)


def _narrow_config(pyproject: Path) -> None:
    config = tomllib.loads(pyproject.read_text())["tool"]["mutmut"]
    config["only_mutate"] = SECURITY_MODULES
    config["pytest_add_cli_args_test_selection"] = SECURITY_TESTS
    text = pyproject.read_text()
    start = text.index("[tool.mutmut]")
    end = text.find("\n[", start + 1)
    body = "[tool.mutmut]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in config.items())
    pyproject.write_text(text[:start] + body + (text[end:] if end != -1 else ""))


def _toml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def _matches(name: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(name, pattern)


def _is_security(name: str) -> bool:
    return any(_matches(name, p) for p in SECURITY_RULES.values())


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else "full"
    if mode == "full":
        return full()
    if mode == "security":
        return security()
    if mode == "report":
        return show(results(ROOT))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
