"""What gunicorn hands the app from bytes no HTTP client library would send: a malformed chunked
body is the app's SCIM 400 invalidSyntax (gunicorn raises its parse error from inside the body
read), a body that ends before its Content-Length writes nothing; headers past gunicorn's limits
are answered by gunicorn itself (431, plain HTML: the app never sees them; README, "What only the
proxy can answer")."""

from __future__ import annotations

import base64
import json
import socket

import pytest

from tests.e2e.harness import USERNAME, LiveServer

pytestmark = pytest.mark.e2e


def exchange(server: LiveServer, head: str, body: bytes = b"", half_close: bool = False) -> bytes:
    """Send exact bytes and read the answer until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + body)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def post_head(server: LiveServer, *headers: str) -> str:
    token = base64.b64encode(f"{USERNAME}:{server.password}".encode()).decode()
    lines = ["POST /scim/v2/Users HTTP/1.1", "Host: 127.0.0.1", f"Authorization: Basic {token}",
             "Content-Type: application/scim+json", "Connection: close", *headers]
    return "\n".join(lines) + "\n\n"


def status_and_body(answer: bytes) -> tuple[int, bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def user_count(server: LiveServer) -> int:
    with server.client() as http:
        return int(http.get("Users", params={"count": 0}).json()["totalResults"])


USER = b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "chunky"}'


@pytest.mark.parametrize("body", [
    b"zz\r\n" + USER + b"\r\n0\r\n\r\n",                        # a chunk size that is not hex
    b"%x\r\n" % len(USER) + USER + b"XX0\r\n\r\n",              # a chunk without its CRLF
    b"%x;" % len(USER) + b"\x01\r\n" + USER + b"\r\n0\r\n\r\n",  # a control character in an extension
], ids=["size", "terminator", "extension"])
def test_a_malformed_chunked_body_is_a_scim_400_and_writes_nothing(live_server: LiveServer, body: bytes) -> None:
    before = user_count(live_server)
    status, payload = status_and_body(exchange(live_server, post_head(live_server, "Transfer-Encoding: chunked"),
                                               body))
    assert status == 400, payload
    error = json.loads(payload)
    assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert error["scimType"] == "invalidSyntax" and error["status"] == "400"
    assert user_count(live_server) == before


def test_a_body_shorter_than_its_content_length_writes_nothing(live_server: LiveServer) -> None:
    before = user_count(live_server)
    head = post_head(live_server, f"Content-Length: {len(USER) + 40}")
    status, payload = status_and_body(exchange(live_server, head, USER, half_close=True))
    assert status == 400 and b"ended after" in payload
    assert user_count(live_server) == before


def test_a_well_formed_chunked_body_is_read(live_server: LiveServer) -> None:
    body = b"%x\r\n" % 10 + USER[:10] + b"\r\n" + b"%x\r\n" % (len(USER) - 10) + USER[10:] + b"\r\n0\r\n\r\n"
    status, payload = status_and_body(exchange(live_server, post_head(live_server, "Transfer-Encoding: chunked"),
                                               body))
    assert status == 201, payload
    with live_server.client() as http:
        assert http.delete(f"Users/{json.loads(payload)['id']}").status_code == 204


@pytest.mark.parametrize("headers", [f"X-Big: {'a' * 9000}", "\n".join(f"X-Many-{i}: v" for i in range(101))],
                         ids=["one-8k-header", "101-headers"])
def test_headers_past_gunicorns_limits_are_its_own_431(live_server: LiveServer, headers: str) -> None:
    answer = exchange(live_server, f"GET /scim/v2/Users HTTP/1.1\nHost: 127.0.0.1\n{headers}\nConnection: close\n\n")
    assert status_and_body(answer)[0] == 431
