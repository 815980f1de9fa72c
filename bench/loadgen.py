"""A lean HTTP/1.1 load generator: asyncio protocols over loopback keep-alive connections.

No third-party code: one connection per concurrent client, requests written as raw bytes,
responses parsed just enough (status line, Content-Length or chunked bodies, Connection: close).
Every run is bounded both in requests and in seconds; a run that overstays its time is cancelled
and its connections closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

SCIM_JSON = "application/scim+json"
_HEAD_END = b"\r\n\r\n"


class ConnectionClosed(Exception):
    """The server closed the connection before a whole response arrived."""


@dataclass
class Response:
    status: int
    headers: dict[bytes, bytes]
    body: bytes
    latency: float  # seconds, from the write of the request to the last byte of the response

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Request:
    """One request, relative to a target's SCIM base path ("/Users?filter=...")."""

    method: str
    path: str
    body: Any = None  # dict/list (sent as JSON), bytes, or None
    expect: tuple[int, ...] = (200,)
    size: int | None = None  # X-Bench-Size: how many items the floor's fixed answer carries
    on_response: Callable[[Response], None] | None = None


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request in flight at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._buf = bytearray()
        self._waiter: asyncio.Future[Response] | None = None
        self._t0 = 0.0
        self._reset()

    def _reset(self) -> None:
        self._status = 0
        self._headers: dict[bytes, bytes] | None = None
        self._length: int | None = None  # Content-Length; None with chunked or read-to-close
        self._chunked = False
        self._body = bytearray()
        self._pos = 0  # parse position in _buf while reading chunks
        self._close_after = False

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._buf += data
        if self._waiter is not None:
            self._parse()

    def eof_received(self) -> bool:
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if self._headers is not None and self._length is None and not self._chunked:
                self._finish(bytes(self._buf))  # a body delimited by the end of the connection
            else:
                waiter.set_exception(ConnectionClosed("connection closed by the server"))
        self._waiter = None

    # -- requests ------------------------------------------------------------------------------

    def send(self, raw: bytes) -> asyncio.Future[Response]:
        assert self.transport is not None and not self.closed
        loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        self._reset()
        self._t0 = time.perf_counter()
        self.transport.write(raw)
        if self._buf:
            self._parse()
        return self._waiter

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            # a closed event loop (an interrupted run) takes the socket with it
            with contextlib.suppress(RuntimeError):
                self.transport.close()
        self.closed = True

    # -- parsing -------------------------------------------------------------------------------

    def _parse(self) -> None:
        buf = self._buf
        if self._headers is None:
            end = buf.find(_HEAD_END)
            if end < 0:
                return
            lines = bytes(buf[:end]).split(b"\r\n")
            del buf[:end + 4]
            self._status = int(lines[0].split(b" ", 2)[1])
            headers: dict[bytes, bytes] = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            self._headers = headers
            self._close_after = headers.get(b"connection", b"").lower() == b"close"
            if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
                self._chunked = True
            elif b"content-length" in headers:
                self._length = int(headers[b"content-length"])
            elif self._status in (204, 304) or self._status < 200:
                self._length = 0
        if self._chunked:
            self._parse_chunks()
        elif self._length is not None and len(buf) >= self._length:
            body = bytes(buf[:self._length])
            del buf[:self._length]
            self._finish(body)

    def _parse_chunks(self) -> None:
        buf, pos = self._buf, self._pos
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                break
            size = int(bytes(buf[pos:eol]).split(b";", 1)[0], 16)
            if size == 0:
                # no trailers are sent by gunicorn: the last chunk is "0\r\n\r\n"
                if len(buf) < eol + 4:
                    break
                del buf[:eol + 4]
                self._pos = 0
                self._finish(bytes(self._body))
                return
            if len(buf) < eol + 2 + size + 2:
                break
            self._body += buf[eol + 2:eol + 2 + size]
            pos = eol + 2 + size + 2
        if pos:
            del buf[:pos]
        self._pos = 0

    def _finish(self, body: bytes) -> None:
        waiter, self._waiter = self._waiter, None
        assert self._headers is not None
        if waiter is not None and not waiter.done():
            waiter.set_result(Response(self._status, self._headers, body,
                                       time.perf_counter() - self._t0))
        if self._close_after:
            self.close()


