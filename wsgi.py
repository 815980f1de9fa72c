"""What gunicorn serves, `wsgi:app`: a startup problem exits 4 with one line, not a traceback."""

from __future__ import annotations

import gc
import sys

from app import create_app


def _startup_errors() -> tuple[type[Exception], ...]:
    """The exceptions that are an operator's mistake; imported only once one has happened."""
    from app.settings import ConfigError

    errors: list[type[Exception]] = [ConfigError]
    try:
        from adapters.sqlalchemy.migrate import SchemaNotCurrent
    except ImportError:  # an install without the SQL adapter still reports config errors
        pass
    else:
        errors.append(SchemaNotCurrent)
    return tuple(errors)


try:
    app = create_app()
except _startup_errors() as exc:  # evaluated only when create_app() raised
    print(str(exc).strip().replace("\n", " "), file=sys.stderr, flush=True)
    # gunicorn's APP_LOAD_ERROR: the master stops instead of respawning a worker that cannot start.
    sys.exit(4)

# What the worker built to serve (modules, the app, its schema and statements) lives as long as
# the worker: out of the collector's sight, a full collection, which a big response's many
# short-lived objects set off, no longer walks all of it.
gc.collect()
gc.freeze()
