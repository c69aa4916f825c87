"""Group commit: collector batches that arrive together share one load and one commit.

Each request hands its checked events to the committer and waits (without holding a
thread). One writer thread takes every batch waiting of the same kind, stores them as
one load in one transaction, and answers each request with its own counts and rejected
events. A request is answered only after that commit, so an answer still means durable;
a retried batch stores nothing twice (event ids), even within one group.
"""

from __future__ import annotations

import asyncio
import csv
import json
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from jejak.model.config import Settings
from jejak.store import batches, kept_pii, personal
from jejak.store.imports import TOUCHPOINTS
from jejak.store.known_ids import KnownIds
from jejak.store.loading import LoadSummary

MAX_GROUP = 5_000  # events in one load; a group takes whole batches up to about this
RECORD_CHARS = 2_000


@dataclass
class Outcome:
    """What became of one request's events."""

    stored: int = 0
    already: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)  # index, field, reason


@dataclass
class Batch:
    """One request's events: all it was sent (for the rejected rows kept), the valid
    ones by their index in the request, and what was rejected before storing."""

    events: list[Any]
    valid: list[tuple[int, dict[str, Any]]]
    rejected: list[dict[str, Any]]
    format: str | None
    name: str
    loop: asyncio.AbstractEventLoop
    answer: asyncio.Future[Outcome]

    @property
    def kind(self) -> tuple[str | None, str]:
        return self.format, self.name


def record(event: Any) -> str:
    """The event as it came, for the workspace's rejected rows (long ones cut)."""
    text = json.dumps(event, default=str)
    return text if len(text) <= RECORD_CHARS else text[:RECORD_CHARS] + "…"


class Committer:
    """The one writer of collected batches for a server (``state``: its ServerState)."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.waiting: list[Batch] = []
        self.ready = threading.Condition()
        self.thread: threading.Thread | None = None
        self.known = KnownIds()  # the stored event ids, for the writer thread alone
        # the settings its last group was checked with (as given, as kept_pii.writing
        # answered) and the writers' turns taken by the end of that group, when it was
        # plain (stored ids known at once); while no other writer takes a turn, the
        # next group needs neither checked again
        self.last: tuple[Settings, Settings, int] | None = None
        # the writer's own cursor of the workspace's connection: (connection, cursor)
        self.cursor: tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection] | None = None

    def _writer(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        """The writer's cursor of ``con`` (a new one when compaction replaced the
        workspace's connection); in the writers' turn."""
        if self.cursor is None or self.cursor[0] is not con:
            self._let_go()
            self.cursor = (con, batches.writer(con))
        return self.cursor[1]

    def _let_go(self) -> None:
        if self.cursor is not None:
            cursor, self.cursor = self.cursor[1], None
            batches.let_go(cursor)

    def close(self) -> None:
        """Close the writer's cursor once the group being stored is (as the server
        stops, before the workspace closes its connection)."""
        with self.state.lock:
            self._let_go()

    async def commit(
        self,
        events: list[Any],
        valid: list[tuple[int, dict[str, Any]]],
        rejected: list[dict[str, Any]],
        *,
        format: str | None,
        name: str,
        wait_seconds: float,
    ) -> Outcome | None:
        """Store a request's valid events and keep its rejected ones; the outcome once
        committed, or None when the workspace stayed busy for ``wait_seconds`` before the
        batch was taken (then nothing of it is stored: the client may retry)."""
        loop = asyncio.get_running_loop()
        batch = Batch(events, valid, rejected, format, name, loop, loop.create_future())
        with self.ready:
            self.waiting.append(batch)
            self.ready.notify()
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="jejak-commits", daemon=True)
                self.thread.start()
        try:
            return await asyncio.wait_for(asyncio.shield(batch.answer), wait_seconds)
        except TimeoutError:
            with self.ready:
                if batch in self.waiting:  # not taken yet: withdrawn, nothing stored
                    self.waiting.remove(batch)
                    return None
            return await batch.answer  # being written: its answer comes with the commit

    def _run(self) -> None:
        while True:
            with self.ready:
                while not self.waiting:
                    self.ready.wait()
                group = self._take()
            try:
                outcomes = self._store(group)
            except BaseException as exc:  # every request of the group learns why
                for batch in group:
                    batch.loop.call_soon_threadsafe(_fail, batch.answer, exc)
            else:
                for batch, outcome in zip(group, outcomes, strict=True):
                    batch.loop.call_soon_threadsafe(_settle, batch.answer, outcome)
                self.state.warmer.poke()  # new data: the first pages again, once it settles

    def _take(self) -> list[Batch]:
        """The first waiting batch and the others of its kind, up to MAX_GROUP events."""
        kind = self.waiting[0].kind
        group, size = [], 0
        for batch in list(self.waiting):
            if batch.kind == kind and (not group or size + len(batch.valid) <= MAX_GROUP):
                group.append(batch)
                size += len(batch.valid)
                self.waiting.remove(batch)
        return group

    def _store(self, group: list[Batch]) -> list[Outcome]:
        """One load for the group's valid events, with what was rejected."""
        if group[0].format == TOUCHPOINTS:
            return self._collect(group)
        return self._load(group)

    def _collect(self, group: list[Batch]) -> list[Outcome]:
        """Touchpoints as the collector made them: checked as parsed, no file between
        (see :mod:`jejak.store.batches`), stored with their rejected rows in one commit."""
        outcomes = [Outcome(rejected=list(batch.rejected)) for batch in group]
        rows = [(number, index) for number, batch in enumerate(group) for index, _ in batch.valid]
        events = [event for batch in group for _, event in batch.valid]
        if not events and not any(batch.rejected for batch in group):
            return outcomes  # empty batches: no load to record
        with self.state.using(keys=False) as ws:
            con = self._writer(ws.con)
            checked, last, self.last = None, self.last, None
            try:
                if events:
                    settings, fresh = ws.settings, False
                    if last and last[0] is ws.settings and last[2] == self.state.turns:
                        settings, fresh = last[1], True
                    checked = batches.check(
                        con, events, settings, group[0].name, self.known, fresh=fresh
                    )
                else:  # only rejected events, kept scrubbed by the settings in use
                    kept_pii.writing(con, ws.settings)
                    checked = batches.Checked()
                for row, fate in checked.fates.items():
                    if fate == "new":
                        outcomes[rows[row][0]].stored += 1
                    elif fate in ("repeated", "stored"):
                        outcomes[rows[row][0]].already += 1
                for row, (field_name, reason) in checked.refused.items():
                    number, index = rows[row]
                    outcomes[number].rejected.append(
                        {"index": index, "field": field_name, "reason": reason}
                    )
                received = sum(len(batch.events) for batch in group)
                kept = _kept(group, outcomes, ws.settings)
                batches.store(
                    con,
                    checked,
                    name=group[0].name,
                    received=received,
                    kept=kept,
                    known=self.known,
                )
                if checked.hashes is not None:  # this turn ends the next (see using)
                    self.last = (ws.settings, checked.settings, self.state.turns + 1)
            finally:
                batches.clear(con, checked)
        for outcome in outcomes:
            outcome.rejected.sort(key=lambda r: r["index"])
        return outcomes

    def _load(self, group: list[Batch]) -> list[Outcome]:
        """One file load for the group's valid events (an import's format, which its own
        SQL reads), one record of what was rejected."""
        format, name = group[0].kind
        outcomes = [Outcome(rejected=list(batch.rejected)) for batch in group]
        rows: list[tuple[int, int]] = []  # the file's row -> (batch, index in its request)
        with tempfile.TemporaryDirectory(prefix="jejak-group-") as folder:
            summary = None
            with self.state.using() as ws:
                if any(batch.valid for batch in group):
                    path = Path(folder) / "group.jsonl"
                    with path.open("w", encoding="utf-8") as handle:
                        for number, batch in enumerate(group):
                            for index, event in batch.valid:
                                handle.write(json.dumps(event) + "\n")
                                rows.append((number, index))
                    rejects = Path(folder) / "rejected.csv"
                    summary = ws.load(
                        path,
                        skip_invalid=True,
                        rejects_path=rejects,
                        name=name,
                        format=format,
                        statuses=True,
                        stitch=False,  # the warmer stitches once the data settles
                    )
                    _split(summary, rows, outcomes, rejects)
                kept = _kept(group, outcomes, ws.settings)
                if kept:
                    received = sum(len(batch.events) for batch in group)
                    load_id = summary.load_id if summary is not None else None
                    ws.record_rejected(kept, name=name, received=received, load_id=load_id)
        for outcome in outcomes:
            outcome.rejected.sort(key=lambda r: r["index"])
        return outcomes


