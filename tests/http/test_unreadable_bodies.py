"""A body the WSGI server cannot read: gunicorn raises its HTTP parse errors (InvalidChunkSize,
ChunkMissingTerminator) from inside the body read, in whatever route reads the body. Under
/scim/v2 that is a 400 invalidSyntax SCIM Error; on the OAuth token endpoint, whose form is read
by werkzeug and authlib, an RFC 6749 invalid_request (it was a 500). Driven here with gunicorn's
own exception on the request stream; tests/e2e/test_raw_http.py sends the bytes to the real
gunicorn."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from gunicorn.http.errors import ChunkMissingTerminator, InvalidChunkSize

from tests.conftest import AUTH
from tests.http.oauth_support import OAuthDeployment

Build = Callable[..., OAuthDeployment]


class Unreadable(io.RawIOBase):
    """A request stream that fails as gunicorn's chunked reader does."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # the test client measures the stream before sending it
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def readinto(self, buffer: object) -> int:
        raise self.error


ERRORS = [InvalidChunkSize(b"zz"), ChunkMissingTerminator(b"XX")]


def send(client: object, path: str, error: Exception, content_type: str, base_url: str = "http://localhost",
         **headers: str) -> object:
    return client.open(path, method="POST", input_stream=Unreadable(error), base_url=base_url,  # type: ignore[attr-defined]
                       headers={"Content-Type": content_type, "Transfer-Encoding": "chunked", **headers},
                       environ_overrides={"wsgi.input_terminated": True})


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_under_scim_it_is_a_400_invalid_syntax(client, error) -> None:
    resp = send(client.raw, "/scim/v2/Users", error, "application/scim+json", **AUTH)
    assert resp.status_code == 400 and resp.json["scimType"] == "invalidSyntax"
    assert "chunked encoding" in resp.json["detail"]


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_on_the_token_endpoint_it_is_an_oauth_invalid_request(oauth: Build, error) -> None:
    d = oauth(client_credentials=True)
    resp = send(d.browser, "/oauth2/token", error, "application/x-www-form-urlencoded", base_url=d.base_url)
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert resp.json["error"] == "invalid_request" and "chunked encoding" in resp.json["error_description"]


def test_any_other_unexpected_error_is_still_a_logged_500(client, monkeypatch, caplog) -> None:
    from adapters.http import requests

    def broken(limits: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(requests, "json_body", broken)
    resp = client.post("/Users", {"userName": "x"})
    assert resp.status_code == 500 and "a bug" not in resp.get_data(as_text=True)
    assert "unhandled error on POST /scim/v2/Users" in [r.getMessage() for r in caplog.records]
