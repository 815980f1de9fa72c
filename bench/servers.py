"""The servers under test: processes pinned to one core, their CPU time and memory from /proc.

A Server is a process tree (a gunicorn master and its workers, or one process) started under
`taskset -c CORE`, stdout to /dev/null (the access log), stderr to a file in the run's temp dir.
CPU time is utime+stime of /proc/<pid>/stat summed over the master and every live child, read
before and after each step; PostgreSQL targets add the backends serving the bench database
(pinned to the same core when first seen), reported apart as `db`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without SCIM_* (each would override a generated config)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCIM_")}
    env.update(extra)
    return env


# ---- /proc ------------------------------------------------------------------------------------


def cpu_times(pid: int) -> tuple[int, int] | None:
    """CPU time of a process so far: (nanoseconds, summed over its threads' schedstat; utime +
    stime of /proc/<pid>/stat, in clock ticks). None once it is gone.

    Both are the kernel's one count of time on CPU (sum_exec_runtime); stat reports it in ticks
    of 1/CLK_TCK s (10 ms), too coarse for a step of a few hundred milliseconds, schedstat in ns.
    A thread that exits takes its schedstat with it while stat keeps it: the workers' threads
    live as long as the worker, and the two are compared in the report."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        ns = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as f:
                    ns += int(f.read().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                pass  # a thread that ended since the listing
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = data[data.rindex(b")") + 2:].split()  # fields[0] is field 3 (state)
    return ns, int(fields[11]) + int(fields[12])  # fields 14 and 15: utime, stime


def children(pid: int) -> list[int]:
    """Direct children of a process."""
    found: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found += [int(c) for c in f.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return found


def status_kb(pid: int, key: str) -> int | None:
    """A kB figure of /proc/<pid>/status (VmHWM: peak resident set, VmRSS: now)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


Snapshot = dict[int, tuple[int, int]]  # pid -> (ns, ticks)


def snapshot(pids: Sequence[int]) -> Snapshot:
    snap = {}
    for pid in pids:
        times = cpu_times(pid)
        if times is not None:
            snap[pid] = times
    return snap


def used(before: Snapshot, after: Snapshot) -> tuple[float, float]:
    """CPU seconds between two snapshots (from schedstat, from stat); a process born in between
    counts from zero (one that died in between is lost: worker restarts are reported)."""
    ns = sum(t[0] - before.get(pid, (0, 0))[0] for pid, t in after.items())
    ticks = sum(t[1] - before.get(pid, (0, 0))[1] for pid, t in after.items())
    return ns / 1e9, ticks / CLK_TCK


# ---- processes --------------------------------------------------------------------------------


@dataclass
class Server:
    """A server process tree pinned to `core`. `extra_pids`, when given, lists more processes
    whose CPU belongs to this server (PostgreSQL backends), counted apart as `db`."""

    name: str
    argv: Sequence[str]
    port: int
    workdir: Path
    env: dict[str, str]
    cwd: Path = ROOT
    core: int | None = 0
    extra_pids: Callable[[], list[int]] | None = None
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    seen_workers: set[int] = field(default_factory=set)
    peak_kb: dict[int, int] = field(default_factory=dict)  # worker pid -> VmHWM seen last

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.err"

    def start(self) -> Server:
        argv = list(self.argv)
        if self.core is not None:
            argv = ["taskset", "-c", str(self.core), *argv]
        with open(self.log_path, "wb") as err:
            self.proc = subprocess.Popen(
                argv, cwd=self.cwd, env=self.env, stdout=subprocess.DEVNULL, stderr=err,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        return self

    def wait_ready(self, probe: Callable[[], bool], expected_workers: int) -> None:
        """Until `probe()` is true and the master has its workers (or the process died)."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with status {self.proc.returncode}:\n"
                                   + self.log_tail())
            if len(self.workers()) >= expected_workers and _safe(probe):
                self.seen_workers = set(self.workers())
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start in {STARTUP_TIMEOUT:.0f} s:\n"
                           + self.log_tail())

    def workers(self) -> list[int]:
        assert self.proc is not None
        return children(self.proc.pid)

    def server_pids(self) -> list[int]:
        assert self.proc is not None
        return [self.proc.pid, *self.workers()]

    def db_pids(self) -> list[int]:
        if self.extra_pids is None:
            return []
        pids = self.extra_pids()
        if self.core is not None:
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.sched_setaffinity(pid, {self.core})
        return pids

    def sample(self) -> tuple[Snapshot, Snapshot]:
        """(server processes, database processes) CPU ticks now."""
        workers = self.workers()
        self.seen_workers.update(workers)
        for pid in workers:
            kb = status_kb(pid, "VmHWM")
            if kb is not None:
                self.peak_kb[pid] = kb
        assert self.proc is not None
        return snapshot([self.proc.pid, *workers]), snapshot(self.db_pids())

    def restarts(self) -> int:
        """Workers that came and went beyond the first set (a crashed or killed worker)."""
        return max(0, len(self.seen_workers) - len(self.workers()))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def problems(self) -> list[str]:
        """Error-log lines worth a look: tracebacks, [ERROR], a locked SQLite database."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        marks = ("Traceback", "[ERROR]", "database is locked", "[CRITICAL]", "WORKER TIMEOUT")
        return [line for line in text.splitlines() if any(m in line for m in marks)]

    def stop(self) -> None:
        """SIGTERM to the process group (gunicorn's graceful stop), then SIGKILL."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT)


def _safe(probe: Callable[[], bool]) -> bool:
    try:
        return probe()
    except OSError:
        return False


def http_probe(port: int, path: str, authorization: str | None = None) -> Callable[[], bool]:
    """A blocking GET that is true on any HTTP answer below 500."""

    def probe() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            if authorization:
                head += f"Authorization: {authorization}\r\n"
            s.sendall((head + "\r\n").encode())
            first = s.recv(64)
        parts = first.split(b" ", 2)
        return len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < 500

    return probe


def gunicorn_argv(python: str, config: Path, app: str, port: int, *extra: str) -> list[str]:
    return [python, "-m", "gunicorn", "-c", str(config), "--bind", f"127.0.0.1:{port}",
            *extra, app]
