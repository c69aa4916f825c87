"""Who may call the server from a web page, and what browsers may do with its answers.

Websites on any origin send touchpoints (the collector's routes and the tracker ``/t.js``
answer every origin). Everything else (the analyses, the loads, the dashboard) answers
only the origins a user names (``jejak serve --allow-origin``): a page elsewhere cannot
read it with a visitor's browser. Every answer says not to guess content types and
not to pass on the address it came from; the dashboard's pages run only the server's
own scripts and cannot be framed by another site.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# scripts and styles from this server only (inline style attributes: plotly.js sets them)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none';"
    " form-action 'self'; frame-ancestors 'none'"
)
EVERY_ANSWER = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
PAGE = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY"}
DOCS = ("/docs",)  # Swagger UI's page starts it with an inline script
COLLECTOR_HEADERS = ["Authorization", "Content-Type", "X-Jejak-Key"]


class Headers:
    """CORS by route (open for ``open_paths``, else ``origins`` only) and the security
    headers on every answer, as ASGI middleware around ``app``."""

    def __init__(self, app: ASGIApp, open_paths: Iterable[str], origins: Iterable[str]) -> None:
        self.app = app
        self.open_paths = frozenset(open_paths)
        self.open = CORSMiddleware(  # the tracker reads Retry-After when told to wait
            app,
            allow_origins=["*"],
            allow_methods=["GET", "POST"],
            allow_headers=COLLECTOR_HEADERS,
            expose_headers=["Retry-After"],
        )
        origins = list(origins)
        self.closed: ASGIApp = app
        if origins:
            self.closed = CORSMiddleware(
                app, allow_origins=origins, allow_methods=["GET"], allow_headers=["Authorization"]
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in EVERY_ANSWER.items():
                    headers.setdefault(name, value)
                html = headers.get("content-type", "").startswith("text/html")
                if html and not path.startswith(DOCS):
                    for name, value in PAGE.items():
                        headers.setdefault(name, value)
            await send(message)

        chosen = self.open if path in self.open_paths else self.closed
        await chosen(scope, receive, sending)
