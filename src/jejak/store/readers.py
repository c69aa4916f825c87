"""Readers' cursors, kept between reads: each with the Ibis backend over it.

A backend remembers the expressions it built and the SQL it compiled (see
:mod:`jejak.engine.plans` and :mod:`jejak.engine.duckdb`); on a small log, building and
compiling take longer than DuckDB takes to answer. A reader made afresh for each read
(a server's request) would pay that on every read, so a few idle readers are kept and
handed out again, one read at a time each.

What is kept is of no data version: memos key on expressions and SQL, never on answers,
and each read runs in a transaction of its own, so it sees the data committed when it
starts. A read's own Python data (Ibis memtables) is let go when it ends, and a reader
whose read failed is closed, not kept (its transaction was rolled back, and with it
whatever it registered).
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import duckdb
import ibis

from jejak.engine import duckdb as embedded

KEPT = 4  # idle readers kept: the server's browsers and its warmer, reading at once


@dataclass(eq=False)
class Reader:
    """A cursor of ``parent`` (the workspace's connection) and the backend over it;
    ``stitched``: what the workspace remembers of the stitched table on this backend."""

    parent: duckdb.DuckDBPyConnection
    cursor: duckdb.DuckDBPyConnection
    backend: ibis.BaseBackend
    stitched: Any = None

    def let_go(self) -> None:
        """Forget the Python data this read registered (the next read registers what it
        uses again): a kept reader must not hold each read's data."""
        backend: Any = self.backend
        for memtable in list(backend._memtables):
            with contextlib.suppress(duckdb.Error):  # not there: nothing to let go of
                self.cursor.unregister(memtable.name)
        backend._memtables = weakref.WeakSet()

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):  # its connection closed it already
            self.cursor.close()


@dataclass(eq=False)
class Readers:
    """Idle readers of one workspace, at most ``kept`` of them."""

    kept: int = KEPT
    idle: list[Reader] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, parent: duckdb.DuckDBPyConnection) -> Reader:
        """An idle reader of ``parent``, or a new one (readers of a connection since
        replaced, as compaction does, are closed)."""
        with self.lock:
            while self.idle:
                reader = self.idle.pop()
                if reader.parent is parent:
                    return reader
                reader.close()
        cursor = parent.cursor()
        embedded.prepare(cursor)
        return Reader(parent, cursor, embedded.backend(cursor))

    def give_back(self, reader: Reader, parent: duckdb.DuckDBPyConnection) -> None:
        """Keep ``reader`` for the next read, unless enough are kept already or it reads
        another connection than the workspace's ``parent`` now."""
        reader.let_go()
        with self.lock:
            if reader.parent is parent and len(self.idle) < self.kept:
                self.idle.append(reader)
                return
        reader.close()

    def close(self) -> None:
        """Close every idle reader."""
        with self.lock:
            idle, self.idle = self.idle, []
        for reader in idle:
            reader.close()
