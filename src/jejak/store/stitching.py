"""Touchpoints stitched to people, kept in the workspace and brought up to date.

Stitching (who each touchpoint belongs to, see :mod:`jejak.store.identity`) reads every
touchpoint and link; analyses would otherwise repeat it on every call. The workspace
keeps the stitched touchpoints (table ``stitched``), the winning links they were
stitched with (``stitched_links``) and the data version they are of
(``stitched_state``), all changed in one transaction. Analyses read the table only when
it is of the data they see (their snapshot); otherwise (a collector batch since) they
stitch on the fly, with the same answer, until it is brought up to date.

Bringing it up to date touches only what changed: the new touchpoints, and every
touchpoint of an anonymous id whose winning link changed (a new claim, a mapping file).
The table is kept ordered by person and time when it is built whole; rows added since
come after, and once they are a quarter of it, it is built whole again. No reader relies
on the order; it is for speed: the sort is about a third of a whole build (1M rows),
and without it the analyses that read the table took 10-25% more CPU (see
``benchmarks/stitched_order.py``).

The SQL is :mod:`jejak.store.identity`'s, as Ibis compiles it for DuckDB, kept here as
text (:data:`WINNERS_SQL`, :data:`ASSIGNED_SQL`): a load neither imports Ibis nor
compiles, which cost every ``jejak load`` about 0.65 s on one thread: a third of a small
file's load, and near half of the time DuckDB's ``read_csv`` takes for 1M rows.
``tests/test_stitching.py`` checks that the text is what Ibis compiles (:func:`compiled`
gives it anew after a change to identity's expressions or an Ibis upgrade).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from jejak.language import gettext
from jejak.store import progress

TABLE, LINKS, STATE = "stitched", "stitched_links", "stitched_state"
CHANGED = "_jejak_changed_ids"
TOUCHED = "_jejak_touched"  # the touchpoints an update stitches again (a view)
LEGACY_PREFIX = "stitched_"  # one table per version, as kept before
REBUILD_SHARE = 0.25  # rows added since the last whole build, as a share of it
STATE_SQL = (  # part of the workspace's schema: one row once the table is kept
    f"CREATE TABLE IF NOT EXISTS {STATE} (version VARCHAR, load_id INTEGER,"
    " touchpoints BIGINT, built_rows BIGINT, added_rows BIGINT)"
)


# identity.winners(touchpoints, identity links): (anonymous_id, linked_customer_id)
WINNERS_SQL = (
    'WITH "t8" AS (SELECT "t7"."anonymous_id", "t7"."customer_id", "t7"."ts", '
    '"t7"."priority", "t7"."recency", ROW_NUMBER() OVER (PARTITION BY "t7"."anonymous_id" '
    'ORDER BY CAST(STARTS_WITH("t7"."customer_id", \'email:\') OR '
    'STARTS_WITH("t7"."customer_id", \'phone:\') AS TINYINT) ASC, "t7"."priority" ASC, '
    '"t7"."recency" DESC, "t7"."ts" ASC NULLS FIRST, "t7"."customer_id" ASC ROWS BETWEEN '
    'UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) - 1 AS "rank" FROM (SELECT * FROM (SELECT '
    '"t5"."anonymous_id", "t5"."customer_id", CAST("t5"."ts" AS TIMESTAMPTZ) AS "ts", 1 AS '
    '"priority", 0 AS "recency" FROM (SELECT "t4"."anonymous_id", "t4"."customer_id", '
    'MIN("t4"."ts") AS "ts" FROM (SELECT * FROM (SELECT "t1".* EXCLUDE ("load_id") FROM '
    '"touchpoints" AS "t1") AS "t2" WHERE "t2"."anonymous_id" IS NOT NULL AND '
    '"t2"."customer_id" IS NOT NULL) AS "t4" GROUP BY 1, 2) AS "t5") AS "t6" UNION ALL '
    'SELECT * FROM (SELECT CAST("t0"."anonymous_id" AS TEXT) AS "anonymous_id", '
    'CAST("t0"."customer_id" AS TEXT) AS "customer_id", CAST(NULL AS TIMESTAMPTZ) AS "ts", '
    '0 AS "priority", CAST("t0"."load_id" AS BIGINT) AS "recency" FROM "identity_links" AS '
    '"t0" WHERE "t0"."anonymous_id" IS NOT NULL AND "t0"."customer_id" IS NOT NULL) AS '
    '"t3") AS "t7"), "t10" AS (SELECT "t9"."anonymous_id", "t9"."customer_id" AS '
    '"linked_customer_id" FROM "t8" AS "t9" WHERE "t9"."rank" = 0) SELECT '
    '"t22"."anonymous_id", COALESCE("t18"."next_linked", "t22"."linked_customer_id") AS '
    '"linked_customer_id" FROM (SELECT "t20"."anonymous_id", "t20"."linked_customer_id", '
    'CASE WHEN STARTS_WITH("t20"."linked_customer_id", \'email:\') OR '
    'STARTS_WITH("t20"."linked_customer_id", \'phone:\') THEN "t20"."linked_customer_id" ELSE '
    'CAST(NULL AS TEXT) END AS "hop" FROM (SELECT "t15"."anonymous_id", '
    'COALESCE("t19"."next_linked", "t15"."linked_customer_id") AS "linked_customer_id" FROM '
    '(SELECT "t9"."anonymous_id", "t9"."customer_id" AS "linked_customer_id", CASE WHEN '
    'STARTS_WITH("t9"."customer_id", \'email:\') OR STARTS_WITH("t9"."customer_id", \'phone:\') '
    'THEN "t9"."customer_id" ELSE CAST(NULL AS TEXT) END AS "hop" FROM "t8" AS "t9" WHERE '
    '"t9"."rank" = 0) AS "t15" LEFT OUTER JOIN (SELECT "t14"."anonymous_id" AS "next_id", '
    '"t14"."linked_customer_id" AS "next_linked" FROM "t10" AS "t14") AS "t19" ON '
    '"t15"."hop" = "t19"."next_id") AS "t20") AS "t22" LEFT OUTER JOIN (SELECT '
    '"t13"."anonymous_id" AS "next_id", "t13"."linked_customer_id" AS "next_linked" FROM '
    '"t10" AS "t13") AS "t18" ON "t22"."hop" = "t18"."next_id"'
)

# identity.assigned(touchpoints, winners kept): the touchpoints with person_id
ASSIGNED_SQL = (
    'SELECT "t9".* EXCLUDE ("linked_customer_id") FROM (SELECT "t8"."event_id", '
    '"t8"."customer_id", "t8"."anonymous_id", "t8"."ts", "t8"."event", "t8"."channel", '
    '"t8"."source", "t8"."medium", "t8"."campaign", "t8"."context", "t8"."need", '
    '"t8"."revenue", "t8"."currency", "t8"."properties", "t8"."linked_customer_id", '
    'COALESCE("t8"."customer_id", "t8"."linked_customer_id", CASE WHEN '
    'STARTS_WITH("t8"."anonymous_id", \'email:\') OR STARTS_WITH("t8"."anonymous_id", '
    '\'phone:\') THEN "t8"."anonymous_id" ELSE \'anon:\' || "t8"."anonymous_id" END) AS '
    '"person_id" FROM (SELECT "t7".* EXCLUDE ("linked_anonymous_id") FROM (SELECT '
    '"t6"."event_id", "t6"."customer_id", "t6"."anonymous_id", "t6"."ts", "t6"."event", '
    '"t6"."channel", "t6"."source", "t6"."medium", "t6"."campaign", "t6"."context", '
    '"t6"."need", "t6"."revenue", "t6"."currency", "t6"."properties", '
    '"t4"."linked_anonymous_id", "t4"."linked_customer_id" FROM (SELECT * FROM (SELECT '
    '"t0".* EXCLUDE ("load_id") FROM "touchpoints" AS "t0") AS "t2" WHERE '
    '("t2"."customer_id" IS NOT NULL) OR ("t2"."anonymous_id" IS NOT NULL)) AS "t6" LEFT '
    'OUTER JOIN (SELECT "t1"."anonymous_id" AS "linked_anonymous_id", '
    '"t1"."linked_customer_id" FROM "stitched_links" AS "t1") AS "t4" ON '
    '"t6"."anonymous_id" = "t4"."linked_anonymous_id") AS "t7") AS "t8") AS "t9"'
)


def version_key(load_id: int, touchpoints: int) -> str:
    """How the data version stitched is named: its latest load and touchpoint count."""
    return f"{load_id}_{touchpoints}"


@dataclass(frozen=True)
class Kept:
    """What the stitched table is of: the version, its latest load and touchpoint count,
    the rows of its last whole build and the rows added since."""

    version: str
    load_id: int
    touchpoints: int
    built_rows: int
    added_rows: int


def kept(con: duckdb.DuckDBPyConnection) -> Kept | None:
    """The stitched table's state in this snapshot, or None when there is none."""
    row = con.execute(
        f"SELECT version, load_id, touchpoints, built_rows, added_rows FROM {STATE}"
    ).fetchall()
    return Kept(*row[0]) if row else None