@dataclass
class Result:
    """What one run did: the responses (their bodies dropped), and its wall and client CPU."""

    statuses: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds, of the answered requests
    unexpected: dict[str, int] = field(default_factory=dict)  # "503" / "closed" -> count
    wall: float = 0.0
    client_cpu: float = 0.0  # seconds of this process's CPU during the run
    timed_out: bool = False

    @property
    def n(self) -> int:
        return len(self.statuses)

    def merge(self, other: Result) -> None:
        self.statuses += other.statuses
        self.latencies += other.latencies
        for key, count in other.unexpected.items():
            self.unexpected[key] = self.unexpected.get(key, 0) + count
        self.wall += other.wall
        self.client_cpu += other.client_cpu
        self.timed_out = self.timed_out or other.timed_out


class Client:
    """Keep-alive connections to one server, and the raw bytes of its requests."""

    def __init__(self, host: str, port: int, base_path: str, authorization: str | None) -> None:
        self.host, self.port, self.base_path = host, port, base_path
        fixed = [f"Host: {host}:{port}", f"Accept: {SCIM_JSON}"]
        if authorization:
            fixed.append(f"Authorization: {authorization}")
        self._fixed = "\r\n".join(fixed)
        self._connections: list[_Connection | None] = []

    def raw(self, request: Request) -> bytes:
        body = request.body
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
        head = f"{request.method} {self.base_path}{request.path} HTTP/1.1\r\n{self._fixed}\r\n"
        if request.size is not None:
            head += f"X-Bench-Size: {request.size}\r\n"
        if body is not None:
            head += f"Content-Type: {SCIM_JSON}\r\nContent-Length: {len(body)}\r\n"
        return (head + "\r\n").encode() + (body or b"")

    async def connection(self, slot: int) -> _Connection:
        while len(self._connections) <= slot:
            self._connections.append(None)
        conn = self._connections[slot]
        if conn is None or conn.closed:
            loop = asyncio.get_running_loop()
            _, conn = await loop.create_connection(_Connection, self.host, self.port)
            self._connections[slot] = conn
        return conn

    def close(self) -> None:
        for conn in self._connections:
            if conn is not None:
                conn.close()
        self._connections = []

    async def one(self, request: Request, slot: int = 0) -> Response:
        """Send one request and wait for its answer (no bounds: for setup steps)."""
        conn = await self.connection(slot)
        return await conn.send(self.raw(request))

    async def run(self, requests: Iterable[Request], concurrency: int, max_requests: int,
                  max_seconds: float) -> Result:
        """Send `requests` over `concurrency` connections (closed loop: each connection sends its
        next request when the previous one is answered) until the iterator ends, `max_requests`
        were sent or `max_seconds` passed; a run still going `max_seconds` + 30 s after its start is
        cancelled. The iterator is read lazily, one request at a time, so that with concurrency 1
        a request can be built from the previous answer."""
        self.close()  # fresh connections: an idle one may have been closed by the server
        result = Result()
        source: Iterator[Request] = iter(requests)
        sent = 0
        start = time.perf_counter()
        deadline = start + max_seconds
        cpu0 = time.process_time()

        async def client(slot: int) -> None:
            nonlocal sent
            while sent < max_requests and time.perf_counter() < deadline:
                try:
                    request = next(source)
                except StopIteration:
                    return
                sent += 1
                raw = self.raw(request)
                try:
                    conn = await self.connection(slot)
                    response = await conn.send(raw)
                except (ConnectionClosed, OSError):
                    result.statuses.append(0)
                    result.unexpected["closed"] = result.unexpected.get("closed", 0) + 1
                    continue
                result.statuses.append(response.status)
                result.latencies.append(response.latency)
                if response.status not in request.expect:
                    key = str(response.status)
                    result.unexpected[key] = result.unexpected.get(key, 0) + 1
                if request.on_response is not None:
                    request.on_response(response)

        tasks = [asyncio.ensure_future(client(slot)) for slot in range(concurrency)]
        done, pending = await asyncio.wait(tasks, timeout=max_seconds + 30)
        for task in pending:
            task.cancel()
        if pending:
            result.timed_out = True
            await asyncio.gather(*pending, return_exceptions=True)
            self.close()
        for task in done:
            task.result()  # a bug in a callback surfaces here
        result.wall = time.perf_counter() - start
        result.client_cpu = time.process_time() - cpu0
        return result

    async def burst(self, requests: list[Request]) -> list[Response | None]:
        """All `requests` at once, one per connection (written before any answer is read): the
        race. None for a request whose connection closed without an answer."""
        conns = [await self.connection(slot) for slot in range(len(requests))]
        futures = [conn.send(self.raw(req)) for conn, req in zip(conns, requests, strict=True)]
        answers = await asyncio.gather(*futures, return_exceptions=True)
        return [a if isinstance(a, Response) else None for a in answers]
