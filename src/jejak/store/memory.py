"""DuckDB's memory while a large file loads and its touchpoints are stitched: bounded.

A load keeps the file's checked rows and their event ids in temporary tables (the file
itself only when an import needs it, or to write its rejected rows; a first load into an
empty workspace keeps none, its rows are stored as they are checked), and stitching sorts
its touchpoints. DuckDB holds all of that in memory while it may (by
default up to 80% of the machine's), so a 10M-row file took gigabytes. Under a limit it
writes what does not fit to its temporary directory (beside the workspace) instead, at
little cost in time. Small files, such as a collector's batches, load as before: the limit is
DuckDB's, for every cursor, and the server's readers should not share it.

The limit grows with the file (:data:`FILE_SHARE` of its size): DuckDB's own ``read_csv``
of a file into a table holds more for a larger file too (peak RSS 0.28 GB for a 132 MB
CSV, 0.74 GB for 1.34 GB), and a load holds its limit plus about 0.25 GB outside DuckDB's
buffers, so half the file stays within twice ``read_csv``'s peak. With more buffers the
stitching sort of a large file spills less (10M rows: 53 CPU s under 320 MB, 40 under 1.2 GB),
but the whole load does not gain: with 0.8 of the file (1.07 GB) a 10M-row load took 4.2x
``read_csv``'s CPU and 1.66x its RSS, against 3.9x and 1.09x with half (one run each).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

LARGE_FILE = 64 * 1024**2  # bytes: smaller files load without a limit
# bytes of DuckDB's buffers at least, on top of the Python process: with 320 MB DuckDB
# wrote a 1M-row file's checked rows on one thread (an ordered write waits for memory),
# with 480 MB on all of them (benchmarks/load_profile.py: the load 3.2x to 2.6x read_csv)
LEAST = 480 * 1000**2
FILE_SHARE = 0.5  # DuckDB's buffers for a larger file: this share of its size
MACHINE_SHARE = 0.8  # and at most this share of the machine's memory (DuckDB's default)


def limit_for(path: Path) -> str | None:
    """DuckDB's memory limit while ``path`` loads and is stitched: None for a small file
    (no limit), else :data:`FILE_SHARE` of the file, at least :data:`LEAST`."""
    if not path.is_file() or (size := path.stat().st_size) < LARGE_FILE:
        return None
    limit = max(int(size * FILE_SHARE), LEAST)
    if (machine := _machine_memory()) is not None:
        limit = min(limit, int(machine * MACHINE_SHARE))
    return f"{limit // 1000**2}MB"  # DuckDB's MB is 1000**2 bytes


def _machine_memory() -> int | None:
    """The machine's memory in bytes, where the system tells (not on Windows)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


@contextmanager
def bounded(con: duckdb.DuckDBPyConnection, limit: str | None) -> Iterator[None]:
    """DuckDB's memory limited to ``limit`` meanwhile (see :func:`limit_for`); None: as it is."""
    if limit is None:
        yield
        return
    before = _limit(con)
    con.execute("RESET memory_limit")
    # DuckDB says its limit rounded ('18.8 GiB'): the default is restored as the default
    restore = "RESET memory_limit" if _limit(con) == before else f"SET memory_limit = '{before}'"
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        con.execute(restore)


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
