"""A real uvicorn server on a free loopback port, in a thread of the test process, and a raw HTTP/1.1
client over a plain socket: what a test client cannot send (a chunked body of any size, a body that
keeps coming after the server answered) and what it hides (whether the server closed the connection)."""
from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


@contextmanager
def live_server(app: Any) -> Iterator[int]:
    """Serve `app` on 127.0.0.1 (a free port, yielded) until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def raw_request(port: int, method: str, path: str, *, headers: dict[str, str] | None = None,
                chunks: Iterable[bytes] | None = None, body: bytes | None = None,
                timeout: float = 15.0) -> tuple[int, dict[str, str], bytes, bool]:
    """Send one request; (status, headers, body, closed): `closed` is whether the server closed the
    connection after its response. With `chunks` the body goes out chunked, one chunk at a time, and
    sending stops as soon as the server has answered (it may refuse a body before reading it all)."""
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if chunks is not None:
        head.append("Transfer-Encoding: chunked")
    elif body is not None:
        head.append(f"Content-Length: {len(body)}")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        try:
            if chunks is not None:
                for chunk in chunks:
                    if select.select([sock], [], [], 0)[0]:
                        break                      # the server answered already
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                else:
                    sock.sendall(b"0\r\n\r\n")
            elif body:
                sock.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass                                   # it stopped reading: the answer is waiting
        return _read_response(sock)


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes, bool]:
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        if not part:
            raise ConnectionError(f"connection closed without a response: {data[:200]!r}")
        data += part
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        part = sock.recv(65536)
        if not part:
            break
        rest += part
    # Closed: the server's next move is EOF (or a reset), not silence.
    closed = False
    sock.settimeout(2.0)
    try:
        closed = sock.recv(1) == b""
    except ConnectionResetError:
        closed = True
    except socket.timeout:
        closed = False
    return status, headers, rest[:length], closed
