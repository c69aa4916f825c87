"""Event ids and each row's fate, against the straightforward query they replaced.

``sorted_sql`` ranks only the rows whose id another row or a stored touchpoint has, and
``derived_sql`` numbers only rows sharing content with a row without id. The reference
below ranks every row, as loads did before; both must give every row the same id,
status and first row, on a file that mixes all cases.
"""

from __future__ import annotations

from jejak.store.event_ids import (
    SORTED,
    content_sql,
    derived_sql,
    fates_sql,
    sorted_sql,
)

CHECKED = "_test_checked"

# the query loads used before ranking only the rows that need it
REFERENCE = f"""
    WITH valid AS (
        SELECT * FROM {CHECKED} WHERE _reason IS NULL
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
    SELECT r._row, r._event_id, r._first_row, t.event_id IS NOT NULL AS _in_store,
        t.load_id AS _stored_load, f.event AS _first_event, f.ts AS _first_ts,
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

COLUMNS = "_row, _event_id, _first_row, _in_store, _stored_load, _first_event, _first_ts, _status"

# (row, event_id, customer_id, event, hour, revenue, valid): every case of a row's fate
ROWS = [
    (1, "e1", "c1", "page_view", 10, None, True),  # new
    (2, "e1", "c1", "page_view", 10, None, True),  # same id, same content: repeated
    (3, "e1", "c2", "page_view", 10, None, True),  # same id, other content: conflict
    (4, None, "c1", "page_view", 10, None, True),  # no id, same content as row 1: copy 2
    (5, None, "c1", "page_view", 10, None, True),  # and again: copy 3
    (6, None, "c3", "order", 11, 5.0, True),  # no id, content of its own
    (7, None, "c3", "order", 11, 5.0, True),  # its second copy
    (8, "s1", "c4", "order", 12, 9.0, True),  # stored with this content: stored
    (9, "s1", "c4", "order", 12, 9.0, True),  # and repeated after that
    (10, "s2", "c5", "order", 12, 1.0, True),  # stored with other content: conflict
    (11, "e9", "c6", "login", 13, None, False),  # invalid: no fate
    (12, "e9", "c6", "login", 13, None, True),  # its id is new here
    (13, None, "c7", "signup", 14, None, True),  # derived id also given to row 14
    (14, "derived", "c8", "signup", 14, None, True),  # (set below) other content: conflict
]


def checked_table(con) -> None:
    """The checked rows of a hand-made file, as a load's CHECKED table holds them."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {CHECKED} (_row BIGINT, _reason VARCHAR,"
        " event_id VARCHAR, customer_id VARCHAR, anonymous_id VARCHAR, event VARCHAR,"
        " channel VARCHAR, source VARCHAR, medium VARCHAR, campaign VARCHAR,"
        " context VARCHAR, need VARCHAR, currency VARCHAR, properties VARCHAR,"
        " ts TIMESTAMPTZ, revenue DOUBLE)"
    )
    for row, event_id, customer, event, hour, revenue, valid in ROWS:
        con.execute(
            f"INSERT INTO {CHECKED} VALUES (?, ?, ?, ?, NULL, ?, NULL, NULL, NULL, NULL,"
            " NULL, NULL, NULL, '{}', make_timestamptz(2026, 1, 1, ?, 0, 0.0), ?)",
            [row, None if valid else "invalid", event_id, customer, event, hour, revenue],
        )
    # row 14 takes the id row 13 derives, so the two collide after deriving
    derived = con.execute(
        f"SELECT md5({content_sql()} || ':1') FROM {CHECKED} WHERE _row = 13"
    ).fetchall()[0][0]
    con.execute(f"UPDATE {CHECKED} SET event_id = ? WHERE _row = 14", [derived])


def test_every_row_has_the_fate_the_full_ranking_gives_it(open_workspace):
    ws = open_workspace()
    con = ws.con
    con.execute(
        "INSERT INTO touchpoints (event_id, customer_id, event, ts, revenue, properties,"
        " load_id) VALUES ('s1', 'c4', 'order', '2026-01-01 12:00:00+00', 9.0, '{}', 1),"
        " ('s2', 'c5', 'order', '2026-01-01 12:00:00+00', 2.0, '{}', 1)"
    )
    checked_table(con)

    con.execute(derived_sql(CHECKED))
    con.execute(sorted_sql(CHECKED))
    fates = con.execute(f"SELECT * FROM ({fates_sql(CHECKED)}) ORDER BY _row").fetchall()
    ranked = con.execute(f"SELECT {COLUMNS} FROM {SORTED} ORDER BY _row").fetchall()
    expected = con.execute(f"SELECT {COLUMNS} FROM ({REFERENCE}) ORDER BY _row").fetchall()

    assert fates == [(row, event_id, status) for row, event_id, *_, status in expected]
    # the rows not ranked are new, each the first with its id
    assert ranked == [r for r in expected if r[0] in {row for row, *_ in ranked}]
    assert all(
        (status, first_row, event) == ("new", row, None)
        for row, _, first_row, _, _, event, _, status in expected
        if row not in {row for row, *_ in ranked}
    )
    assert {row for row, *_ in ranked} == {1, 2, 3, 8, 9, 10, 13, 14}
    statuses = [(row, status) for row, _, status in fates]
    assert statuses == [
        (1, "new"),
        (2, "repeated"),
        (3, "conflict"),
        (4, "new"),
        (5, "new"),
        (6, "new"),
        (7, "new"),
        (8, "stored"),
        (9, "repeated"),
        (10, "conflict"),
        (12, "new"),
        (13, "new"),
        (14, "conflict"),
    ]
