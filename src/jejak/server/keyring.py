"""Keys managed while the server runs: list, make and revoke them over HTTP, with an admin
key. ``jejak keys`` calls these when ``jejak serve`` holds the workspace (DuckDB lets
one process write the file: see :mod:`.control`).

Each call takes the writers' turn, which ends by marking the keys to be read again, so
a key made or revoked here is accepted or refused from the server's next request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from jejak.server.keys import StoredKeys, key_id
from jejak.server.state import require_key, state_of

router = APIRouter(prefix="/v1/keys", tags=["keys"])


class NewKey(BaseModel):
    kind: Literal["read", "write", "admin"]
    label: str | None = Field(default=None, max_length=200)


def _in_turn(request: Request, work: Callable[[StoredKeys], Any], *, changes: bool) -> Any:
    """``work`` on the stored keys in the writers' turn, once the admin key is checked
    (``changes``: whether the turn may change the keys)."""
    require_key(request, "admin")
    state = state_of(request)
    with state.using(keys=changes) as ws:
        return work(StoredKeys(ws.con, state.given))


@router.get("")
async def list_keys(request: Request) -> dict[str, Any]:
    """Every key: id, kind, label and when it was made (never the key itself)."""
    table = await run_in_threadpool(_in_turn, request, StoredKeys.list, changes=False)
    table["created_at"] = table["created_at"].map(lambda t: t.isoformat())
    return {"keys": table.to_dict(orient="records")}


@router.post("", status_code=201)
async def make_key(request: Request, new: NewKey) -> dict[str, str]:
    """Make a key of ``kind``; the answer is the only time it is shown."""
    key = await run_in_threadpool(
        _in_turn, request, lambda keys: keys.make(new.kind, new.label), changes=True
    )
    return {"kind": new.kind, "id": key_id(key), "key": key}


@router.delete("/{which}")
async def revoke_key(request: Request, which: str) -> dict[str, Any]:
    """Revoke the key with id ``which``: refused from the next request on. ``left``: keys
    of its kind still stored; ``given``: one of its kind set in the server's
    environment is still accepted."""
    revoked = await run_in_threadpool(
        _in_turn, request, lambda keys: keys.revoke(which), changes=True
    )
    return {"kind": revoked.kind, "id": revoked.id, "left": revoked.left, "given": revoked.given}
