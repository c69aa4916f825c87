"""DuckDB's memory while a large file loads and its touchpoints are stitched: bounded.

A load keeps the file's checked rows and their event ids in temporary tables (the file
itself only when an import needs it, or to write its rejected rows), and stitching sorts
its touchpoints. DuckDB holds all of that in memory while it may (by
default up to 80% of the machine's), so a 10M-row file took gigabytes. Under a limit it
writes what does not fit to its temporary directory (beside the workspace) instead, at
little cost in time. Small files, such as a collector's batches, load as before: the limit is
DuckDB's, for every cursor, and the server's readers should not share it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

LARGE_FILE = 64 * 1024**2  # bytes: smaller files load without a limit
LIMIT = "320MB"  # DuckDB's buffers, on top of the Python process itself


def large_file(path: Path) -> bool:
    """Whether ``path`` is large enough to load under the limit."""
    return path.is_file() and path.stat().st_size >= LARGE_FILE


@contextmanager
def bounded(con: duckdb.DuckDBPyConnection, large: bool) -> Iterator[None]:
    """DuckDB's memory limited to :data:`LIMIT` meanwhile, when the work is ``large``."""
    if not large:
        yield
        return
    before = _limit(con)
    con.execute("RESET memory_limit")
    # DuckDB says its limit rounded ('18.8 GiB'): the default is restored as the default
    restore = "RESET memory_limit" if _limit(con) == before else f"SET memory_limit = '{before}'"
    con.execute(f"SET memory_limit = '{LIMIT}'")
    try:
        yield
    finally:
        con.execute(restore)


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
