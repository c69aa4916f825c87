"""The event collector: batches of touchpoints and identity links over HTTP.

A batch is checked event by event with the same rules as a loaded file: valid events are
stored (once: an event_id already stored is skipped, so a retried batch stores nothing
twice), invalid ones come back with their index and reason, and nothing invalid is kept.
The answer (202) comes only after the events are committed to the workspace file.
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from jejak.model.touchpoint import FIELD_NAMES
from jejak.server import fields
from jejak.server.commits import Outcome
from jejak.server.state import (
    MAX_PROPERTIES,
    MAX_TEXT,
    ServerState,
    require_key,
    state_of,
)
from jejak.store import consent
from jejak.store.imports import TOUCHPOINTS

router = APIRouter(prefix="/v1", tags=["collector"])
# the touchpoint fields, looked up once per key of every event sent
FIELD_SET = frozenset(FIELD_NAMES)
# fields whose text is taken as it is sent, once within the limits
PLAIN_TEXT = FIELD_SET - {"properties", "revenue"}


async def _body(request: Request) -> Any:
    """The JSON body, within the size limit (413), parsed (400 when it is not JSON)."""
    limit = state_of(request).max_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, detail=f"the body is over {limit:,} bytes; send smaller batches")
    body = await request.body()
    if len(body) > limit:
        raise HTTPException(413, detail=f"the body is over {limit:,} bytes; send smaller batches")
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HTTPException(400, detail=f"the body is not JSON: {exc}") from None
    except RecursionError:
        raise HTTPException(400, detail="the body is nested too deeply to be events") from None


def _batch(data: Any, key: str, limit: int) -> list[Any]:
    items = data.get(key) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise HTTPException(422, detail=f'send a JSON list of {key}, or {{"{key}": [...]}}')
    if len(items) > limit:
        raise HTTPException(
            413, detail=f"{len(items):,} {key} in one batch; send at most {limit:,}"
        )
    return items


def _normalised(
    event: Any,
    surrogates: bool = True,
    max_text: int = MAX_TEXT,
    max_properties: int = MAX_PROPERTIES,
) -> tuple[dict[str, Any], tuple[str | None, str] | None]:
    """The event with every field as text (so one odd event cannot change how the batch
    is read), or the field that is wrong and why. Keys that are not touchpoint fields go
    into ``properties``, as with loaded files. ``surrogates``: whether the body may hold
    a lone surrogate (see :data:`.fields.MAYBE_SURROGATE`); ``max_text`` and ``max_properties``:
    the characters allowed in one field, and in the properties as JSON."""
    if not isinstance(event, dict):
        return {}, (None, "is not a JSON object")
    if not isinstance(event.get("event_id"), str | int) or not str(event["event_id"]).strip():
        return {}, (
            "event_id",
            "is missing; give each event a unique id so retries are stored once",
        )
    clean: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    for name, value in event.items():
        # most values: text_problem's own checks of text, inline (its call per field cost
        # the collector a tenth of its events/s under 16 senders of 100-event batches)
        if type(value) is str and name in PLAIN_TEXT:
            if surrogates and fields.not_text(value):
                return {}, (name, fields.NOT_TEXT)
            if len(value) > max_text:
                return {}, (name, fields.too_long(len(value), max_text, "--max-text"))
            clean[name] = value
        elif name not in FIELD_SET:
            properties[name] = value
        elif name == "properties":
            if value is None:
                continue
            if not isinstance(value, dict):
                return {}, ("properties", "must be a JSON object of your own attributes")
            properties = {**value, **properties}
        elif value is None:
            clean[name] = None
        elif name == "revenue":
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                return {}, ("revenue", "must be a number, e.g. 12.5")
            clean[name] = str(value)
        elif name == "ts" and not isinstance(value, str):
            return {}, ("ts", "must be text in ISO 8601, e.g. 2026-02-01T10:00:00+07:00")
        elif (problem := fields.text_problem(value, surrogates, max_text)) is not None:
            return {}, (name, problem)
        else:
            clean[name] = str(value)
    if properties:
        text, problem = fields.json_text(properties, surrogates, plural=True)
        if text is not None:
            problem = fields.properties_problem(text, max_properties)
        if problem is not None:
            return {}, ("properties", problem)
        clean["properties"] = text
    return clean, None


EVENTS_LOAD = "collector: POST /v1/events"
LINKS_LOAD = "collector: POST /v1/identify"


def _accepting(request: Request) -> None:
    """The write key, and a workspace that holds the touchpoints (409 when the server
    answers from another engine: the events would never reach the analyses)."""
    require_key(request, "write")
    if state_of(request).elsewhere:
        raise HTTPException(
            409,
            detail="this server analyses touchpoints in another engine (Spark); send events"
            " to where those touchpoints live, or serve a workspace to collect them",
        )


async def accepting(request: Request) -> None:
    """:func:`_accepting`, on a worker thread only when the keys are to be read from the
    workspace (after a turn that may have changed them)."""
    if state_of(request).hashes_known:
        _accepting(request)
    else:
        await run_in_threadpool(_accepting, request)


async def store_batch(
    state: ServerState,
    events: list[Any],
    valid: list[tuple[int, dict[str, Any]]],
    rejected: list[dict[str, Any]],
    *,
    format: str | None = None,
    name: str = EVENTS_LOAD,
) -> Outcome:
    """Store the valid events and keep the rejected ones (see :mod:`.commits`: batches
    arriving together share one load and one commit); 429 when the workspace stays
    busy, with nothing of the batch stored. ``format`` is the events' (see
    :mod:`jejak.store.imports`; default: touchpoint fields), ``name`` the load's."""
    outcome = await state.committer.commit(
        events, valid, rejected, format=format, name=name, wait_seconds=state.wait_seconds
    )
    if outcome is None:
        raise HTTPException(
            status_code=429, detail="busy; retry shortly", headers={"Retry-After": "1"}
        )
    return outcome


