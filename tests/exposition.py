"""Reading Prometheus's text exposition format in tests (the /metrics answers)."""

from __future__ import annotations

import re


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name` with exactly these labels (0 when absent)."""
    for line in text.splitlines():
        found = re.fullmatch(rf"{re.escape(name)}(?:\{{(.*)\}})? (\S+)", line)
        if found and dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', found[1] or "")) == labels:
            return float(found[2])
    return 0.0
