"""Test helpers: run an ASGI app or a folder of files on 127.0.0.1 in a thread."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn


class Library:
    """A served workspace's Python API, each call in the writers' turn: the server's
    collector and warmer write on the workspace's own connection, which refuses (not
    waits for) a second caller. Call results are computed before the turn ends."""

    def __init__(self, app) -> None:
        self.state = app.state.jejak
        self.turn = self.state.using  # for calls that chain: segment(...).stages()

    def __getattr__(self, name: str):
        with self.state.using() as ws:
            found = getattr(ws, name)
        if not callable(found):
            return found

        def call(*args, **kwargs):
            with self.state.using() as ws:
                return getattr(ws, name)(*args, **kwargs)

        return call


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running(app) -> Iterator[str]:
    """Serve ``app`` with uvicorn until the block ends; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        # the server finishes the page it is computing in the background first: on a
        # busy machine that may take a while, and the workspace must not close under it
        thread.join(timeout=300)
        assert not thread.is_alive(), "the server did not stop"


@contextmanager
def files(folder: Path) -> Iterator[str]:
    """Serve the files of ``folder`` (a website) until the block ends."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def until(condition: Callable[[], bool], seconds: float = 60) -> None:
    """Wait until ``condition()`` holds (a test fails after ``seconds``)."""
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.02)
