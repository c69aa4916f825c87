"""Rewriting a workspace's DuckDB file so that deleted rows leave no bytes behind.

DuckDB marks the blocks of deleted rows free and reuses them, but it never wipes them:
after a DELETE and a CHECKPOINT, an erased person's id can still be read from the file
with a hex editor. VACUUM does not help (DuckDB's reclaims no space), and a CHECKPOINT
only truncates free blocks at the end of the file. What DuckDB documents for compacting
("Reclaiming space") is a fresh copy: ``COPY FROM DATABASE`` into a new file, which
writes only the rows that are there (every table, with its defaults and keys).

Done safely: the copy goes to a new file beside the workspace, is closed and synced,
and then takes the workspace's name in one atomic rename. A crash before the rename
leaves the workspace as it was (the half-written copy is removed next time); after it,
the workspace is the whole copy. A workspace marked for compaction (a server erased
someone while readers shared its connection) is compacted the next time it is opened
for writing (see :meth:`jejak.store.storage.Storage`).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from jejak.errors import WorkspaceError
from jejak.language import gettext

MARK = "compact_pending"  # a jejak_meta key: the file holds bytes of erased rows
COPY_SUFFIX = ".compacting"


def mark(con: duckdb.DuckDBPyConnection) -> None:
    """Note that the file holds bytes of erased rows, to be compacted at its next opening."""
    con.execute("DELETE FROM jejak_meta WHERE key = ?", [MARK])
    con.execute("INSERT INTO jejak_meta VALUES (?, CAST(now() AS VARCHAR))", [MARK])


def marked(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the file waits for compaction."""
    found = con.execute("SELECT count(*) FROM jejak_meta WHERE key = ?", [MARK])
    return bool(found.fetchall()[0][0])


def compact(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[int, int]:
    """Rewrite the workspace at ``path`` (open on ``con``, which this closes) without
    the bytes of deleted rows; returns the file's size before and after. Reopen the
    workspace afterwards. Every table is carried over (keys, sessions, settings kept in
    the file); temporary tables and macros are not (each connection makes its own)."""
    copy = path.with_name(path.name + COPY_SUFFIX)
    _remove(copy)
    con.execute("DELETE FROM jejak_meta WHERE key = ?", [MARK])
    con.execute("CHECKPOINT")
    before = path.stat().st_size
    source = con.execute("SELECT current_database()").fetchall()[0][0]
    try:
        con.execute("ATTACH ? AS jejak_compacted", [str(copy)])
        con.execute(f'COPY FROM DATABASE "{source}" TO jejak_compacted')
        con.execute("CHECKPOINT jejak_compacted")
        con.execute("DETACH jejak_compacted")
    except BaseException:
        _remove(copy)
        raise
    con.close()  # the workspace's log is written into the old file and removed
    for leftover in (_wal(path), _wal(copy)):
        if leftover.exists():
            said = gettext(
                "{file}: could not compact the workspace ({leftover} is still there); close"
                " every program that has it open and run jejak prune or jejak forget again"
            )
            raise WorkspaceError(said.format(file=path, leftover=leftover.name))
    _sync(copy)
    os.replace(copy, path)  # atomic: the old file or the whole new one, never half
    _sync(path.parent)
    return before, path.stat().st_size


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove(copy: Path) -> None:
    for leftover in (copy, _wal(copy)):
        leftover.unlink(missing_ok=True)


def _sync(path: Path) -> None:
    """Write ``path`` (a file or a folder's entries) to the disk before going on."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
