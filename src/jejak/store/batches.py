"""Collector groups stored without a file: events already parsed, one load, one commit.

A group's events arrive as parsed JSON with every field as text (see
:mod:`jejak.server.collector`). Nothing is written to a file, sniffed or read back.
Events in the plain shape are checked in Python (:mod:`jejak.store.plain`); a group
with any other event, or whose event ids are shared (within the group, or with stored
touchpoints), is checked by the same SQL as a loaded file's rows
(:mod:`jejak.store.loading`) and matched as a file's are (:mod:`jejak.store.event_ids`).
Either way the same rows are stored, with the same reasons for the rest; the
touchpoints, the load's record and its rejected rows commit together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from jejak.engine.connection import prepare
from jejak.model.config import Settings
from jejak.model.touchpoint import FIELD_NAMES, FIELDS, TEXT_FIELDS
from jejak.store import amounts, consent, kept_pii, personal, plain
from jejak.store.event_ids import (
    DERIVED,
    PROPERTIES_SQL,
    SORTED,
    fates_sql,
    insert_sql,
    mark_conflicts,
    no_derived_sql,
    sorted_sql,
)
from jejak.store.known_ids import KnownIds
from jejak.store.loading import (
    CHECKED,
    KEPT_REJECTS,
    STAGE,
    checked_sql,
    record_load,
    stage_sql,
)
from jejak.store.sources import ident, quote

GROUP_VIEW = "_jejak_group"
# A plain group's valid events, as they are stored, are an Arrow table that DuckDB reads
# by its Python name (a replacement scan: registering and dropping a view per group cost
# more than the group's queries): each function reading it names it _jejak_plain, and
# reads it under python_names().
# how the touchpoints table takes them (properties made as a file's are)
PLAIN_TYPES = {
    **dict.fromkeys(TEXT_FIELDS, pa.string()),
    "ts": pa.timestamp("us", tz="UTC"),
    "revenue": pa.float64(),
}


@dataclass
class Checked:
    """A group's events after the checks: each valid event's fate (new, repeated,
    stored or conflict) and each refused event's field and reason, by its place in the
    group (0-based); a conflict is refused too (the stored one, or the first, wins)."""

    fates: dict[int, str] = field(default_factory=dict)
    refused: dict[int, tuple[str, str]] = field(default_factory=dict)
    plain: pa.Table | None = None  # the valid events of a group checked in Python
    hashes: np.ndarray | None = None  # their event ids' hashes (see KnownIds)
    matched: bool = False  # whether its event ids were matched as a file's rows are
    settings: Settings | None = None  # those it was checked with (salted), when plain

    def count(self, fate: str) -> int:
        return sum(1 for f in self.fates.values() if f == fate)


def check(
    con: duckdb.DuckDBPyConnection,
    events: list[dict[str, Any]],
    settings: Settings,
    name: str,
    known: KnownIds | None = None,
    *,
    fresh: bool = False,
) -> Checked:
    """Check ``events`` (fields as text or None) and match their event ids with the
    stored touchpoints and with each other, writing nothing yet: :func:`store` then
    stores the new ones. ``name`` names the group in a LoadError; ``known``, the
    stored ids known so far, spares scanning them for ids that cannot be stored.
    ``fresh``: nothing but this writer's own plain groups was written since it last
    checked, so ``settings`` are as :func:`kept_pii.writing` answered then and ``known``
    is caught up (two queries fewer per group: see :mod:`jejak.server.commits`)."""
    if not fresh:  # salted; refused under other pii: settings
        settings = kept_pii.writing(con, settings)
    rows = plain.checked(events, settings)
    if rows is not None:
        # as stored: personal data hashed, and without identifiers when consent is refused
        valid = [
            consent.stripped(personal.hashed_event(row.values, settings), settings)
            for row in rows
            if row.values is not None
        ]
        ids = [values["event_id"] for values in valid]
        table = pa.table({f: [v[f] for v in valid] for f in PLAIN_TYPES}, pa.schema(PLAIN_TYPES))
        _jejak_plain = table  # read by the queries, by this name
        with python_names(con):
            found = con.execute("SELECT hash(event_id) AS h FROM _jejak_plain").fetchnumpy()
            hashes = np.asarray(found["h"], np.uint64)
            # ids shared within the group or with stored touchpoints: the SQL matches them
            shared = len(set(ids)) < len(ids) or _stored(con, table, hashes, known, fresh)
        if not shared:
            checked = Checked(plain=table, hashes=hashes, settings=settings)
            for number, row in enumerate(rows):
                if row.refused is not None:
                    checked.refused[number] = row.refused
                else:
                    checked.fates[number] = "new"
            return checked
    return _check_sql(con, events, settings, name)


_NAMING: set[int] = set()  # the connections inside python_names now, by id
_WRITERS: dict[int, duckdb.DuckDBPyConnection] = {}  # writer cursors (held: ids not reused)


def writer(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of ``con`` for one writer thread (the collector's): jejak's session
    settings, and DuckDB reading Python names on it always, so that :func:`python_names`
    asks it nothing (three statements fewer per group). Close it with :func:`let_go`."""
    cursor = con.cursor()
    prepare(cursor)
    cursor.execute("SET python_enable_replacements = true")
    _WRITERS[id(cursor)] = cursor
    return cursor


def let_go(cursor: duckdb.DuckDBPyConnection) -> None:
    """Close a :func:`writer` cursor."""
    _WRITERS.pop(id(cursor), None)
    cursor.close()


