"""Gunicorn settings for scim-service; `scim-service serve` flags and gunicorn's own flags win."""

import os

# wsgi.py sits beside this file: importable whatever the working directory.
pythonpath = os.path.dirname(os.path.abspath(__file__))
bind = os.environ.get("SCIM_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = 2
threads = 4
# No preload: each worker builds its own app, engine and pool after the fork. Nothing connects to
# the database before forking, so no post_fork hook is needed to reset inherited connections.
preload_app = False
# Trust no X-Forwarded-* here; werkzeug's ProxyFix, sized by server.trusted_proxies, is the only
# place that does.
forwarded_allow_ips = ""
accesslog = "-"
# The longest request line gunicorn takes (its maximum; the default is 4094): a filter near the
# parser's 4096-character limit, percent-encoded, fits when it is mostly ASCII. Longer ones are
# gunicorn's plain 400 before the app; they belong in POST /Users/.search (README).
limit_request_line = 8190
# gunicorn >= 25 opens a control socket at one fixed path per user; two instances (a dev server and
# the e2e tier) would take it from each other, and nothing here uses gunicornc. Older versions
# ignore the name.
control_socket_disable = True


def on_starting(server):  # noqa: ARG001 - gunicorn's hook signature
    """Check the configuration and the schema revision once, in the master, before any worker
    forks: a mistake is then one line and exit status 4, not one report per worker."""
    from app import preflight

    message = preflight()
    if message:
        print(message, file=__import__("sys").stderr, flush=True)
        os._exit(4)  # gunicorn's APP_LOAD_ERROR; _exit: the arbiter has nothing to clean up yet
    _metrics_files(server)


# ---- metrics (adapters/http/metrics.py): prometheus_client's multiprocess mode -------------------


def _metrics_files(server):
    """With metrics.enabled, the directory every worker writes its figures to, emptied (figures
    of an earlier run would be summed with this one's). Set before any worker, or this master,
    imports prometheus_client: it picks its storage at import."""
    import shutil
    import tempfile

    from app.settings import load_settings

    m = load_settings().metrics
    if not m.enabled:
        return
    if m.multiproc_dir:
        shutil.rmtree(m.multiproc_dir, ignore_errors=True)
        os.makedirs(m.multiproc_dir, mode=0o700)
        path = m.multiproc_dir
    else:
        path = server._scim_metrics_tmp = tempfile.mkdtemp(prefix="scim-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    server._scim_metrics_bind = m.bind


def when_ready(server):
    """metrics.bind: the summed figures of every worker, served by this master on that address."""
    bind = getattr(server, "_scim_metrics_bind", None)
    if bind is None:
        return
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    host, _, port = bind.rpartition(":")
    start_http_server(int(port), addr=host.strip("[]"), registry=registry)
    server.log.info("metrics served on http://%s/metrics", bind)


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    """A worker gone: its counters stay in the sums, its live gauges (none yet) go."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """The temporary metrics directory, removed with the master."""
    tmp = getattr(server, "_scim_metrics_tmp", None)
    if tmp:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
