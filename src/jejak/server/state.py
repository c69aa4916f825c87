"""What every request shares: the workspace, a lock for its writers, keys and limits.

Readers never wait for writers: each read has a DuckDB cursor of its own, which sees the
data committed so far (DuckDB's MVCC). Writes take turns on the workspace's connection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import HTTPException, Request

from jejak.analyses.journeys import JourneyAnalyses
from jejak.language import N_, gettext
from jejak.server import keys, sessions
from jejak.server.commits import Committer
from jejak.server.limiting import Limiter, Rate, retry_after
from jejak.server.warming import Warmer
from jejak.store.workspace import Workspace

MAX_BYTES = 1_000_000
MAX_EVENTS = 500
# one collected event: characters in any one field, and in its properties as JSON (a
# page address fits; a 900,000-character event name would bloat every page showing it)
MAX_TEXT = 2_000
MAX_PROPERTIES = 20_000
WAIT_SECONDS = 5.0
# requests per key (the write key: per key and client address, as it is public), set so
# that the tracker, the dashboard and `make bench`'s collector load never meet them
RATES = {
    "read": Rate(6_000, 60),
    "write": Rate(60_000, 60),
    "admin": Rate(600, 60),
}
RATE_OPTIONS = {"read": "--read-rate", "write": "--write-rate", "admin": "--admin-rate"}
# a client over its rate reads why (the dashboard shows it); tools read Retry-After
RATE_WORDS = {
    "read": N_(
        "over the {rate} requests that this read key may send; retry after the seconds in"
        " Retry-After (jejak serve {option} sets the rate)"
    ),
    "write": N_(
        "over the {rate} requests that the write key from this address may send; retry after"
        " the seconds in Retry-After (jejak serve {option} sets the rate)"
    ),
    "admin": N_(
        "over the {rate} requests that this admin key may send; retry after the seconds in"
        " Retry-After (jejak serve {option} sets the rate)"
    ),
}


@dataclass
class ServerState:
    """The workspace (keys, collected events, saved segments) and what analyses read:
    the workspace itself, or another engine's touchpoints (a :class:`SparkSource`).
    One writer at a time holds the workspace's connection (``lock``); readers each read
    on a cursor of their own; another engine answers one request at a time."""

    workspace: Workspace
    analyses: JourneyAnalyses | None = None
    max_bytes: int = MAX_BYTES
    max_events: int = MAX_EVENTS
    max_text: int = MAX_TEXT
    max_properties: int = MAX_PROPERTIES
    wait_seconds: float = WAIT_SECONDS
    lock: threading.Lock = field(default_factory=threading.Lock)  # the writers' turn
    engine_lock: threading.Lock = field(default_factory=threading.Lock)
    given: dict[str, str] = field(default_factory=dict)  # kind -> key, from the environment
    control: str | None = None  # an admin token for this run only (see .control)
    rates: dict[str, Rate | None] = field(default_factory=lambda: dict(RATES))
    asked: dict[str, list[Any]] = field(default_factory=dict)  # question -> [lock, askers]
    asked_lock: threading.Lock = field(default_factory=threading.Lock)
    limiters: dict[str, Limiter] = field(init=False)
    committer: Committer = field(init=False)
    warmer: Warmer = field(init=False)
    # writers' turns taken so far (any may have changed the keys), and the stored key
    # hashes with the turn they were read after
    writes: int = field(default=0, init=False)
    turns: int = field(default=0, init=False)  # every writer's turn, keys or not
    known: tuple[int, dict[str, list[str]]] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.rates = {**RATES, **self.rates}
        self.limiters = {kind: Limiter(rate) for kind, rate in self.rates.items() if rate}
        self.committer = Committer(self)
        self.warmer = Warmer(self)
        self.workspace.con.execute(sessions.SCHEMA)  # before any request reads it

    def session_key(self, token: str | None) -> str | None:
        """The hash of the read key a dashboard session was started with, while the
        session lasts and the key is not revoked (see :mod:`.sessions`)."""
        cursor = self.workspace.con.cursor()  # a bare one: no analyses, no waiting
        try:
            key_hash = sessions.key_of(cursor, token)
        finally:
            cursor.close()
        return key_hash if key_hash in self.hashes()["read"] else None

    def hashes(self) -> dict[str, list[str]]:
        """The hashes of the keys accepted now, by kind. Keys change only by a write to
        the workspace, which only this server can open: they are read again after each
        writer's turn, so a revoked key is refused from the next request on."""
        writes, known = self.writes, self.known
        if known is not None and known[0] == writes:
            return known[1]
        cursor = self.workspace.con.cursor()  # a bare one: no analyses, no waiting
        try:
            stored = keys.key_hashes(cursor)
        finally:
            cursor.close()
        for kind, key in self.given.items():
            stored[kind].append(keys.hash_of(key))
        if self.control:
            stored["admin"].append(keys.hash_of(self.control))
        self.known = (writes, stored)  # stale as soon as another writer's turn ends
        return stored

    @property
    def hashes_known(self) -> bool:
        """Whether :meth:`hashes` answers without reading the workspace."""
        return self.known is not None and self.known[0] == self.writes

    @contextmanager
    def using(self, keys: bool = True) -> Iterator[Workspace]:
        """The workspace's own connection, for one writer; when other writes hold it too
        long, the client is asked to retry (429). ``keys``: whether the turn may change
        the keys (a collector group's cannot, so the keys read before it stay good)."""
        if not self.lock.acquire(timeout=self.wait_seconds):
            raise HTTPException(
                status_code=429,
                detail="busy; retry shortly",
                headers={"Retry-After": "1"},
            )
        try:
            yield self.workspace
        finally:
            if keys:  # before the turn ends: no reader keeps keys from before it
                self.writes += 1
            self.turns += 1
            self.lock.release()

    @contextmanager
    def reading(self) -> Iterator[JourneyAnalyses]:
        """What analyses read, for one request: the workspace on a cursor of its own
        (no waiting for writes), or the other engine, one request at a time (waiting
        its turn: a reader is never asked to retry)."""
        if self.analyses is not None:
            with self.engine_lock:
                yield self.analyses
            return
        with self.workspace.reader() as workspace:
            yield workspace

    @contextmanager
    def answering(self, question: str) -> Iterator[JourneyAnalyses]:
        """What analyses read (as :meth:`reading`), one request per question at a time:
        a second browser asking what a first is computing waits, then finds the answer
        kept (its snapshot starts after the first's ends) instead of computing it too."""
        with self.asked_lock:
            turn = self.asked.setdefault(question, [threading.Lock(), 0])
            turn[1] += 1
        try:
            with turn[0], self.reading() as source:
                yield source
        finally:
            with self.asked_lock:
                turn[1] -= 1
                if turn[1] == 0:
                    del self.asked[question]

    def limit(self, request: Request, kind: str, key_hash: str) -> None:
        """429 with Retry-After when the ``kind`` key behind ``key_hash`` (the write key:
        from the request's client address) is over its rate (see :mod:`.limiting`)."""
        limiter = self.limiters.get(kind)
        if limiter is None:
            return
        client = key_hash
        if kind == "write":  # in every website's snippet: one visitor must not stop all
            client += " " + (request.client.host if request.client else "")
        wait = limiter.take(client)
        if wait:
            said = RATE_WORDS[kind]
            raise HTTPException(
                status_code=429,
                detail=gettext(said).format(rate=self.rates[kind], option=RATE_OPTIONS[kind]),
                headers={"Retry-After": retry_after(wait)},
            )

    @property
    def elsewhere(self) -> bool:
        """Whether the touchpoints live in another engine than the workspace."""
        return self.analyses is not None