@router.post("/events", status_code=202)
async def collect_events(request: Request) -> JSONResponse:
    """Store a batch of touchpoints (the canonical fields; ``event_id`` required).

    Body: a JSON list of events, or ``{"events": [...]}``. Answers 202 with the counts
    stored, already stored, and each rejected event's index, field and reason. Each batch
    is one load in the workspace, its rejected events kept with it (the Data page).
    """
    await accepting(request)
    state = state_of(request)
    events = _batch(await _body(request), "events", state.max_events)
    surrogates = fields.MAYBE_SURROGATE.search(await request.body()) is not None  # read once
    rejected: list[dict[str, Any]] = []
    valid: list[tuple[int, dict[str, Any]]] = []
    for index, event in enumerate(events):
        clean, problem = _normalised(event, surrogates, state.max_text, state.max_properties)
        if problem is not None:
            rejected.append({"index": index, "field": problem[0], "reason": problem[1]})
        else:
            valid.append((index, clean))
    settings = state.workspace.settings
    valid, refusing, dropped = consent.split(valid, settings)
    # touchpoint fields, as _normalised made them: no format to recognise
    outcome = await store_batch(state, events, valid, rejected, format=TOUCHPOINTS)
    return JSONResponse(
        status_code=202,
        content={
            "received": len(events),
            "stored": outcome.stored,
            "already_stored": outcome.already,
            "rejected": outcome.rejected,
            **consent.answer(settings, refusing, dropped, outcome.rejected),
        },
    )


def _store_links(state: ServerState, path: Path) -> int:
    with state.using() as ws:
        stored = ws.load_identities(path, name=LINKS_LOAD, stitch=False)
    state.warmer.poke()  # stitched again, and the first pages, once the data settles
    return stored


@router.post("/identify", status_code=202)
async def identify(request: Request) -> JSONResponse:
    """Link anonymous ids to customers: ``{"anonymous_id": ..., "customer_id": ...}`` or a
    list of them (or ``{"links": [...]}``). Segment's identify call (HTTP Basic key, or
    ``userId``/``anonymousId``) is answered as Segment's API does (:mod:`.tracking`)."""
    from jejak.server import tracking  # it builds on this module

    if await tracking.speaks_segment(request):
        return await tracking.receive(request, "identify")
    await run_in_threadpool(_accepting, request)  # the key check reads the workspace
    state = state_of(request)
    data = await _body(request)
    links = [data] if isinstance(data, dict) and "anonymous_id" in data else data
    links = _batch(links, "links", state.max_events)
    rejected, good = [], []
    for index, link in enumerate(links):
        problem = None
        if not isinstance(link, dict):
            problem = ("link", "is not a JSON object")
        else:
            for name in ("anonymous_id", "customer_id"):
                value = link.get(name)
                if not isinstance(value, str | int) or not str(value).strip():
                    problem = (name, "is missing; give both anonymous_id and customer_id")
                    break
                if isinstance(value, str) and fields.not_text(value):
                    problem = (name, fields.NOT_TEXT)
                    break
        if problem:
            rejected.append({"index": index, "field": problem[0], "reason": problem[1]})
        else:
            good.append(link)
    stored = 0
    if good:
        with tempfile.TemporaryDirectory(prefix="jejak-identify-") as folder:
            path = Path(folder) / "links.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["anonymous_id", "customer_id"])
                for link in good:
                    writer.writerow([str(link["anonymous_id"]), str(link["customer_id"])])
            stored = await run_in_threadpool(_store_links, state, path)
    return JSONResponse(
        status_code=202, content={"received": len(links), "stored": stored, "rejected": rejected}
    )
