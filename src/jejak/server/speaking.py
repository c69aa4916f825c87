"""Every request answered in the workspace's language (``language:`` in jejak.yaml, or
``jejak serve --lang``): the dashboard's words, and the words in the API's answers
(titles, notes)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from jejak.language import speaking
from jejak.model.config import Settings


class Speaking:
    """ASGI middleware: the request runs in the language (and stage names) ``settings()``
    give, read per request, so a settings change shows on the next one."""

    def __init__(self, app: ASGIApp, settings: Callable[[], Settings]) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = self.settings()
        with speaking(settings.language, settings.stage_names):
            await self.app(scope, receive, send)
