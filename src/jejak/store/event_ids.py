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
    """Valid rows with their event ids and what becomes of each.

    ``_status``: new (stored now), repeated (an earlier row has the id and the same
    content), stored (the workspace has it, same content), or conflict: the id is taken
    by other content, in the workspace (``_stored_load``) or, when the workspace does not
    have it, in the file's first row with it (``_first_row``). The stored touchpoint or
    the first row wins; a conflicting row is not stored.
    """
    return f"""
        CREATE OR REPLACE TEMP TABLE {SORTED} AS
        WITH valid AS (
            SELECT *, {PROPERTIES_SQL} AS properties FROM {checked} WHERE _reason IS NULL
        ), hashed AS (
            SELECT *, {content_sql()} AS _content FROM valid
        ), identified AS (
            SELECT *, coalesce(event_id, md5(_content || ':' || CAST(row_number() OVER (
                PARTITION BY _content ORDER BY _row) AS VARCHAR))) AS _event_id
            FROM hashed
        ), ranked AS (
            SELECT *,
                first_value(_row) OVER (PARTITION BY _event_id ORDER BY _row) AS _first_row,
                first_value(_content) OVER (PARTITION BY _event_id ORDER BY _row)
                    AS _first_content,
                row_number() OVER (PARTITION BY _event_id, _content ORDER BY _row) AS _copy
            FROM identified
        )
        SELECT r.*, t.event_id IS NOT NULL AS _in_store, t.load_id AS _stored_load,
            t.event AS _stored_event, t.ts AS _stored_ts,
            f.event AS _first_event, f.ts AS _first_ts,
            CASE WHEN t.event_id IS NOT NULL THEN
                    CASE WHEN {content_sql("t.")} <> r._content THEN 'conflict'
                    WHEN r._copy > 1 THEN 'repeated' ELSE 'stored' END
                WHEN r._row = r._first_row THEN 'new'
                WHEN r._content = r._first_content THEN 'repeated'
                ELSE 'conflict' END AS _status
        FROM ranked r
        LEFT JOIN touchpoints t ON t.event_id = r._event_id
        LEFT JOIN valid f ON f._row = r._first_row AND r._row <> r._first_row
    """


def insert_sql(load_id: int) -> str:
    """The new touchpoints: valid rows whose event id is neither repeated nor stored."""
    fields = ", ".join(f.name for f in FIELDS if f.name != "event_id")
    return (
        f"INSERT INTO touchpoints SELECT _event_id AS event_id, {fields}, {load_id} AS load_id"
        f" FROM {SORTED} WHERE _status = 'new'"
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
