"""Collector groups stored without a file (jejak.store.batches): the same rows and the
same reasons as a loaded file of the same events, whether the events are checked in
Python (the plain shape, jejak.store.plain) or by the file's SQL."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import jejak
from jejak.model.config import Settings
from jejak.server.collector import _normalised
from jejak.store import batches, plain
from jejak.store.imports import TOUCHPOINTS
from jejak.store.known_ids import KnownIds

PLAIN_EVENTS = [
    {"event_id": "e1", "customer_id": "c1", "event": "page_view", "ts": "2026-01-02T08:00:00Z",
     "channel": "search", "properties": {"plan": "pro", "n": 2, "gone": None}, "utm": "x"},
    {"event_id": "e2", "anonymous_id": "a2", "event": "order", "ts": "2026-01-02T15:30:00+07:00",
     "revenue": "125000", "currency": "IDR", "campaign": ""},
    {"event_id": "e3", "customer_id": "c1", "event": "order", "ts": "2026-01-03T01:02:03.123456Z",
     "revenue": 12.5, "currency": "usd"},
    {"event_id": 4, "customer_id": "c2", "event": "refund", "ts": "2026-01-04T00:00:00-05:00",
     "revenue": "-30"},
    {"event_id": "e5", "customer_id": "c2", "event": "order", "ts": "2026-01-04T00:00:00Z",
     "revenue": "-30"},  # negative, not a refund
    {"event_id": "e6", "customer_id": "c2", "event": "order", "ts": "2026-01-04T00:00:00Z",
     "revenue": "2000000000000"},  # implausibly large
    {"event_id": "e7", "customer_id": "c2", "ts": "2026-01-04T00:00:00Z"},  # no event
    {"event_id": "e8", "event": "page_view", "ts": "2026-01-04T00:00:00Z"},  # nobody
    {"event_id": "e9", "customer_id": "c3", "event": "page_view"},  # no time
    {"event_id": "e10", "customer_id": "c3", "event": "page_view", "ts": "1985-06-01T00:00:00Z"},
    {"event_id": "e11", "customer_id": "c3", "event": "order", "ts": "2026-01-05T00:00:00Z",
     "revenue": "5", "currency": "RP1"},  # not a currency code
    {"event_id": "e12", "customer_id": "c3", "event": "page_view", "ts": "2026-01-05T00:00:00Z",
     "properties": {"name": "Ünïcødé \"quoted\"", "nested": {"a": [1, 2.5, None]}}},
    {"event_id": "e13", "customer_id": "c3", "event": "page_view", "ts": "2026-01-05T01:00:00Z",
     "properties": {"mood": "\U0001f600"}},  # stored as UTF-8, not as escapes
]  # fmt: skip
ODD_EVENTS = [
    {"event_id": "o1", "customer_id": "c4", "event": "page_view", "ts": "2026-02-30T00:00:00Z"},
    {"event_id": "o2", "customer_id": "c4", "event": "page_view", "ts": "2026-01-06 09:00:00"},
    {"event_id": "o3", "customer_id": " c4 ", "event": "order", "ts": "1767600000000",
     "revenue": "USD 7"},
    {"event_id": "o4", "customer_id": "c4", "event": "page_view", "ts": "soon"},
    # digits of other scripts: Python's float() reads them, a loaded file's check does not
    {"event_id": "o5", "customer_id": "c4", "event": "order", "ts": "2026-01-06T09:00:00Z",
     "revenue": "\u0661\u0662\u0665"},
    {"event_id": "o6", "customer_id": "c4", "event": "order", "ts": "2026-01-06T09:00:00Z",
     "revenue": "\uff11\uff12.\uff15"},
]  # fmt: skip


def _collected(events: list[dict]) -> list[dict]:
    """The events as the collector hands them on (fields as text)."""
    normalised = [_normalised(event) for event in events]
    assert all(problem is None for _, problem in normalised)
    return [clean for clean, _ in normalised]


def _stored(ws: jejak.Workspace) -> list[tuple]:
    return ws.con.execute(
        "SELECT * EXCLUDE (load_id) FROM touchpoints ORDER BY event_id"
    ).fetchall()


def _by_batch(path: Path, events: list[dict], settings: Settings | None = None):
    """Stored rows, fates and refusals of the events stored as one group."""
    with jejak.Workspace(path, settings) as ws:
        checked = batches.check(ws.con, events, ws.settings, "group")
        batches.store(ws.con, checked, name="group", received=len(events), kept=[])
        batches.clear(ws.con, checked)
        return _stored(ws), checked


def _by_file(folder: Path, events: list[dict], settings: Settings | None = None):
    """Stored rows, fates and refusals of the same events loaded as a JSON Lines file
    (what the collector did before: the reference)."""
    path = folder / "group.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events), "utf-8")
    rejects = folder / "rejected.csv"
    with jejak.Workspace(folder / "file.duckdb", settings) as ws:
        summary = ws.load(path, skip_invalid=True, rejects_path=rejects, format=TOUCHPOINTS,
                          statuses=True, stitch=False)  # fmt: skip
        refused = {}
        if rejects.exists():
            with rejects.open(encoding="utf-8") as handle:
                for line in csv.DictReader(handle):
                    refused[int(line["_jejak_row"]) - 1] = (
                        line["_jejak_field"],
                        line["_jejak_reason"],
                    )
        fates = {row - 1: status for row, status in summary.statuses.items()}
        return _stored(ws), fates, refused


@pytest.mark.parametrize("odd", [False, True], ids=["plain", "with odd events"])
def test_a_group_stores_what_a_file_of_the_same_events_stores(tmp_path, odd):
    events = _collected(PLAIN_EVENTS + (ODD_EVENTS if odd else []))
    assert (plain.checked(events, Settings()) is None) == odd  # which check runs
    stored, checked = _by_batch(tmp_path / "batch.duckdb", events)
    file_stored, fates, refused = _by_file(tmp_path, events)
    assert stored == file_stored
    assert checked.fates == fates
    assert checked.refused == refused
    assert len(stored) == (8 if odd else 6)  # e1, e2, e3, 4, e12, e13 (and o2, o3)
    assert {e["event_id"] for e in events} - {r[0] for r in stored} >= {"e5", "e6", "e7", "e8"}


def test_plain_checks_read_times_in_the_workspace_zone(tmp_path):
    settings = Settings(timezone="Asia/Jakarta")
    events = _collected(PLAIN_EVENTS)
    stored, checked = _by_batch(tmp_path / "batch.duckdb", events, settings)
    file_stored, fates, refused = _by_file(tmp_path, events, settings)
    assert (stored, checked.fates, checked.refused) == (file_stored, fates, refused)


def test_a_repeated_id_in_a_group_and_across_groups_is_stored_once(tmp_path):
    page = {"customer_id": "c1", "event": "page_view", "ts": "2026-01-02T08:00:00Z"}
    other = {"customer_id": "c9", "event": "order", "ts": "2026-01-02T09:00:00Z"}
    first = _collected([{"event_id": "a", **page}, {"event_id": "a", **page},
                        {"event_id": "b", **page}, {"event_id": "b", **other}])  # fmt: skip
    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        checked = batches.check(ws.con, first, ws.settings, "group")
        assert checked.fates == {0: "new", 1: "repeated", 2: "new", 3: "conflict"}
        assert checked.refused[3][0] == "event_id"
        assert checked.refused[3][1].startswith("is also the event_id of row 3, with other")
        assert batches.store(ws.con, checked, name="g", received=4, kept=[]) == 2
        batches.clear(ws.con, checked)
        again = _collected([{"event_id": "a", **page}, {"event_id": "c", **page},
                            {"event_id": "b", **other}])  # fmt: skip
        checked = batches.check(ws.con, again, ws.settings, "group")
        assert checked.fates == {0: "stored", 1: "new", 2: "conflict"}
        assert checked.refused[2][1].startswith("is already stored with other content (load 1")
        assert batches.store(ws.con, checked, name="g", received=3, kept=[]) == 1
        batches.clear(ws.con, checked)
        assert [r[0] for r in _stored(ws)] == ["a", "b", "c"]
        loads = ws.loads()
        assert loads["rows_stored"].tolist() == [2, 1]
        assert loads["rows_repeated"].tolist() == [1, 0]
        assert loads["rows_conflicting"].tolist() == [1, 1]


def test_a_group_commits_its_touchpoints_load_and_rejected_rows_together(tmp_path):
    events = _collected([*PLAIN_EVENTS[:2], PLAIN_EVENTS[8]])  # the third has no time
    kept = [{"row": 2, "field": "ts", "reason": "is empty", "record": "{}"}]
    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        checked = batches.check(ws.con, events, ws.settings, "group")
        assert checked.plain is not None  # checked in Python
        assert checked.refused == {2: ("ts", "is empty; every touchpoint needs a time")}
        batches.store(ws.con, checked, name="collector", received=3, kept=kept)
        loads = ws.loads()
        assert loads[["file", "rows_read", "rows_stored", "rows_rejected"]].values.tolist() == [
            ["collector", 3, 2, 1]
        ]
        assert ws.rejected()[["row", "field", "reason"]].values.tolist() == [[2, "ts", "is empty"]]


@pytest.mark.parametrize("odd", ODD_EVENTS, ids=[e["event_id"] for e in ODD_EVENTS])
def test_an_event_not_in_the_plain_shape_sends_its_group_to_the_sql_checks(odd):
    assert plain.checked(_collected(PLAIN_EVENTS), Settings()) is not None
    assert plain.checked(_collected([*PLAIN_EVENTS, odd]), Settings()) is None


def test_a_lone_page_view_is_plain():
    # most collector groups: a few events with no revenue, currency or properties
    lone = {"event_id": "p1", "anonymous_id": "a1", "event": "page_view",
            "ts": "2026-01-02T08:00:00Z"}  # fmt: skip
    assert plain.checked(_collected([lone]), Settings()) is not None


def test_stored_ids_are_known_from_groups_and_from_loaded_files(tmp_path):
    known = KnownIds()
    page = {"customer_id": "c1", "event": "page_view", "ts": "2026-01-02T08:00:00Z"}

    def load(ws, event_id: str) -> None:
        path = tmp_path / f"{event_id}.jsonl"
        path.write_text(json.dumps({"event_id": event_id, **page}) + "\n", "utf-8")
        ws.load(path, stitch=False)

    def group(ws, *ids: str) -> dict[int, str]:
        events = _collected([{"event_id": i, **page} for i in ids])
        checked = batches.check(ws.con, events, ws.settings, "group", known)
        batches.store(ws.con, checked, name="g", received=len(ids), kept=[], known=known)
        batches.clear(ws.con, checked)
        return checked.fates

    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        load(ws, "f1")
        assert group(ws, "g1") == {0: "new"}
        load(ws, "f2")
        assert group(ws, "g1", "f1", "f2", "g2") == {0: "stored", 1: "stored", 2: "stored",
                                                     3: "new"}  # fmt: skip
        assert group(ws, "g3", "g2") == {0: "new", 1: "stored"}
        assert ws.count() == 5
        known.catch_up(ws.con)  # a SQL-checked group's ids are learnt here
        assert known.seen == ws.loads()["load_id"].max()
        hashes = ws.con.execute("SELECT hash(event_id) FROM touchpoints").fetchnumpy()
        assert all(known.any_known(np.array([h], np.uint64)) for h in hashes["hash(event_id)"])


def test_the_collectors_writer_has_a_cursor_of_its_own(tmp_path):
    # it reads a group's Arrow table by its Python name with no statement per group to
    # turn that on (and back): python_names asks a writer's cursor nothing
    setting = "SELECT current_setting('python_enable_replacements')"
    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        cursor = batches.writer(ws.con)
        assert cursor.execute("SELECT current_setting('TimeZone')").fetchall() == [("UTC",)]
        checked = batches.check(cursor, _collected(PLAIN_EVENTS), ws.settings, "group")
        assert checked.plain is not None  # the plain checks, read by name
        assert batches.store(cursor, checked, name="group", received=13, kept=[]) == 6
        assert cursor.execute(setting).fetchall() == [(True,)]
        cursor.execute("SET python_enable_replacements = false")
        with batches.python_names(cursor):  # trusted, not asked
            assert cursor.execute(setting).fetchall() == [(False,)]
        with batches.python_names(ws.con):  # another connection: asked, and turned on
            assert ws.con.execute(setting).fetchall() == [(True,)]
        batches.let_go(cursor)
        assert ws.count() == 6  # committed: the workspace's connection sees them
