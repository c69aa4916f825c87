"""Segment's HTTP Tracking API on the collector: Segment's and RudderStack's SDKs (and
anything else that speaks it) send to jejak by pointing their host at ``jejak serve``.

Follows Segment's HTTP Tracking API
(https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/,
sections "Authentication", "Identify", "Track", "Page", "Screen", "Group", "Alias",
"Batch"): ``POST /v1/track``, ``/v1/page``, ``/v1/screen``, ``/v1/identify``,
``/v1/alias``, ``/v1/group`` take one call, ``/v1/batch`` takes ``{"batch": [...]}``; the
write key is the HTTP Basic username with an empty password (a jejak write key; Bearer
works too); bodies may be gzip-compressed (RudderStack's SDKs compress by default).
RudderStack's HTTP API is the same (https://www.rudderstack.com/docs/api/http-api/).
The Python SDKs post to ``<host>/v1/batch``: segment-analytics-python's ``host`` and
rudder-sdk-python's data plane URL are the server's address.

The calls are stored by the ``segment`` import (:mod:`jejak.store.imports.segment`): one
load per request, a message id stored once (SDK retries store nothing twice), identify
and alias as identity links, group calls acknowledged and not kept. Answers are 200
``{"success": true}`` once stored, with jejak's counts; a message that is not a call of
the spec is kept as a rejected row of the load (the Data page) with its index and reason.
``/v1/identify`` is shared with jejak's own identify: see :func:`speaks_segment`.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from jejak.server import fields, keys
from jejak.server.collector import store_batch
from jejak.server.state import ServerState, require_key, state_of
from jejak.store import consent
from jejak.store.imports.segment import LINK_TYPES, TOUCHPOINT_TYPES, TYPES

router = APIRouter(prefix="/v1", tags=["collector: Segment HTTP Tracking API"])

SEGMENT_KEYS = ("userId", "anonymousId", "traits", "type", "batch", "previousId")


def _basic_user(request: Request) -> str | None:
    """The username of HTTP Basic credentials, or None without them."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.split(":", 1)[0]


def _accepting(request: Request) -> None:
    """A write key as Basic username (Segment's way) or as jejak's Bearer; 409 when the
    touchpoints live in another engine (as the collector)."""
    user = _basic_user(request)
    if user is None:
        require_key(request, "write")
    elif not keys.matches(user.strip(), state_of(request).hashes()["write"]):
        raise HTTPException(
            status_code=401,
            detail="a write key is needed: give it as the HTTP Basic username with an empty"
            " password (the SDK's write key), or send 'Authorization: Bearer <write key>'",
            headers={"WWW-Authenticate": 'Basic realm="jejak"'},
        )
    else:
        state_of(request).limit(request, "write", keys.hash_of(user.strip()))
    if state_of(request).elsewhere:
        raise HTTPException(
            409,
            detail="this server analyses touchpoints in another engine (Spark); send events"
            " to where those touchpoints live, or serve a workspace to collect them",
        )


async def _decoded(request: Request) -> bytes:
    """The body, gunzipped when sent so, within the size limit both ways (413)."""
    limit = state_of(request).max_bytes
    too_big = HTTPException(413, detail=f"the body is over {limit:,} bytes; send smaller batches")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_big
    body = await request.body()
    if len(body) > limit:
        raise too_big
    if request.headers.get("content-encoding", "").lower() == "gzip":
        inflate = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        try:
            body = inflate.decompress(body, limit + 1)
        except zlib.error as exc:
            raise HTTPException(400, detail=f"the body is not valid gzip: {exc}") from None
        if len(body) > limit or inflate.unconsumed_tail:
            raise too_big
    return body


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HTTPException(400, detail=f"the body is not JSON: {exc}") from None
    except RecursionError:
        raise HTTPException(400, detail="the body is nested too deeply to be events") from None


