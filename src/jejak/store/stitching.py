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
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import ibis

from jejak.language import gettext
from jejak.store import identity, progress

TABLE, LINKS, STATE = "stitched", "stitched_links", "stitched_state"
CHANGED = "_jejak_changed_ids"
LEGACY_PREFIX = "stitched_"  # one table per version, as kept before
REBUILD_SHARE = 0.25  # rows added since the last whole build, as a share of it
STATE_SQL = (  # part of the workspace's schema: one row once the table is kept
    f"CREATE TABLE IF NOT EXISTS {STATE} (version VARCHAR, load_id INTEGER,"
    " touchpoints BIGINT, built_rows BIGINT, added_rows BIGINT)"
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
    backend: ibis.BaseBackend,
    *,
    touchpoints: ibis.Table,
    mapping: ibis.Table | None,
    load_id: int,
    count: int,
    on_progress: progress.ProgressCallback | None = None,
) -> str:
    """Bring the stitched touchpoints to the data as it is (``touchpoints``: the stored
    table with ``load_id``; ``mapping``: the identity links; ``load_id`` and ``count``:
    the data version). Run it inside a transaction. Returns what was done: "kept" (up to
    date already), "updated" (only what changed) or "built" (whole)."""
    version = version_key(load_id, count)
    state = kept(con)
    if state is not None and state.version == version:
        return "kept"
    plain = touchpoints.drop("load_id")
    winners = backend.compile(identity.winners(plain, mapping))
    if state is not None and _can_update(con, state, load_id, count):
        progress.run(con, _changed_sql(winners), gettext("finding changed identities"), on_progress)
        con.execute(f"DELETE FROM {TABLE} WHERE anonymous_id IN (SELECT id FROM {CHANGED})")
        con.execute(f"DELETE FROM {LINKS}")
        con.execute(f"INSERT INTO {LINKS} {winners}")
        changed = backend.table(CHANGED).id
        touched = touchpoints.filter(
            (touchpoints.load_id > state.load_id) | touchpoints.anonymous_id.isin(changed)
        )
        rows = identity.assigned(touched.drop("load_id"), backend.table(LINKS))
        before = con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0]
        sql = f"INSERT INTO {TABLE} BY NAME {backend.compile(rows)}"
        progress.run(con, sql, gettext("stitching new touchpoints"), on_progress)
        after = con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0]
        con.execute(f"DROP TABLE IF EXISTS {CHANGED}")
        added = state.added_rows + after - before  # they come after the ordered rows
        _record(con, version, load_id, count, state.built_rows, added)
        return "updated"
    con.execute(f"CREATE OR REPLACE TABLE {LINKS} AS {winners}")
    rows = identity.assigned(plain, backend.table(LINKS))
    sql = f"CREATE OR REPLACE TABLE {TABLE} AS {backend.compile(rows)} ORDER BY person_id, ts"
    progress.run(con, sql, gettext("stitching journeys"), on_progress)
    built = con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0]
    _record(con, version, load_id, count, built, 0)
    _drop_legacy(con)
    return "built"


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
