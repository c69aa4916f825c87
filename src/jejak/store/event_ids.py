"""Event ids: derived when a file has none, and what a row is when its id is seen again.

A row's content is every field but its event_id. An id seen again with the same content
is a repeat (stored once); with other content it is a conflict: the stored touchpoint,
or else the file's first row with the id, wins, and the other row is not stored.
"""

from __future__ import annotations

import duckdb

from jejak.model.touchpoint import FIELDS, TEXT_FIELDS

SORTED = "_jejak_sorted"


PROPERTIES_SQL = (
    # merge-patching into {} drops null members (an empty cell is no property)
    "CAST(json_merge_patch('{}', coalesce(extras, '{}'), coalesce(properties_raw, '{}'))"
    " AS VARCHAR)"
)


def content_sql(alias: str = "") -> str:
    """SQL: a hash of a touchpoint's content (every field but event_id), for valid rows
    and for stored touchpoints alike."""
    parts = [f"coalesce({alias}{f}, chr(0))" for f in TEXT_FIELDS if f != "event_id"]
    parts += [
        f"CAST(epoch_us({alias}ts) AS VARCHAR)",
        f"coalesce(CAST({alias}revenue AS VARCHAR), chr(0))",
    ]
    return f"md5(concat_ws(chr(31), {', '.join(parts)}))"


def sorted_sql(checked: str) -> str:
    """Valid rows (by ``_row``) with their event ids and what becomes of each.

    ``_status``: new (stored now), repeated (an earlier row has the id and the same
    content), stored (the workspace has it, same content), or conflict: the id is taken
    by other content, in the workspace (``_stored_load``) or, when the workspace does not
    have it, in the file's first row with it (``_first_row``). The stored touchpoint or
    the first row wins; a conflicting row is not stored.

    A row without an event_id gets a hash of its content and of how many rows up to it
    have that content. Only the rows that need it are ranked (rows sharing content with
    an id-less row, rows sharing an id): most files have neither, and sorting every row
    was most of the load's time.
    """
    return f"""
        CREATE OR REPLACE TEMP TABLE {SORTED} AS
        WITH hashed AS MATERIALIZED (
            SELECT _row, event_id, event, ts, {content_sql()} AS _content
            FROM {checked} WHERE _reason IS NULL
        ), numbered AS (
            SELECT _row, event_id, row_number() OVER (
                PARTITION BY _content ORDER BY _row) AS _number
            FROM hashed WHERE _content IN (SELECT _content FROM hashed WHERE event_id IS NULL)
        ), identified AS MATERIALIZED (
            SELECT h.*, coalesce(h.event_id,
                md5(h._content || ':' || CAST(n._number AS VARCHAR))) AS _event_id
            FROM hashed h LEFT JOIN numbered n ON n._row = h._row AND n.event_id IS NULL
        ), ranked AS (
            SELECT _row, min(_row) OVER (PARTITION BY _event_id) AS _first_row,
                first_value(_content) OVER (PARTITION BY _event_id ORDER BY _row)
                    AS _first_content,
                first_value(event) OVER (PARTITION BY _event_id ORDER BY _row) AS _first_event,
                first_value(ts) OVER (PARTITION BY _event_id ORDER BY _row) AS _first_ts,
                row_number() OVER (PARTITION BY _event_id, _content ORDER BY _row) AS _copy
            FROM identified WHERE _event_id IN (
                SELECT _event_id FROM identified GROUP BY _event_id HAVING count(*) > 1)
        ), found AS (
            SELECT i._row, i._event_id, i._content,
                coalesce(k._first_row, i._row) AS _first_row,
                coalesce(k._first_content, i._content) AS _first_content,
                coalesce(k._copy, 1) AS _copy,
                CASE WHEN k._first_row <> i._row THEN k._first_event END AS _first_event,
                CASE WHEN k._first_row <> i._row THEN k._first_ts END AS _first_ts
            FROM identified i LEFT JOIN ranked k ON k._row = i._row
        )
        SELECT r.*, t.event_id IS NOT NULL AS _in_store, t.load_id AS _stored_load,
            t.event AS _stored_event, t.ts AS _stored_ts,
            CASE WHEN t.event_id IS NOT NULL THEN
                    CASE WHEN {content_sql("t.")} <> r._content THEN 'conflict'
                    WHEN r._copy > 1 THEN 'repeated' ELSE 'stored' END
                WHEN r._row = r._first_row THEN 'new'
                WHEN r._content = r._first_content THEN 'repeated'
                ELSE 'conflict' END AS _status
        FROM found r
        LEFT JOIN touchpoints t ON t.event_id = r._event_id
    """


def insert_sql(load_id: int, checked: str) -> str:
    """The new touchpoints: valid rows whose event id is neither repeated nor stored."""
    fields = ", ".join(f"c.{f.name}" for f in FIELDS if f.name not in ("event_id",))
    return (
        f"INSERT INTO touchpoints SELECT s._event_id AS event_id, {fields}, {load_id} AS load_id"
        f" FROM {checked} c JOIN {SORTED} s ON s._row = c._row WHERE s._status = 'new'"
    )


def _when(column: str) -> str:
    return f"strftime(timezone('UTC', {column}), '%Y-%m-%d %H:%M:%S UTC')"


def mark_conflicts(con: duckdb.DuckDBPyConnection, checked: str) -> None:
    """Conflicting rows become rejected rows (field event_id) saying what they lost to."""
    con.execute(
        f"""
        UPDATE {checked} c SET _field = 'event_id', _reason = CASE
            WHEN NOT s._in_store THEN
                'is also the event_id of row ' || s._first_row || ', with other content'
                || ' (there: ' || s._first_event || ' at ' || {_when("s._first_ts")}
                || '); row ' || s._first_row || ' was stored, not this row; give every'
                || ' touchpoint its own event_id'
            ELSE
                'is already stored with other content (load ' || s._stored_load
                || ': ' || s._stored_event || ' at ' || {_when("s._stored_ts")}
                || '); the stored touchpoint was kept, not this row; give this one its'
                || ' own event_id'
            END
        FROM {SORTED} s WHERE s._row = c._row AND s._status = 'conflict'
        """
    )