def current(con: duckdb.DuckDBPyConnection, version: str) -> bool:
    """Whether the stitched table is of ``version`` (in this snapshot)."""
    state = kept(con)
    return state is not None and state.version == version


def keep(
    con: duckdb.DuckDBPyConnection,
    *,
    load_id: int,
    count: int,
    on_progress: progress.ProgressCallback | None = None,
) -> str:
    """Bring the stitched touchpoints to the data as it is (the stored touchpoints and
    identity links; ``load_id`` and ``count``: the data version). Run it inside a
    transaction. Returns what was done: "kept" (up to date already), "updated" (only
    what changed) or "built" (whole)."""
    version = version_key(load_id, count)
    state = kept(con)
    if state is not None and state.version == version:
        return "kept"
    if state is not None and _can_update(con, state, load_id, count):
        sql = _changed_sql(WINNERS_SQL)
        progress.run(con, sql, gettext("finding changed identities"), on_progress)
        con.execute(f"DELETE FROM {TABLE} WHERE anonymous_id IN (SELECT id FROM {CHANGED})")
        con.execute(f"DELETE FROM {LINKS}")
        con.execute(f"INSERT INTO {LINKS} {WINNERS_SQL}")
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {TOUCHED} AS SELECT * FROM touchpoints"
            f" WHERE load_id > {int(state.load_id)} OR anonymous_id IN (SELECT id FROM {CHANGED})"
        )
        before = con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0]
        sql = f"INSERT INTO {TABLE} BY NAME {assigned_sql(TOUCHED)}"
        progress.run(con, sql, gettext("stitching new touchpoints"), on_progress)
        after = con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0]
        con.execute(f"DROP VIEW IF EXISTS {TOUCHED}; DROP TABLE IF EXISTS {CHANGED}")
        added = state.added_rows + after - before  # they come after the ordered rows
        _record(con, version, load_id, count, state.built_rows, added)
        return "updated"
    con.execute(f"CREATE OR REPLACE TABLE {LINKS} AS {WINNERS_SQL}")
    sql = f"CREATE OR REPLACE TABLE {TABLE} AS {assigned_sql()} ORDER BY person_id, ts"
    progress.run(con, sql, gettext("stitching journeys"), on_progress)
    built = con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0]
    _record(con, version, load_id, count, built, 0)
    _drop_legacy(con)
    return "built"


