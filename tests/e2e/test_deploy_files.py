"""The shipped deploy files are what they claim: deploy/scim-service.service passes
`systemd-analyze verify` (paths pointed at this checkout), and gunicorn under it sends systemd the
READY=1 its Type=notify waits for; deploy/nginx.conf passes `nginx -t` (tests/e2e/test_nginx.py
runs it)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.harness import ROOT, clean_env, db_upgrade, free_port, gunicorn_argv, write_config
from tests.e2e.nginx import NGINX, main_config, site_config

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("name", ["scim-service.service", "scim-events.service"])
def test_the_systemd_unit_verifies(tmp_path: Path, name: str) -> None:
    venv_bin = str(Path(sys.executable).parent)
    text = (ROOT / "deploy" / name).read_text(encoding="utf-8").replace("/opt/scim-service/.venv/bin", venv_bin)
    text = text.replace("/opt/scim-service", str(ROOT))
    unit = tmp_path / name
    unit.write_text(text, encoding="utf-8")
    analyze = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr and "not executable" not in result.stderr, result.stderr


def test_gunicorn_tells_systemd_it_is_ready(tmp_path: Path) -> None:
    """Type=notify: systemd passes NOTIFY_SOCKET; gunicorn's arbiter sends READY=1 once booted."""
    config = write_config(tmp_path / "config.yaml", f"sqlite:///{tmp_path / 'scim.db'}", "notify-password-1")
    db_upgrade(config)
    path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(path)
        listener.settimeout(30)
        env = clean_env(SCIM_CONFIG=str(config), SCIM_BIND=f"127.0.0.1:{free_port()}", NOTIFY_SOCKET=path)
        proc = subprocess.Popen(gunicorn_argv(), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            message = listener.recv(4096).decode()
        finally:  # quick shutdown (workers may still be booting); what matters here is the message
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
    assert "READY=1" in message


def test_the_nginx_config_passes_nginx_t(tmp_path: Path) -> None:
    site = tmp_path / "scim-service.conf"
    site.write_text(site_config(8000, free_port()), encoding="utf-8")
    conf = tmp_path / "nginx.conf"
    conf.write_text(main_config(tmp_path, site), encoding="utf-8")
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True,
                            timeout=60, env={**os.environ})
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr
