"""Event ids: derived when a file has none, and what a row is when its id is seen again.

A row's content is every field but its event_id. An id seen again with the same content
is a repeat (stored once); with other content it is a conflict: the stored touchpoint,
or else the file's first row with the id, wins, and the other row is not stored.
"""

from __future__ import annotations

import duckdb

from jejak.model.touchpoint import FIELDS, TEXT_FIELDS

SORTED = "_jejak_sorted"  # the valid rows that are not simply new
DERIVED = "_jejak_derived"  # derived ids of rows whose content an earlier row has


def properties_sql(raw: str = "properties_raw") -> str:
    """SQL: a row's properties from its other columns (``extras``) and its properties
    column (``raw``, JSON text)."""
    # merge-patching into {} drops null members (an empty cell is no property); a row
    # with neither has none ({} patched with {} twice), as most rows of most files
    merged = (
        f"CAST(json_merge_patch('{{}}', coalesce(extras, '{{}}'), coalesce({raw}, '{{}}'))"
        " AS VARCHAR)"
    )
    return f"CASE WHEN extras IS NULL AND {raw} IS NULL THEN '{{}}' ELSE {merged} END"


PROPERTIES_SQL = properties_sql()


def content_sql(alias: str = "") -> str:
    """SQL: a hash of a touchpoint's content (every field but event_id), for valid rows
    and for stored touchpoints alike."""
    parts = [f"coalesce({alias}{f}, chr(0))" for f in TEXT_FIELDS if f != "event_id"]
    parts += [
        f"CAST(epoch_us({alias}ts) AS VARCHAR)",
        f"coalesce(CAST({alias}revenue AS VARCHAR), chr(0))",
    ]
    return f"md5(concat_ws(chr(31), {', '.join(parts)}))"


def _event_id_sql(row: str = "c.", derived: str | None = "x.") -> str:
    """SQL: a valid row's event id: its own, or its content's hash numbered by how many
    rows up to it have that content (``derived`` has the numbers above 1; None: no row's
    number is above 1)."""
    above = "" if derived is None else f"{derived}_event_id, "
    return f"coalesce({row}event_id, {above}md5({content_sql(row)} || ':1'))"


def derived_sql(checked: str) -> str:
    """Event ids of rows without one whose content an earlier row has too (the k-th
    row with a content gets the hash of the content and k; the first one, k = 1, is
    computed where it is used)."""
    return f"""
        CREATE OR REPLACE TEMP TABLE {DERIVED} AS
        WITH hashed AS MATERIALIZED (
            SELECT _row, event_id, {content_sql()} AS _content
            FROM {checked} WHERE _reason IS NULL
        ), shared AS (
            SELECT _content FROM hashed GROUP BY _content
            HAVING count(*) > 1 AND count(*) > count(event_id)
        )
        SELECT _row, md5(_content || ':' || CAST(_number AS VARCHAR)) AS _event_id FROM (
            SELECT _row, event_id, _content,
                row_number() OVER (PARTITION BY _content ORDER BY _row) AS _number
            FROM hashed WHERE _content IN (SELECT _content FROM shared)
        ) WHERE event_id IS NULL AND _number > 1
    """


def no_derived_sql() -> str:
    """The table of :func:`derived_sql` for a file whose rows all have event ids."""
    return f"CREATE OR REPLACE TEMP TABLE {DERIVED} (_row BIGINT, _event_id VARCHAR)"


