"""Write a development config.yaml (random password) unless one exists, then print how to connect."""

from __future__ import annotations

import os
import secrets
import sys

from app.settings import ConfigError, load_settings

TEMPLATE = """\
# Development config written by `make run` (git-ignored). See config.example.yaml for every key.
scim:
  auth:
    type: basic
    username: scim
    password: "{password}"
database:
  url: "sqlite:///scim.db"
"""


def main(path: str = "config.yaml") -> int:
    if not os.path.exists(path):
        # O_EXCL: never overwrite; 0600: the file holds a password.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(TEMPLATE.format(password=secrets.token_urlsafe(18)))
        print(f"wrote {path} with a random password")
    try:
        settings = load_settings(path)  # what the server will use, environment overrides included
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"SCIM base URL: http://{os.environ.get('SCIM_BIND', '127.0.0.1:8000')}/scim/v2")
    for cred in settings.scim.auth:
        if cred.type == "bearer":
            print(f"credential {cred.principal}: bearer tokens from `scim-service --config {path} token create {cred.principal}`")
        elif cred.password:
            print(f"credential {cred.principal}: {cred.username} / {cred.password}  (HTTP Basic)")
        else:
            print(f"credential {cred.principal}: {cred.username} / (the password behind password_hash)  (HTTP Basic)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
