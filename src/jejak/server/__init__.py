"""``jejak serve``: one HTTP server with the JSON API and the event collector."""

from jejak.server.app import create_app

__all__ = ["create_app"]
