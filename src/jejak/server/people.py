"""Erasing a person through the API: ``DELETE /v1/people/{id}``, with the admin key.

Not the write key: it sits in every page of the website (the tracker's snippet), so
anyone could erase anyone. Not the read key: it opens the dashboard, shared with people
who look at the numbers, and erasing cannot be undone. The admin key is made only by
``jejak keys admin`` and stays with whoever answers privacy requests.

The person is erased from every table at once, in the writers' turn: no answer, page or
export shows them from then on. The file itself is rewritten without their bytes (see
:mod:`jejak.store.compaction`) at the server's next start, not now: readers share the
workspace's connection, and rewriting the file means closing it under them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from jejak.server.keys import key_id
from jejak.server.state import presented_key, require_key, state_of

router = APIRouter(prefix="/v1/people", tags=["privacy"])

COMPACTION = (
    "the erased rows are gone from every table now; their bytes leave the workspace file"
    " when jejak serve next starts (or when jejak forget or jejak prune runs)"
)


@router.delete("/{person_id:path}")
def forget_person(request: Request, person_id: str) -> dict[str, Any]:
    """Erase a person: every touchpoint, identity link, rejected row and kept answer
    holding one of their ids (an anonymous id linked to a customer erases the
    customer; an email or phone held only in touchpoints' properties erases their
    people, and the answer's note says where it was found). An id nothing is stored
    for answers 200 too, saying so (a retried request is not an error). Needs the
    admin key (``jejak keys admin``)."""
    require_key(request, "admin")
    state = state_of(request)
    if state.elsewhere:
        raise HTTPException(
            status_code=409,
            detail="the touchpoints live in Spark, not in this workspace: erase the person"
            " there (this server only keeps the keys)",
        )
    with state.using(keys=False) as ws:
        erased = ws.forget(
            [person_id], asked_by=f"api key {key_id(presented_key(request) or '')}", compact=False
        )
    return {**erased.to_dict(), "compaction": COMPACTION}
