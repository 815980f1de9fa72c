"""/healthz and /readyz (adapters/http/health.py): outside /scim/v2, open, never cached; readiness
follows the database: reachable and at the schema's head revision, else 503 with the reason."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from tests.conftest import make_settings
from tests.http.conftest import sqlite_url


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_the_probes_answer_without_credentials_and_are_not_cached(api, path):
    resp = api.raw.get(path)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["status"] in ("ok", "ready") and resp.headers["Cache-Control"] == "no-store"
    assert api.raw.head(path).status_code == 200


def test_the_probes_answer_with_the_scim_api_disabled(make_client):
    client = make_client(make_settings("memory://", enabled=False))
    assert client.raw.get("/readyz").status_code == 200
    assert client.raw.get("/scim/v2/Users").status_code == 404


def test_readiness_follows_the_schema_revision_and_says_what_to_run(make_client, tmp_path):
    url = sqlite_url(tmp_path)
    client = make_client(make_settings(url))
    assert client.raw.get("/readyz").json == {"status": "ready"}
    with closing(sqlite3.connect(tmp_path / "scim.db")) as db, db:
        db.execute("UPDATE alembic_version SET version_num = 'elsewhere'")
    resp = client.raw.get("/readyz")
    assert resp.status_code == 503 and resp.json["status"] == "unavailable"
    assert "scim-service db upgrade" in resp.json["detail"]
    assert client.raw.get("/healthz").status_code == 200  # alive all the same


def test_an_unreachable_database_is_not_ready_and_the_reason_names_no_url(make_client, tmp_path):
    url = sqlite_url(tmp_path)
    client = make_client(make_settings(url))
    client.app.extensions["container"].engine().dispose()  # no pooled connection to the old file
    (tmp_path / "scim.db").unlink()
    (tmp_path / "scim.db").mkdir()  # a directory where the file was: SQLite cannot open it
    resp = client.raw.get("/readyz")
    assert resp.status_code == 503
    assert resp.json["detail"] == "the database is not reachable"