def assigned_sql(source: str = "touchpoints") -> str:
    """SQL: the touchpoints of ``source`` (a table or view of the touchpoints' columns)
    with their ``person_id``, under the winning links kept (:data:`ASSIGNED_SQL`)."""
    return ASSIGNED_SQL.replace(' FROM "touchpoints" AS ', f' FROM "{source}" AS ')


def compiled() -> tuple[str, str]:
    """What :data:`WINNERS_SQL` and :data:`ASSIGNED_SQL` are: identity's expressions over
    a workspace's tables (the touchpoints, the identity links and the winning links
    kept), as Ibis compiles them for DuckDB now."""
    from jejak.store import identity
    from jejak.store.storage import Storage

    with Storage(None) as storage:
        backend = storage.backend
        plain = backend.table("touchpoints").drop("load_id")
        winners = backend.compile(identity.winners(plain, storage.identity_links()))
        storage.con.execute(f"CREATE TABLE {LINKS} AS {winners}")
        return winners, backend.compile(identity.assigned(plain, backend.table(LINKS)))


def removed(con: duckdb.DuckDBPyConnection, load_id: int, count: int) -> None:
    """Say the stitched table is of the data version (``load_id``, ``count``) after rows
    were removed from it and from the touchpoints alike (an erasure, see
    :mod:`jejak.store.erasure`), so that it is not stitched again whole."""
    state = kept(con)
    if state is not None:
        version = version_key(load_id, count)
        _record(con, version, load_id, count, state.built_rows, state.added_rows)


def _can_update(con: duckdb.DuckDBPyConnection, state: Kept, load_id: int, count: int) -> bool:
    """Whether the data only grew since ``state`` (nothing removed) and the rows added
    since the last whole build stay a small share of it."""
    if load_id < state.load_id:
        return False
    newer = con.execute(
        "SELECT count(*) FROM touchpoints WHERE load_id > ?", [state.load_id]
    ).fetchall()[0][0]
    if count != state.touchpoints + newer:
        return False
    return state.added_rows + newer <= REBUILD_SHARE * max(state.built_rows, 1)


def _changed_sql(winners: str) -> str:
    """The anonymous ids whose winning link is new, gone or another than when stitched."""
    return (
        f"CREATE OR REPLACE TEMP TABLE {CHANGED} AS"
        f" SELECT coalesce(n.anonymous_id, o.anonymous_id) AS id"
        f" FROM ({winners}) n FULL OUTER JOIN {LINKS} o ON n.anonymous_id = o.anonymous_id"
        f" WHERE n.linked_customer_id IS DISTINCT FROM o.linked_customer_id"
    )


def _record(
    con: duckdb.DuckDBPyConnection, version: str, load_id: int, count: int, built: int, added: int
) -> None:
    con.execute(f"DELETE FROM {STATE}")
    con.execute(
        f"INSERT INTO {STATE} VALUES (?, ?, ?, ?, ?)", [version, load_id, count, built, added]
    )


def _drop_legacy(con: duckdb.DuckDBPyConnection) -> None:
    """Tables of the stitched touchpoints as kept before, one per data version."""
    older = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE regexp_full_match(table_name, ?)"
        " AND NOT temporary",
        [f"{LEGACY_PREFIX}\\d+_\\d+"],
    ).fetchall()
    for (table,) in older:
        con.execute(f"DROP TABLE IF EXISTS {table}")
