"""Real nginx (Debian's /usr/sbin/nginx) in front of a live gunicorn: deploy/nginx.conf as
shipped, with only its listen address and upstream port changed, inside a minimal main config
of the test's own (pid, logs and temporary files in the test's directory)."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import ROOT, Process, clean_env, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SHIPPED = ROOT / "deploy" / "nginx.conf"


def site_config(upstream_port: int, listen_port: int, shipped: str | None = None) -> str:
    """deploy/nginx.conf listening on 127.0.0.1:`listen_port`, proxying to `upstream_port`."""
    text = shipped if shipped is not None else SHIPPED.read_text(encoding="utf-8")
    text, upstreams = re.subn(r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{upstream_port};", text)
    text, listens = re.subn(r"^(\s*)listen 80;", rf"\g<1>listen 127.0.0.1:{listen_port};", text, flags=re.M)
    assert (upstreams, listens) == (1, 1), "deploy/nginx.conf no longer has the lines the test replaces"
    return text


def main_config(workdir: Path, site: Path) -> str:
    temp = {name: workdir / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers then write the temp dirs the test made
    return (f"{user}worker_processes 1;\npid {workdir / 'nginx.pid'};\nerror_log {workdir / 'error.log'} info;\n"
            "events { worker_connections 1024; }\n"
            f"http {{\n  access_log {workdir / 'access.log'};\n"
            f"  client_body_temp_path {temp['body']};\n  proxy_temp_path {temp['proxy']};\n"
            f"  fastcgi_temp_path {temp['fastcgi']};\n  uwsgi_temp_path {temp['uwsgi']};\n"
            f"  scgi_temp_path {temp['scgi']};\n  include {site};\n}}\n")


@dataclass
class Nginx:
    port: int
    process: Process
    workdir: Path

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def access_log(self) -> str:
        return (self.workdir / "access.log").read_text(encoding="utf-8", errors="replace")

    def error_log(self) -> str:
        return (self.workdir / "error.log").read_text(encoding="utf-8", errors="replace")


def start_nginx(workdir: Path, upstream_port: int, edit: Callable[[str], str] | None = None) -> Nginx:
    """nginx in the foreground (`daemon off`), serving the shipped config (after `edit`, if any)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    site_path = workdir / "scim-service.conf"
    site = site_config(upstream_port, port)
    site_path.write_text(edit(site) if edit else site, encoding="utf-8")
    conf = workdir / "nginx.conf"
    conf.write_text(main_config(workdir, site_path), encoding="utf-8")
    argv = [NGINX, "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"]
    process = Process(argv, clean_env(), workdir, "nginx").start()
    server = Nginx(port, process, workdir)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.proc is not None and process.proc.poll() is not None:
            pytest.fail(f"nginx exited: {process.stderr()}\n{server.error_log() if (workdir / 'error.log').exists() else ''}")
        try:
            httpx.get(server.origin + "/scim/v2/ServiceProviderConfig", timeout=2.0)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    process.stop()
    pytest.fail("nginx did not start within 15 s")
