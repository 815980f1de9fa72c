"""A trivial HTTP/1.1 server for the load generator's ceiling: fixed bytes for every request.

    python bench/trivial.py PORT

asyncio protocols, keep-alive, requests without bodies (the ceiling run sends GETs only). It
prints "ready" once listening and stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import signal
import sys

BODY = (b'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223-7f76-453a-'
        b'919d-413861904646","userName":"bjensen@example.com","active":true,"meta":{"resourceType'
        b'":"User","version":"W/\\"1\\""}}')
ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: "
          + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)


class Answer(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data
        n = buf.count(b"\r\n\r\n")
        if n:
            self.transport.write(ANSWER * n)  # type: ignore[attr-defined]
            buf = buf[buf.rindex(b"\r\n\r\n") + 4:]
        self.buf = buf


async def main(port: int) -> None:
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    server = await loop.create_server(Answer, "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await stop


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