SESSION_COOKIE = "jejak_session"


def state_of(request: Request) -> ServerState:
    return request.app.state.jejak


def presented_key(request: Request) -> str | None:
    """The key a request carries: ``Authorization: Bearer KEY``, else ``X-Jejak-Key``."""
    header = request.headers.get("authorization", "")
    presented = header[7:].strip() if header.lower().startswith("bearer ") else None
    return presented or request.headers.get("x-jejak-key")


def require_key(request: Request, kind: str) -> None:
    """401 unless the request carries a ``kind`` key (``Authorization: Bearer KEY``); an
    admin key reads too."""
    presented = presented_key(request)
    session = request.cookies.get(SESSION_COOKIE) if kind == "read" else None
    state = state_of(request)
    if not presented and session and (key_hash := state.session_key(session)):
        state.limit(request, kind, key_hash)  # a dashboard's browser, signed in
        return
    if kind == "write":  # the tracker's sendBeacon sets no header; this key is public
        presented = presented or request.query_params.get("key")  # (the site's snippet)
    hashes = state.hashes()
    accepted = hashes[kind] + hashes["admin"] if kind == "read" else hashes[kind]
    if not keys.matches(presented, accepted):
        raise HTTPException(
            status_code=401,
            detail=f"a {kind} key is needed: send 'Authorization: Bearer <{kind} key>'"
            " (jejak serve prints the keys when it makes them)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if state.control and keys.matches(presented, [keys.hash_of(state.control)]):
        _from_this_machine(request)
    state.limit(request, kind, keys.hash_of(presented))


LOOPBACK = ("127.0.0.1", "::1")
PROXIED = ("forwarded", "x-forwarded-for", "x-real-ip")


def _from_this_machine(request: Request) -> None:
    """401 unless a request with this run's admin token (the control file's, for jejak
    keys on this machine) comes from this machine, and not through a proxy on it."""
    host = request.client.host if request.client else ""
    if host not in LOOPBACK or any(name in request.headers for name in PROXIED):
        raise HTTPException(
            status_code=401,
            detail="this run's admin token is accepted only from the machine jejak serve"
            " runs on; from elsewhere use an admin key (jejak keys admin)",
            headers={"WWW-Authenticate": "Bearer"},
        )
