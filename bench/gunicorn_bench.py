"""gunicorn settings for the floor and the peer: the service's own gunicorn.conf.py, less its
startup hook (it checks the service's configuration and schema) and its Python path.

    gunicorn -c bench/gunicorn_bench.py floor:app

The settings are read from gunicorn.conf.py at start, so the floor, the peer and the service always
run under the same worker class, workers, threads, access log and the rest.
"""

import os
import runpy

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SERVICE = runpy.run_path(os.path.join(_ROOT, "gunicorn.conf.py"))
_NOT_COPIED = {"on_starting", "pythonpath", "bind", "os"}

globals().update({k: v for k, v in _SERVICE.items()
                  if not k.startswith("_") and k not in _NOT_COPIED and not callable(v)})
pythonpath = os.path.dirname(os.path.abspath(__file__))