def _split(
    summary: LoadSummary,
    rows: list[tuple[int, int]],
    outcomes: list[Outcome],
    rejects: Path,
) -> None:
    """Each request's share of the load: its new rows, those stored already (or by an
    earlier request of the group), and its rejected events."""
    for row, status in (summary.statuses or {}).items():
        number, _ = rows[row - 1]
        if status == "new":
            outcomes[number].stored += 1
        elif status in ("repeated", "stored"):
            outcomes[number].already += 1
    if rejects.exists():
        with rejects.open(encoding="utf-8") as handle:
            for line in csv.DictReader(handle):
                number, index = rows[int(line["_jejak_row"]) - 1]
                reason = {"field": line["_jejak_field"], "reason": line["_jejak_reason"]}
                outcomes[number].rejected.append({"index": index, **reason})


def _kept(group: list[Batch], outcomes: list[Outcome], settings: Settings) -> list[dict[str, Any]]:
    """The group's rejected events as rows to keep: row is the event's place among all
    the events the group was sent. Only these are kept as sent, so only these have their
    personal data hashed here (``pii:``; the stored ones are hashed as they are stored)."""
    kept, offset = [], 0
    for batch, outcome in zip(group, outcomes, strict=True):
        for rejected in sorted(outcome.rejected, key=lambda r: r["index"]):
            event = personal.scrubbed(batch.events[rejected["index"]], settings)
            kept.append({**rejected, "row": offset + rejected["index"], "record": record(event)})
        offset += len(batch.events)
    return kept


def _settle(answer: asyncio.Future[Outcome], outcome: Outcome) -> None:
    if not answer.done():
        answer.set_result(outcome)


def _fail(answer: asyncio.Future[Outcome], exc: BaseException) -> None:
    if not answer.done():
        answer.set_exception(exc)
