"""Slow clients against a real server: one that sends nothing, a request's head or its
body a byte at a time (slowloris), or keeps an idle connection, is cut off within the
set time, while a normal client is served meanwhile."""

from __future__ import annotations

import inspect
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import httpx
import pytest
import uvicorn

import jejak
from jejak.cli import serve
from jejak.server import create_app
from jejak.server.deadlines import REQUEST_SECONDS, with_deadline
from jejak.server.keys import ensure_keys
from serving import free_port

DEADLINE = 1.5  # seconds for a request to arrive whole
KEEP_ALIVE = 1  # seconds a kept-alive connection may idle


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[int, str]]:
    """A server with short timeouts: (its port, a write key)."""
    ws = jejak.Workspace(tmp_path_factory.mktemp("slow") / "w.duckdb")
    key = ensure_keys(ws.con)["write"]
    port = free_port()
    config = uvicorn.Config(
        create_app(ws),
        host="127.0.0.1",
        port=port,
        log_level="error",
        http=with_deadline(DEADLINE),
        timeout_keep_alive=KEEP_ALIVE,
    )
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not served.started:
        assert time.time() < deadline, "the server did not start"
        time.sleep(0.02)
    send(port, key)  # the first commit sets up what later ones reuse
    yield port, key
    served.should_exit = True
    thread.join(timeout=10)
    ws.close()


def send(port: int, key: str) -> httpx.Response:
    """A normal client's batch of one event."""
    event = [{"event_id": "e1", "customer_id": "c", "event": "a", "ts": "2026-01-01"}]
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.post(f"http://127.0.0.1:{port}/v1/events", json=event, headers=headers)


def cut_off(port: int, first: bytes, drip: bytes) -> tuple[float, bytes]:
    """Connect, send ``first``, then ``drip`` one byte each 0.1 s until the server
    closes the connection; the seconds it took and what the server answered."""
    began = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(0.1)
        sock.sendall(first)
        answer, dripped = b"", iter(drip * 100)
        while time.perf_counter() - began < 5 * DEADLINE:
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                byte = next(dripped, None)
                if byte is not None:
                    with suppress(OSError):  # closed while we sent: read what it said
                        sock.sendall(bytes([byte]))
                continue
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
        return time.perf_counter() - began, answer


HEAD = b"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"


@pytest.mark.parametrize(
    ("first", "drip"),
    [
        (b"", b""),  # connects, sends nothing
        (HEAD, b"X-Slow: aaaa"),  # the head, a byte at a time
        (
            HEAD + b"Content-Type: application/json\r\nContent-Length: 5000\r\n"
            b"Authorization: Bearer KEY\r\n\r\n[",
            b" ",
        ),  # the body, a byte at a time
    ],
    ids=["silent", "slow head", "slow body"],
)
def test_a_slow_client_is_cut_off_while_others_are_served(server, first, drip):
    port, key = server
    first = first.replace(b"KEY", key.encode())
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(cut_off, port, first, drip)
        time.sleep(DEADLINE / 4)  # the slow client holds its connection by now
        assert send(port, key).status_code == 202
        assert not slow.done()  # served while the slow client was still connected
        took, said = slow.result()
    # asyncio may run a timer up to its clock's resolution early (seen: 31 us)
    assert DEADLINE - 0.01 <= took < 3 * DEADLINE
    assert said.startswith(b"HTTP/1.1 408 Request Timeout\r\n")


def test_an_idle_kept_alive_connection_is_closed(server):
    port, _ = server
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        sock.settimeout(5)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200 OK")
        began = time.perf_counter()
        assert sock.recv(4096) == b""  # closed by the server, idle for KEEP_ALIVE s
        assert KEEP_ALIVE - 0.1 <= time.perf_counter() - began < 3 * KEEP_ALIVE


def test_jejak_serve_gives_requests_the_deadline_of_the_library():
    defaults = {name: p.default for name, p in inspect.signature(serve).parameters.items()}
    assert defaults["request_timeout"] == REQUEST_SECONDS
