"""Every request answered in the workspace's language (``language:`` in jejak.yaml, or
``jejak serve --lang``): the dashboard's words, and the words in the API's answers
(titles, notes)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from jejak.language import speaking


class Speaking:
    """ASGI middleware: the request runs in ``language()`` (read per request, so a
    settings change shows on the next one)."""

    def __init__(self, app: ASGIApp, language: Callable[[], str]) -> None:
        self.app, self.language = app, language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with speaking(self.language()):
            await self.app(scope, receive, send)