@contextmanager
def python_names(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB reads a table named in a query from the calling function's Python variable
    of that name, if no table has it (Ibis turns this off for its connection). Within
    another python_names of the same connection (a group's check and store), or on a
    :func:`writer` cursor, it is on already: each statement given to DuckDB lets the
    server's other thread take Python's lock, so the writer asks as few as it can."""
    if id(con) in _NAMING or id(con) in _WRITERS:
        yield
        return
    before = con.execute("SELECT current_setting('python_enable_replacements')").fetchall()
    con.execute("SET python_enable_replacements = true")
    _NAMING.add(id(con))
    try:
        yield
    finally:
        _NAMING.discard(id(con))
        con.execute(f"SET python_enable_replacements = {bool(before[0][0])}")


def _stored(
    con: duckdb.DuckDBPyConnection,
    _jejak_plain: pa.Table,
    hashes: np.ndarray,
    known: KnownIds | None,
    fresh: bool = False,
) -> bool:
    """Whether a touchpoint with one of the plain group's event ids is stored (their
    ``hashes`` as :class:`KnownIds` keeps them; ``fresh``: ``known`` is caught up);
    under :func:`python_names`."""
    if known is not None:
        if not fresh:
            known.catch_up(con)
        if not known.any_known(hashes):
            return False
    found = con.execute(
        "SELECT count(*) FROM touchpoints WHERE event_id IN (SELECT event_id FROM _jejak_plain)"
    ).fetchall()
    return found[0][0] > 0


def _check_sql(
    con: duckdb.DuckDBPyConnection, events: list[dict[str, Any]], settings: Settings, name: str
) -> Checked:
    """The group checked by a loaded file's SQL, its ids matched as a file's rows are."""
    columns = {f: pa.array([e.get(f) for e in events], pa.string()) for f in FIELD_NAMES}
    con.register(GROUP_VIEW, pa.table(columns))
    try:
        con.execute(stage_sql(GROUP_VIEW))
    finally:
        con.unregister(GROUP_VIEW)
    marks = amounts.Marks()
    if any(e.get("revenue") is not None for e in events):
        marks = amounts.detect(con, STAGE, ident("revenue"), settings, Path(name))
    con.execute(f"SET TimeZone = {quote(settings.timezone)}")
    try:
        with personal.phone_numbers(con, settings):
            con.execute(checked_sql(settings, plain.MAPPING, marks, STAGE, True))
    finally:
        con.execute("SET TimeZone = 'UTC'")
    consent.apply(con, CHECKED, settings)  # before the ids are matched, as a file's rows
    con.execute(no_derived_sql())  # every collected event has its event_id
    con.execute(sorted_sql(CHECKED))
    checked = Checked(matched=True)
    for row, fate in con.execute(f"SELECT _row, _status FROM ({fates_sql(CHECKED)})").fetchall():
        checked.fates[row - 1] = fate
    if checked.count("conflict"):
        mark_conflicts(con, CHECKED)
    refused = f"SELECT _row, _field, _reason FROM {CHECKED} WHERE _reason IS NOT NULL"
    for row, field_name, reason in con.execute(refused).fetchall():
        checked.refused[row - 1] = (field_name, reason)
    return checked


def store(
    con: duckdb.DuckDBPyConnection,
    checked: Checked,
    *,
    name: str,
    received: int,
    kept: list[dict[str, Any]],
    known: KnownIds | None = None,
) -> int:
    """Store the checked group's new touchpoints, its load (``received`` events sent)
    and its ``kept`` rejected rows (row, field, reason, record) in one transaction;
    the count stored. Without checked events (all refused before), only the record.
    ``known`` learns the ids stored (or, from a SQL-checked group, at its next catch-up)."""
    con.execute("BEGIN TRANSACTION")
    try:
        if known is not None and known.seen is not None and checked.hashes is not None:
            load_id = known.seen + 1  # caught up in this writer's turn (see check)
        else:
            load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchall()
            load_id = load_id[0][0]
        stored = 0
        if checked.matched:
            stored = con.execute(insert_sql(load_id, CHECKED)).fetchall()[0][0]
        elif checked.plain is not None and checked.plain.num_rows:  # every one is new
            _jejak_plain = checked.plain  # read by the query, by this name
            fields = [f.name for f in FIELDS if f.name != "properties"]
            with python_names(con):
                stored = con.execute(
                    f"INSERT INTO touchpoints ({', '.join(fields)}, properties, load_id)"
                    f" SELECT {', '.join(fields)}, {PROPERTIES_SQL}, {load_id} FROM"
                    " (SELECT *, properties AS properties_raw, NULL AS extras"
                    " FROM _jejak_plain)"
                ).fetchall()[0][0]
        record = {
            "load_id": load_id,
            "file": name,
            "rows_read": received,
            "rows_stored": stored,
            "rows_rejected": len(kept),
            "rows_repeated": checked.count("repeated"),
            "rows_conflicting": checked.count("conflict"),
        }
        record_load(con, record)
        if kept:
            con.executemany(
                "INSERT INTO rejected_rows VALUES (?, ?, ?, ?, ?)",
                [
                    [load_id, r["row"], r["field"], r["reason"], r["record"]]
                    for r in kept[:KEPT_REJECTS]
                ],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if known is not None and checked.hashes is not None:
        known.add(checked.hashes, load_id)
    return stored


def clear(con: duckdb.DuckDBPyConnection, checked: Checked | None) -> None:
    """Drop what a group left: the SQL checks' temporary tables (unless ``checked`` says
    they were not made)."""
    if checked is not None and not checked.matched:
        return
    con.execute(
        f"DROP TABLE IF EXISTS {STAGE}; DROP TABLE IF EXISTS {CHECKED};"
        f" DROP TABLE IF EXISTS {SORTED}; DROP TABLE IF EXISTS {DERIVED}"
    )
