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
