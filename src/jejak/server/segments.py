"""Saving a segment through the API: ``POST /v1/segments``, with the read key.

Any cell of an analysis saves by the same parameters as in the library and the CLI (a
funnel's step, the people stuck in a stage, a retention cell, an RFM segment, or any
segment rule; see :mod:`jejak.model.segment`). The read key may save: a segment is a
definition over the data, not data, and the people who read the numbers are the ones
who pick audiences. A browser signed in to the dashboard must also send the
``X-Jejak-Request`` header, which another site's page cannot send (no cross-site
forgery with the session cookie).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict

from jejak.language import gettext
from jejak.server.state import presented_key, require_key, state_of

router = APIRouter(prefix="/v1/segments", tags=["segments"])
HEADER = "X-Jejak-Request"


class SavedSegment(BaseModel):
    """A segment to save: its name, definition, what it is for, and whether it replaces
    one saved before."""

    model_config = ConfigDict(extra="forbid")

    name: str
    definition: dict[str, Any]
    description: str | None = None
    replace: bool = False


@router.post("", status_code=201)
def save_segment(request: Request, segment: SavedSegment) -> dict[str, Any]:
    """Save a segment in the workspace; the answer says how many people are in it now.
    Needs the read key (a signed-in dashboard also sends the ``X-Jejak-Request`` header)."""
    require_key(request, "read")
    if not presented_key(request) and request.headers.get(HEADER) != "1":
        raise HTTPException(
            status_code=403,
            detail=gettext("saving from a signed-in browser needs the {header}: 1 header").format(
                header=HEADER
            ),
        )
    state = state_of(request)
    with state.using(keys=False) as ws:
        saved = ws.save_segment(
            segment.name,
            segment.definition,
            description=segment.description,
            replace=segment.replace,
        )
    with state.reading() as source:
        people = source.segment(segment.name).members().count().to_pyarrow().as_py()
    return {"name": segment.name, "definition": saved.describe(), "people": int(people)}