async def speaks_segment(request: Request) -> bool:
    """Whether a request to ``/v1/identify`` is Segment's identify rather than jejak's
    (``{"anonymous_id", "customer_id"}`` links): it has Basic credentials, as Segment's
    SDKs send, or a body with Segment's keys (userId, anonymousId, traits, type)."""
    if _basic_user(request) is not None:
        return True
    try:
        data = json.loads(await _decoded(request))
    except (HTTPException, json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return False  # the collector's own reading says what is wrong
    return isinstance(data, dict) and any(k in data for k in SEGMENT_KEYS)


def _problem(message: Any, call: str | None) -> str | None:
    """Why ``message`` is not a call jejak can take, or None."""
    if not isinstance(message, dict):
        return "is not a JSON object"
    kind = message.get("type", call)
    if kind not in TYPES:
        return f"'type' is {kind!r}; send track, page, screen, identify, alias or group"
    if call is not None and kind != call:
        return f"'type' is {kind!r} but it was sent to /v1/{call}; send it to /v1/{kind}"
    return None


# members the segment import stores as a touchpoint's or a link's text (see
# jejak.store.imports.segment); the rest are read whole (properties) or not kept
TEXT_MEMBERS = ("messageId", "userId", "anonymousId", "previousId", "event", "name",
                "category", "timestamp", "originalTimestamp", "sentAt")  # fmt: skip
CAMPAIGN_MEMBERS = ("source", "medium", "name")


def _unfit(message: dict[str, Any], state: ServerState, surrogates: bool) -> tuple[str, str] | None:
    """The member of a call that the collector's per-event limits refuse, and why: the
    same checks as ``/v1/events`` (:mod:`.fields`), with Segment's names. Anything that
    JSON or UTF-8 cannot hold is refused wherever it is in the call, so that one call
    never spoils the load of its batch."""
    campaign = message.get("context")
    campaign = campaign.get("campaign") if isinstance(campaign, dict) else None
    texts = [(name, message.get(name)) for name in TEXT_MEMBERS]
    if isinstance(campaign, dict):
        texts += [(f"context.campaign.{n}", campaign.get(n)) for n in CAMPAIGN_MEMBERS]
    for name, value in texts:
        if value is None:
            continue
        if (problem := fields.text_problem(value, surrogates, state.max_text)) is not None:
            return name, problem
    for name, value in message.items():
        text, problem = fields.json_text(value, surrogates)
        if text is not None and name == "properties":
            problem = fields.properties_problem(text, state.max_properties)
        if problem is not None:
            return name, problem
    return None


def _kept(message: dict[str, Any]) -> bool:
    """Whether the call leaves something in the workspace: a touchpoint, or a link that
    names both ids (an identify without an anonymousId only carries traits, not kept)."""
    kind = message["type"]
    if kind in TOUCHPOINT_TYPES:
        return True
    if kind in LINK_TYPES:
        before = message.get("previousId" if kind == "alias" else "anonymousId")
        return bool(str(before or "").strip() and str(message.get("userId") or "").strip())
    return False  # group


async def receive(request: Request, call: str | None) -> JSONResponse:
    """Store one call (``call`` names it) or a batch (``call`` None)."""
    await run_in_threadpool(_accepting, request)  # the key check reads the workspace
    state = state_of(request)
    body = await _decoded(request)
    data = _json(body)
    # a lone surrogate can only come from an escape or an encoding of one
    surrogates = fields.MAYBE_SURROGATE.search(body) is not None
    if call is None:
        messages = data.get("batch") if isinstance(data, dict) else None
        if not isinstance(messages, list):
            raise HTTPException(400, detail='send {"batch": [...]} with the calls')
        if len(messages) > state.max_events:
            raise HTTPException(
                413,
                detail=f"{len(messages):,} calls in one batch; send at most {state.max_events:,}",
            )
    else:
        messages = [data]
    # the time the server received it (Segment's receivedAt): the time of last resort
    received = datetime.now(UTC).isoformat(timespec="milliseconds")
    rejected: list[dict[str, Any]] = []
    valid: list[tuple[int, dict[str, Any]]] = []
    for index, message in enumerate(messages):
        problem = _problem(message, call)
        if problem is not None:
            rejected.append({"index": index, "field": "type", "reason": problem})
            continue
        unfit = _unfit(message, state, surrogates)
        if unfit is not None:
            rejected.append({"index": index, "field": unfit[0], "reason": unfit[1]})
            continue
        message = {"type": call, **message, "receivedAt": received}
        if _kept(message):
            valid.append((index, message))
    settings = state.workspace.settings
    valid, refusing, dropped = consent.split(valid, settings)
    name = f"collector: POST /v1/{call or 'batch'} (Segment)"
    outcome = await store_batch(state, messages, valid, rejected, format="segment", name=name)
    return JSONResponse(
        status_code=200,
        content={
            "success": True,
            "received": len(messages),
            "stored": outcome.stored,
            "already_stored": outcome.already,
            "rejected": outcome.rejected,
            **consent.answer(settings, refusing, dropped, outcome.rejected),
        },
    )


def _route(call: str):
    async def endpoint(request: Request) -> JSONResponse:
        return await receive(request, call)

    endpoint.__name__ = f"segment_{call}"
    endpoint.__doc__ = (
        f"Segment's {call} call (HTTP Tracking API): the write key as Basic username."
    )
    return endpoint


for _call in ("track", "page", "screen", "alias", "group"):
    router.add_api_route(f"/{_call}", _route(_call), methods=["POST"], status_code=200)


@router.post("/batch", status_code=200)
async def segment_batch(request: Request) -> JSONResponse:
    """Segment's batch call: ``{"batch": [calls]}``, each with its ``type``; where the
    SDKs send (Segment's and RudderStack's)."""
    return await receive(request, None)