def sorted_sql(checked: str, own_ids: bool = False) -> str:
    """The valid rows that are not simply new, with their event ids and fates; every
    other valid row is new (stored now, under :func:`_event_id_sql`'s id).

    ``_status``: new (stored now: the first of the file's rows with an id), repeated (an
    earlier row has the id and the same content), stored (the workspace has it, same
    content), or conflict: the id is taken by other content, in the workspace
    (``_stored_load``) or, when the workspace does not have it, in the file's first row
    with it (``_first_row``). The stored touchpoint or the first row wins; a conflicting
    row is not stored.

    Only rows whose id another row or a stored touchpoint has are ranked: most files
    have none, and ranking every row was most of a load's time and memory. ``own_ids``:
    every valid row has its own event_id, so finding the shared ones reads only the ids
    (a content's id needs every field).
    """
    identified = (
        f"SELECT c.*, c.event_id AS _event_id FROM {checked} c"
        if own_ids
        else f"SELECT c.*, {_event_id_sql()} AS _event_id"
        f" FROM {checked} c LEFT JOIN {DERIVED} x ON x._row = c._row"
    )
    return f"""
        CREATE OR REPLACE TEMP TABLE {SORTED} AS
        WITH identified AS NOT MATERIALIZED (
            {identified} WHERE c._reason IS NULL
        ), shared AS (
            SELECT _event_id FROM identified GROUP BY _event_id HAVING count(*) > 1
            UNION
            SELECT t.event_id FROM touchpoints t JOIN identified i ON i._event_id = t.event_id
        ), ranked AS (
            SELECT _row, _event_id, _content,
                min(_row) OVER (PARTITION BY _event_id) AS _first_row,
                first_value(_content) OVER (PARTITION BY _event_id ORDER BY _row)
                    AS _first_content,
                first_value(event) OVER (PARTITION BY _event_id ORDER BY _row) AS _event,
                first_value(ts) OVER (PARTITION BY _event_id ORDER BY _row) AS _ts,
                row_number() OVER (PARTITION BY _event_id, _content ORDER BY _row) AS _copy
            FROM (
                SELECT *, {content_sql()} AS _content FROM identified
                WHERE _event_id IN (SELECT _event_id FROM shared)
            )
        )
        SELECT r._row, r._event_id, r._first_row,
            CASE WHEN r._row <> r._first_row THEN r._event END AS _first_event,
            CASE WHEN r._row <> r._first_row THEN r._ts END AS _first_ts,
            t.event_id IS NOT NULL AS _in_store, t.load_id AS _stored_load,
            t.event AS _stored_event, t.ts AS _stored_ts,
            CASE WHEN t.event_id IS NOT NULL THEN
                    CASE WHEN {content_sql("t.")} <> r._content THEN 'conflict'
                    WHEN r._copy > 1 THEN 'repeated' ELSE 'stored' END
                WHEN r._row = r._first_row THEN 'new'
                WHEN r._content = r._first_content THEN 'repeated'
                ELSE 'conflict' END AS _status
        FROM ranked r
        LEFT JOIN touchpoints t ON t.event_id = r._event_id
    """


def fates_sql(checked: str) -> str:
    """SQL: every valid row's ``_row``, ``_event_id`` and ``_status`` (see
    :func:`sorted_sql`)."""
    return (
        f"SELECT c._row, coalesce(s._event_id, {_event_id_sql()}) AS _event_id,"
        f" coalesce(s._status, 'new') AS _status FROM {checked} c"
        f" LEFT JOIN {DERIVED} x ON x._row = c._row LEFT JOIN {SORTED} s ON s._row = c._row"
        " WHERE c._reason IS NULL"
    )


def all_new(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every valid row is new under the first id of its content (nothing derived
    beyond it, nothing matched), as in most files: :func:`insert_sql` then joins nothing."""
    found = con.execute(
        f"SELECT NOT EXISTS (SELECT 1 FROM {SORTED}) AND NOT EXISTS (SELECT 1 FROM {DERIVED})"
    )
    return bool(found.fetchall()[0][0])


def insert_sql(
    load_id: int, checked: str, joined: bool = True, valid: str = "c._reason IS NULL"
) -> str:
    """The new touchpoints: valid rows whose event id is neither repeated nor stored.
    Not ``joined`` (:func:`all_new`) every ``valid`` row is stored, under its own id or
    its content's: without the joins DuckDB writes the table on all its threads, in
    order (a join's rows carry no order, so they were written on one)."""
    fields = ", ".join(f"c.{f.name}" for f in FIELDS if f.name != "event_id")
    if not joined:
        return (
            f"INSERT INTO touchpoints SELECT {_event_id_sql(derived=None)}"
            f" AS event_id, {fields}, {load_id} AS load_id FROM {checked} c WHERE {valid}"
        )
    return (
        f"INSERT INTO touchpoints SELECT {_event_id_sql()} AS event_id, {fields},"
        f" {load_id} AS load_id FROM {checked} c LEFT JOIN {DERIVED} x ON x._row = c._row"
        f" LEFT JOIN {SORTED} s ON s._row = c._row"
        " WHERE c._reason IS NULL AND coalesce(s._status, 'new') = 'new'"
    )


def _when(column: str) -> str:
    return f"strftime(timezone('UTC', {column}), '%Y-%m-%d %H:%M:%S UTC')"


def mark_conflicts(con: duckdb.DuckDBPyConnection, checked: str, row: str = "c._row") -> None:
    """Conflicting rows become rejected rows (field event_id) saying what they lost to.
    ``checked`` is a table; ``row`` the SQL of its rows' numbers (it called c)."""
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
        FROM {SORTED} s WHERE s._row = {row} AND s._status = 'conflict'
        """
    )
