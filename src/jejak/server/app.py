"""The server: one FastAPI app with the JSON API and the collector over one workspace."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

from jejak import __version__
from jejak.analyses.journeys import JourneyAnalyses
from jejak.errors import JejakError, PiiSettingsError
from jejak.server import api, collector, dashboard, docs, keyring, people, segments, tracking
from jejak.server.headers import Headers
from jejak.server.limiting import Rate
from jejak.server.preload import preload
from jejak.server.speaking import Speaking
from jejak.server.state import MAX_BYTES, MAX_EVENTS, MAX_PROPERTIES, MAX_TEXT, ServerState
from jejak.server.watcher import Watcher
from jejak.store.workspace import Workspace


@asynccontextmanager
async def _started(app: FastAPI) -> AsyncIterator[None]:
    """On start, the first pages are computed in the background (see :mod:`.warming`)
    and the watch rules checked on their schedule (:mod:`.watcher`); on stop, the page
    being computed is finished first. Before any of that, in this one thread, what the
    analyses and charts import when used (see :mod:`.preload`), then set aside from
    Python's garbage collector: a full collection looked through all of it, pausing
    every request (up to 128 ms, 31 times in 25 s of collecting 100-event batches)."""
    preload()
    gc.collect()  # what the imports left behind goes first
    gc.freeze()  # the rest stays: collections look at what came after
    state: ServerState = app.state.jejak
    if not state.elsewhere:
        state.warmer.poke()
    watcher = app.state.watcher = Watcher.scheduled(state)  # the watch rules, on schedule
    if watcher is not None:
        watcher.start()
    yield
    if watcher is not None:
        watcher.stop()
    state.warmer.stop()
    state.committer.close()


def create_app(
    workspace: Workspace,
    *,
    analyses: JourneyAnalyses | None = None,
    max_bytes: int = MAX_BYTES,
    max_events: int = MAX_EVENTS,
    max_text: int = MAX_TEXT,
    max_properties: int = MAX_PROPERTIES,
    given_keys: dict[str, str] | None = None,
    origins: list[str] | None = None,
    control_token: str | None = None,
    rates: dict[str, Rate | None] | None = None,
) -> FastAPI:
    """The app over ``workspace`` (keys must exist: see :func:`jejak.server.keys.ensure_keys`).

    ``analyses``: touchpoints in another engine (e.g. ``jejak.on_spark(...)``) that the API
    and the dashboard answer from; the workspace then keeps only the keys, and the
    collector is off (send events to where those touchpoints live). ``max_text`` and
    ``max_properties``: the characters a collected event may have in one field and in
    its properties as JSON (more is refused, per event). ``given_keys``: keys
    by kind accepted besides the stored ones (see :func:`jejak.server.keys.given_keys`).
    ``origins``: web pages (e.g. ``https://shop.example``) that may call the analyses
    from a browser; the collector answers every origin (see :mod:`.headers`).
    ``control_token``: an admin key for this run only, never stored (see :mod:`.control`).
    ``rates``: requests a key may send, by kind (read, write, admin; None: no limit),
    over :data:`.state.RATES`; a write key's are counted per client address.
    """
    app = FastAPI(
        lifespan=_started,
        docs_url=None,  # our own /docs (see .docs), with no assets from a CDN
        redoc_url=None,
        title="jejak",
        version=__version__,
        description="Customer-journey analytics: every analysis as JSON, and an event "
        "collector. Send `Authorization: Bearer <key>`: the read key for analyses, the "
        "write key for the collector.",
    )
    app.state.jejak = ServerState(
        workspace,
        analyses,
        max_bytes=max_bytes,
        max_events=max_events,
        max_text=max_text,
        max_properties=max_properties,
        given=dict(given_keys or {}),
        control=control_token,
        rates=dict(rates or {}),
    )
    # websites on any origin send touchpoints (the collector, the tracker); the rest
    # answers the origins named only
    routes = [*collector.router.routes, *tracking.router.routes]
    open_paths = {route.path for route in routes} | {"/t.js"}
    app.add_middleware(Headers, open_paths=open_paths, origins=origins or [])
    app.add_middleware(Speaking, settings=lambda: workspace.settings)
    # routes are matched in order: the collector's, the busiest, first
    app.include_router(collector.router)
    app.include_router(tracking.router)  # Segment's HTTP Tracking API
    app.include_router(api.router)
    app.include_router(api.data_router)
    app.include_router(people.router)  # erasure, with the admin key
    app.include_router(segments.router)  # saving segments, with the read key
    app.include_router(keyring.router)  # keys managed while serving, with the admin key
    app.include_router(dashboard.router)
    app.include_router(docs.router)
    docs.with_bearer(app)

    @app.exception_handler(JejakError)
    async def _bad_request(request: Request, exc: JejakError) -> JSONResponse:
        """A parameter the analysis cannot use: 422 with what to write instead."""
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(PiiSettingsError)
    async def _other_pii(request: Request, exc: PiiSettingsError) -> JSONResponse:
        """A write under other pii: settings than the workspace's data was stored under:
        409, nothing stored, saying the pii: to put back. Not 422: the events are fine
        (the tracker keeps them, and sends them again once the settings are put back)."""
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> Response:
        """The client left, or was cut off as too slow (see :mod:`.deadlines`), before
        its body arrived: there is no one to answer."""
        return Response(status_code=400)

    @app.get("/health", tags=["server"])
    async def health() -> dict[str, str]:
        """Whether the server is up (no key needed; answered on the event loop, so a
        busy thread pool never delays it)."""
        return {"status": "ok", "version": __version__}

    return app
