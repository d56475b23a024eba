"""Connections that never deliver a request are closed (bibun.web.protocol).

A real uvicorn server on a loopback port with the protocol `bibun serve` uses and a head
deadline of 0.3 s (the served one has 10 s): a silent connection and a half-sent head are
closed by the server, while a request whose head arrived is answered however long its
answer takes.  The socket timeouts below only keep a broken server from hanging the
test; what is asserted is who closed the connection, and what was answered.
"""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest
import uvicorn

from bibun.web.protocol import HeadTimeoutProtocol
from tests.web_server import free_port


class QuickHead(HeadTimeoutProtocol):
    head_timeout = 0.3


async def slow_app(scope, receive, send):
    if scope["type"] != "http":
        return
    await asyncio.sleep(0.6)  # longer than the head deadline: the request is under way
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture(scope="module")
def port():
    p = free_port()
    server = uvicorn.Server(uvicorn.Config(slow_app, host="127.0.0.1", port=p, http=QuickHead,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    yield p
    server.should_exit = True
    thread.join(timeout=10)


def read_all(sock: socket.socket) -> bytes | None:
    """Everything until the server closes; None if it kept the connection open."""
    sock.settimeout(20)
    out = b""
    try:
        while chunk := sock.recv(4096):
            out += chunk
    except TimeoutError:
        return None
    return out


def test_a_connection_that_sends_nothing_is_closed(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        assert read_all(s) == b""


def test_a_head_that_never_completes_is_closed(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nx-partial: ")
        assert read_all(s) == b""


def test_a_complete_request_is_answered_after_the_head_deadline(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"GET / HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
        out = read_all(s)  # answered, then closed as idle once the next head is overdue
    assert out is not None and out.startswith(b"HTTP/1.1 200") and out.endswith(b"ok")
