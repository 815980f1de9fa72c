"""What a run measured, and its Markdown report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import loadgen
from bench_common import percentile

COLUMNS = ("floor", "sqlite", "postgresql", "peer")
HEADINGS = {"floor": "floor", "sqlite": "service SQLite", "postgresql": "service PostgreSQL",
            "peer": "scim2-server (memory)"}


@dataclass
class Cell:
    """One operation on one target, over all its measured steps."""

    n: int = 0
    cpu: float = 0.0  # seconds of the server's process tree
    db: float = 0.0  # seconds of its PostgreSQL backends
    stat: float = 0.0  # cpu + db again, from /proc/<pid>/stat's utime+stime (10 ms ticks)
    wall: float = 0.0
    client_cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    unexpected: dict[str, int] = field(default_factory=dict)
    wrong: int = 0  # answers with the expected status but the wrong content
    timed_out: bool = False
    notes: list[str] = field(default_factory=list)

    def add(self, result: loadgen.Result, cpu: tuple[float, float],
            db: tuple[float, float]) -> None:
        """`cpu` and `db`: (schedstat, stat) seconds, as servers.used gives them."""
        self.n += result.n
        self.cpu += cpu[0]
        self.db += db[0]
        self.stat += cpu[1] + db[1]
        self.wall += result.wall
        self.client_cpu += result.client_cpu
        self.latencies += result.latencies
        for key, count in result.unexpected.items():
            self.unexpected[key] = self.unexpected.get(key, 0) + count
        self.timed_out = self.timed_out or result.timed_out

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    @property
    def errors(self) -> int:
        return sum(self.unexpected.values())

    @property
    def failed(self) -> bool:
        """Mostly errors: the figure says nothing about the operation."""
        return self.n == 0 or self.errors * 2 > self.n

    @property
    def ms(self) -> float:
        return (self.cpu + self.db) * 1000 / self.n if self.n else float("nan")

    @property
    def stat_ms(self) -> float:
        return self.stat * 1000 / self.n if self.n else float("nan")

    @property
    def db_ms(self) -> float:
        return self.db * 1000 / self.n if self.n else float("nan")

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000 if self.latencies else float("nan")

    @property
    def rate(self) -> float:
        return self.n / self.wall if self.wall else float("nan")

    @property
    def client_busy(self) -> float:
        return self.client_cpu / self.wall if self.wall else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "cpu_ms_per_op": self.ms, "db_ms_per_op": self.db_ms,
                "stat_cpu_ms_per_op": self.stat_ms, "cpu_s": self.cpu, "db_s": self.db,
                "p50_ms": self.p(50), "p95_ms": self.p(95), "req_per_s": self.rate,
                "client_busy": self.client_busy, "unexpected": self.unexpected,
                "wrong": self.wrong, "timed_out": self.timed_out, "notes": self.notes}


@dataclass
class Op:
    label: str
    section: str
    cells: dict[str, Cell] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # target -> why


@dataclass
class Results:
    header: list[str] = field(default_factory=list)
    ops: dict[str, Op] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)  # the targets of this run, in COLUMNS order
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    races: dict[str, dict[str, Any]] = field(default_factory=dict)
    rss: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    seeding: list[str] = field(default_factory=list)
    growth: list[tuple[str, str, dict[str, float]]] = field(default_factory=list)

    def cell(self, label: str, section: str, target: str) -> Cell:
        op = self.ops.setdefault(label, Op(label, section))
        return op.cells.setdefault(target, Cell())

    def skip(self, label: str, section: str, target: str, why: str) -> None:
        op = self.ops.setdefault(label, Op(label, section))
        op.skipped[target] = why

    def get(self, label: str, target: str) -> Cell | None:
        op = self.ops.get(label)
        cell = op.cells.get(target) if op else None
        return cell if cell is not None and not cell.failed else None

    # -- rendering -------------------------------------------------------------------------------

    def markdown(self) -> str:
        out = list(self.header)
        out += ["", "## Server CPU per operation", "",
                "Milliseconds of server CPU per request: the server's whole process tree (gunicorn "
                "master and workers; on PostgreSQL plus the backends serving it, the `db` part), "
                "from /proc before and after each step; in brackets the ratio to the floor, "
                "measured in the same run.", ""]
        cols = [c for c in COLUMNS if c in self.columns]
        versus = "sqlite" in cols and "peer" in cols
        head = ["operation", *(HEADINGS[c] for c in cols)]
        if versus:
            head.append("SQLite / peer")
        out += [_row(head), _row(["---"] * len(head))]
        section = None
        for op in self.ops.values():
            if op.section != section:
                section = op.section
                out.append(_row([f"**{section}**", *[""] * (len(head) - 1)]))
            floor = op.cells.get("floor")
            cells = [self._cell(op, c, floor) for c in cols]
            row = [op.label, *cells]
            if versus:
                s, p = op.cells.get("sqlite"), op.cells.get("peer")
                row.append(f"x{s.ms / p.ms:.2f}" if s and p and not s.failed and not p.failed
                           and p.ms > 0 else "")
            out.append(_row(row))
        out += self._growth()
        out += self._wall(cols)
        out += self._races(cols)
        out += self._rss(cols)
        out += self._skips()
        out += self._problems()
        return "\n".join(out) + "\n"

    def _cell(self, op: Op, col: str, floor: Cell | None) -> str:
        if col in op.skipped:
            return "skipped"
        cell = op.cells.get(col)
        if cell is None:
            return ""
        if cell.failed:
            if cell.n == 0:
                return "timed out" if cell.timed_out else "no answer"
            return "failed: " + _statuses(cell.unexpected)
        text = _num(cell.ms)
        parts = []
        if col != "floor" and floor is not None and not floor.failed and floor.ms > 0:
            parts.append(f"x{cell.ms / floor.ms:.1f}")
        if cell.db:
            parts.append(f"db {_num(cell.db_ms)}")
        if parts:
            text += f" ({'; '.join(parts)})"
        extra = list(cell.notes)
        if cell.errors:
            extra.append(_statuses(cell.unexpected))
        if cell.wrong:
            extra.append(f"{cell.wrong} wrong answers")
        if cell.timed_out:
            extra.append("timed out")
        if extra:
            text += " " + "; ".join(extra)
        return text

    def _growth(self) -> list[str]:
        if not self.growth:
            return []
        cols = [c for c in COLUMNS if c in self.columns and c != "floor"]
        out = ["", "## Growth", "", "Ratios of server CPU per operation within each target "
               "(1.0: no growth); the last rows are per member, in microseconds.", "",
               _row(["measure", *(HEADINGS[c] for c in cols)]), _row(["---"] * (len(cols) + 1))]
        for label, unit, values in self.growth:
            cells = []
            for c in cols:
                v = values.get(c)
                cells.append("" if v is None else (f"x{v:.2f}" if unit == "x" else f"{v:.2f} µs"))
            out.append(_row([label, *cells]))
        return out

    def _wall(self, cols: list[str]) -> list[str]:
        out = ["", "## Wall clock", "", "Server CPU per request again, and as /proc/<pid>/stat's "
               "utime+stime count it (10 ms ticks: coarse on short steps); latency percentiles "
               "(ms) at the step's concurrency; throughput; how busy the load generator's core "
               "was.", "",
               _row(["operation", "target", "n", "CPU ms/op", "(stat)", "p50 ms", "p95 ms",
                     "req/s", "generator busy", "unexpected"]),
               _row(["---"] * 10)]
        for op in self.ops.values():
            for c in cols:
                cell = op.cells.get(c)
                if cell is None or cell.n == 0:
                    continue
                out.append(_row([op.label, HEADINGS[c], str(cell.n), _num(cell.ms),
                                 _num(cell.stat_ms), _num(cell.p(50)), _num(cell.p(95)), _num(cell.rate),
                                 f"{cell.client_busy:.0%}", _statuses(cell.unexpected)]))
        return out

    def _races(self, cols: list[str]) -> list[str]:
        if not self.races:
            return []
        out = ["", "## Races", "", "16 clients POST the same userName at once, name after "
               "name; afterwards `filter=userName eq` counts the users each name has "
               "(duplicates must be 0).", "",
               _row(["target", "names", "POSTs", "201", "409", "other answers", "names with "
                     "≠ 1 user", "duplicates"]), _row(["---"] * 8)]
        for c in cols:
            race = self.races.get(c)
            if race is None:
                continue
            out.append(_row([HEADINGS[c], str(race["names"]), str(race["posts"]),
                             str(race["created"]), str(race["conflicts"]),
                             _statuses(race["other"]) or "0", str(race["bad_names"]),
                             str(race["duplicates"])]))
        return out

    def _rss(self, cols: list[str]) -> list[str]:
        if not self.rss:
            return []
        out = ["", "## Peak RSS per worker", "", "VmHWM of each worker process at the end of the "
               "run (the peak through the whole run).", "",
               _row(["target", "workers", "peak RSS per worker (MB)", "worker restarts"]),
               _row(["---"] * 4)]
        for c in cols:
            rss = self.rss.get(c)
            if rss is None:
                continue
            peaks = ", ".join(f"{kb / 1024:.0f}" for kb in rss["peaks_kb"]) or "?"
            out.append(_row([HEADINGS[c], str(rss["workers"]), peaks, str(rss["restarts"])]))
        return out

    def _skips(self) -> list[str]:
        """One line per reason: the run's own skips, then per target the operations skipped
        (their size suffix dropped: the same operation at every size is one entry)."""
        lines = [f"- {what}: {why}" for what, why in self.skipped]
        by_reason: dict[tuple[str, str], list[str]] = {}
        for op in self.ops.values():
            for target, why in op.skipped.items():
                names = by_reason.setdefault((target, why), [])
                name = op.label.split(" @")[0]
                if name not in names:
                    names.append(name)
        for (target, why), names in by_reason.items():
            lines.append(f"- {HEADINGS[target]}: {'; '.join(names)}: {why}")
        return ["", "## Skipped", "", *lines] if lines else []

    def _problems(self) -> list[str]:
        out = []
        for name, lines in self.problems.items():
            if lines:
                out.append(f"- {name}: {len(lines)} error-log lines, e.g. `{lines[0][:200]}`")
        return (["", "## Server error logs", "", *out]) if out else []

    def to_json(self) -> str:
        return json.dumps({
            "header": self.header,
            "ops": {label: {"section": op.section, "skipped": op.skipped,
                            "cells": {k: c.to_json() for k, c in op.cells.items()}}
                    for label, op in self.ops.items()},
            "races": self.races, "rss": self.rss, "skipped": self.skipped,
            "problems": self.problems, "growth": self.growth, "seeding": self.seeding,
        }, indent=1, default=str)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _num(v: float) -> str:
    if v != v:  # nan
        return "—"
    if v < 10:
        return f"{v:.2f}"
    if v < 100:
        return f"{v:.1f}"
    return f"{v:.0f}"


def _statuses(unexpected: dict[str, int]) -> str:
    return ", ".join(f"{k}×{v}" for k, v in sorted(unexpected.items()))
