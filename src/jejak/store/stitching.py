"""Touchpoints stitched to people, kept in the workspace for the data as it is.

Stitching (who each touchpoint belongs to, see :mod:`jejak.store.identity`) reads every
touchpoint and link; analyses would otherwise repeat it on every call. A load keeps the
stitched touchpoints in a table named for the data version it was built on, ordered by
person and time. Analyses read it only when it is of the data they see: otherwise (a
collector batch since) they stitch as before, until the next one is kept.
"""

from __future__ import annotations

import duckdb
import ibis

from jejak.store import progress

PREFIX = "stitched_"


def table_name(load_id: int, touchpoints: int) -> str:
    """The table that holds the stitched touchpoints of this data version."""
    return f"{PREFIX}{load_id}_{touchpoints}"


def exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [name]
    )
    return bool(found.fetchall()[0][0])


def keep(
    con: duckdb.DuckDBPyConnection,
    backend: ibis.BaseBackend,
    stitched: ibis.Table,
    name: str,
    on_progress: progress.ProgressCallback | None = None,
) -> None:
    """Keep ``stitched`` (an expression) as table ``name``, and drop older ones."""
    sql = backend.compile(stitched)
    progress.run(
        con,
        f"CREATE TABLE IF NOT EXISTS {name} AS {sql} ORDER BY person_id, ts",
        "stitching journeys",
        on_progress,
    )
    older = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, ?)"
        " AND table_name <> ? AND NOT temporary",
        [PREFIX, name],
    ).fetchall()
    for (table,) in older:
        con.execute(f"DROP TABLE IF EXISTS {table}")
