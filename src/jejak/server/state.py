"""What every request shares: the workspace, one lock in front of it, keys and limits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fastapi import HTTPException, Request

from jejak.analyses.journeys import JourneyAnalyses
from jejak.server import keys
from jejak.store.workspace import Workspace

MAX_BYTES = 1_000_000
MAX_EVENTS = 500
WAIT_SECONDS = 5.0


@dataclass
class ServerState:
    """The workspace (keys, collected events, saved segments) and what analyses read:
    the workspace itself, or another engine's touchpoints (a :class:`SparkSource`).
    One request at a time uses them (a DuckDB connection is not shared across threads)."""

    workspace: Workspace
    analyses: JourneyAnalyses | None = None
    max_bytes: int = MAX_BYTES
    max_events: int = MAX_EVENTS
    wait_seconds: float = WAIT_SECONDS
    lock: threading.Lock = field(default_factory=threading.Lock)
    given: dict[str, str] = field(default_factory=dict)  # kind -> key, from the environment

    def hashes(self) -> dict[str, list[str]]:
        with self.using():
            stored = keys.key_hashes(self.workspace.con)
        for kind, key in self.given.items():
            stored[kind].append(keys.hash_of(key))
        return stored

    @contextmanager
    def using(self) -> Iterator[Workspace]:
        """The workspace, for one request; busy too long, the client is asked to retry."""
        if not self.lock.acquire(timeout=self.wait_seconds):
            raise HTTPException(
                status_code=429,
                detail="busy; retry shortly",
                headers={"Retry-After": "1"},
            )
        try:
            yield self.workspace
        finally:
            self.lock.release()

    @contextmanager
    def reading(self) -> Iterator[JourneyAnalyses]:
        """What analyses read, for one request (as :meth:`using`)."""
        with self.using() as workspace:
            yield workspace if self.analyses is None else self.analyses

    @property
    def elsewhere(self) -> bool:
        """Whether the touchpoints live in another engine than the workspace."""
        return self.analyses is not None


def state_of(request: Request) -> ServerState:
    return request.app.state.jejak


def require_key(request: Request, kind: str) -> None:
    """401 unless the request carries a ``kind`` key (``Authorization: Bearer KEY``)."""
    header = request.headers.get("authorization", "")
    presented = header[7:].strip() if header.lower().startswith("bearer ") else None
    presented = presented or request.headers.get("x-jejak-key")
    if kind == "read":  # the dashboard's browser signs in once with a cookie
        presented = presented or request.cookies.get("jejak_read")
    if not keys.matches(presented, state_of(request).hashes()[kind]):
        raise HTTPException(
            status_code=401,
            detail=f"a {kind} key is needed: send 'Authorization: Bearer <{kind} key>'"
            " (jejak serve prints the keys when it makes them)",
            headers={"WWW-Authenticate": "Bearer"},
        )
