"""A deadline for each request to arrive whole: what uvicorn does not cut off.

uvicorn (0.54, httptools) closes a kept-alive connection left idle for
``timeout_keep_alive`` seconds, but that timer starts only after an answer and stops at
the next byte received. A client that connects and sends nothing, or sends a request's
head or body a byte at a time (slowloris), keeps its connection, and the task waiting
for the body, for as long as it likes (uvicorn#1192; ASGI middleware sees a request only
once its head is complete, so the app cannot help). Here the whole request, head and
body, must arrive within ``seconds`` of the connection opening or of the previous
answer; a client that is slower gets 408 and its connection is closed.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

REQUEST_SECONDS = 30.0  # a 1 MB batch over a slow mobile link (~100 KB/s) takes ~10 s
SAID = b"the request did not arrive in time; send it again"
TOO_SLOW = (
    b"HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain\r\nConnection: close\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(SAID), SAID)
)


def with_deadline(seconds: float = REQUEST_SECONDS) -> type[HttpToolsProtocol]:
    """uvicorn's HTTP protocol (``uvicorn.Config(http=...)``), each request due whole
    within ``seconds``."""

    class Deadline(HttpToolsProtocol):
        due: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_message_complete(self) -> None:
            self._disarm()  # the request is in: the answer takes what it takes
            super().on_message_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self.timeout_keep_alive_task is not None:  # idle, no request waiting
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self.due = self.loop.call_later(seconds, self._too_slow)

        def _disarm(self) -> None:
            if self.due is not None:
                self.due.cancel()
                self.due = None

        def _too_slow(self) -> None:
            self.due = None
            if self.transport.is_closing():
                return
            if self.cycle is None or not self.cycle.response_started:
                self.transport.write(TOO_SLOW)
            self.transport.close()

    return Deadline
