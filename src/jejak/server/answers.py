"""Answers as the API and the dashboard serve them: kept per data version, computed once.

A question is the request's path and its parameters (sorted; the key is not part of
it). A workspace keeps each answer for the data, settings and segments it was computed
on (:mod:`jejak.store.results`); another engine (Spark) answers afresh each time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from jejak.analyses.journeys import JourneyAnalyses
from jejak.store.results import Kept
from jejak.store.workspace import Workspace


def question_of(request: Request) -> str:
    """The request's path and parameters, in a stable order."""
    params = sorted(request.query_params.multi_items())
    return request.url.path + ("?" + urlencode(params) if params else "")


def answer(
    source: JourneyAnalyses,
    question: str,
    compute: Callable[[], str],
    *,
    stale_seconds: float = 0.0,
) -> Kept:
    """The answer kept for ``question`` on the data as it is, or ``compute()``'s;
    ``stale_seconds``: one kept on older data that recently will do."""
    if isinstance(source, Workspace):
        return source.answered(question, compute, stale_seconds=stale_seconds)
    return Kept(compute(), datetime.now(UTC), -1, -1, fresh=True)


def json_text(content: Any) -> str:
    """JSON as FastAPI would send it for ``content``."""
    return JSONResponse(jsonable_encoder(content)).body.decode("utf-8")


def json_response(kept: Kept) -> Response:
    return Response(kept.body, media_type="application/json", headers=headers(kept))


def headers(kept: Kept) -> dict[str, str]:
    """Say when and on which data an answer was computed (not for another engine's)."""
    return kept.headers() if kept.load_id >= 0 else {"X-Jejak-Cache": "miss"}
