"""Unit-tier fixtures: no SCIM_* variable from the developer's shell reaches a test, and `run`
calls the `scim-service` command in-process, returning (status, stdout, stderr)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from app import cli


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SCIM_* from the developer's shell; monkeypatch restores SCIM_CONFIG, which main() sets."""
    for name in [n for n in os.environ if n.startswith("SCIM_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("SCIM_CONFIG", raising=False)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    def _run(path: str, *argv: str) -> tuple[int, str, str]:
        status = cli.main(["--config", path, *argv])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return _run
