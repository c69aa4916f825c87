"""Opening a DuckDB database with jejak's session settings.

Without Ibis: a load (``jejak load``, a collector's group) opens its workspace and stores
and stitches touchpoints in SQL alone, and importing Ibis was a third of a small load's
time (see :mod:`jejak.store.stitching`). :mod:`jejak.engine.duckdb` wraps the
connection for Ibis when an analysis needs it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from jejak.errors import WorkspaceError
from jejak.language import gettext

# name -> DuckDB macro body giving the Spark builtin's behaviour (declared for Ibis in
# jejak.engine.functions)
DUCKDB_MACROS: dict[str, str] = {
    "get_json_object": "(j, p) AS json_extract_string(j, p)",
    "unix_micros": "(t) AS epoch_us(t)",
    "timestamp_micros": "(u) AS timezone('UTC', make_timestamp(u))",
    "from_utc_timestamp": "(t, z) AS timezone('UTC', timezone(z, t))",
}


def connect(
    path: str | Path | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB database with jejak's session settings (UTC, macros)."""
    database = ":memory:" if path is None else str(path)
    try:
        con = duckdb.connect(database, read_only=read_only)
    except duckdb.IOException as exc:
        said = (
            gettext(
                "{file}: cannot open the workspace ({problem}); another process has it open:"
                " close it first"
            )
            if "lock" in str(exc)
            else gettext("{file}: cannot open the workspace ({problem})")
        )
        raise WorkspaceError(said.format(file=database, problem=exc)) from None
    prepare(con)
    return con


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Session settings every jejak connection needs."""
    con.execute("SET TimeZone = 'UTC'")
    # query_progress() only reports while progress tracking is on; jejak draws its own bar
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    # Ibis 12 writes list lambdas as ``x -> ...``, which DuckDB 2 only reads when asked to
    con.execute("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")
    for name, body in DUCKDB_MACROS.items():
        con.execute(f"CREATE OR REPLACE TEMP MACRO {name}{body}")
