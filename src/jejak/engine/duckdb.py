"""The embedded engine: a DuckDB file (or memory) wrapped for Ibis."""

from __future__ import annotations

from pathlib import Path

import duckdb
import ibis

from jejak.engine.functions import DUCKDB_MACROS
from jejak.errors import WorkspaceError


def connect(
    path: str | Path | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB database with jejak's session settings (UTC, macros)."""
    database = ":memory:" if path is None else str(path)
    try:
        con = duckdb.connect(database, read_only=read_only)
    except duckdb.IOException as exc:
        hint = "; another process has it open: close it first" if "lock" in str(exc) else ""
        raise WorkspaceError(f"{database}: cannot open the workspace ({exc}){hint}") from None
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


def backend(con: duckdb.DuckDBPyConnection) -> ibis.BaseBackend:
    """Ibis over an open DuckDB connection (shares its transaction and temp objects)."""
    return ibis.duckdb.from_connection(con)
