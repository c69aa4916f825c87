"""The stored event ids, known without scanning them: for the collector's small groups.

Whether a group's event ids are stored already is otherwise a scan of every stored id:
DuckDB keeps no index on them (an index would slow every file load several times).
The collector keeps the 64-bit hashes of the stored ids in memory instead (8 bytes
each: 80 MB for 10M touchpoints), caught up with each load after the last it saw. A
group whose hashes are all unknown stores new ids; a known hash is only a hint, which
the stored ids themselves then confirm (hashes collide; erased ids are still known).
"""

from __future__ import annotations

import duckdb
import numpy as np

MERGE_AT = 100_000  # hashes kept aside before they join the sorted ones


class KnownIds:
    """Hashes of the event ids stored in one workspace, up to load ``seen``."""

    def __init__(self) -> None:
        self.sorted = np.empty(0, np.uint64)
        self.recent: set[int] = set()
        self.seen: int | None = None  # the last load whose ids are known

    def catch_up(self, con: duckdb.DuckDBPyConnection) -> None:
        """Learn the ids stored by loads since the last one seen (all, the first time).
        Loads take increasing ids, and only this server writes the workspace."""
        latest = con.execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchall()[0][0]
        if self.seen is None:
            found = con.execute("SELECT hash(event_id) AS h FROM touchpoints").fetchnumpy()["h"]
            self.sorted = np.sort(np.asarray(found, np.uint64))
        elif latest > self.seen:
            found = con.execute(
                "SELECT hash(event_id) AS h FROM touchpoints WHERE load_id > ?", [self.seen]
            ).fetchnumpy()["h"]
            self.add(np.asarray(found, np.uint64))
        self.seen = latest

    def add(self, hashes: np.ndarray, load_id: int | None = None) -> None:
        """Learn stored ids' hashes (those of load ``load_id``, now the last seen)."""
        self.recent.update(hashes.tolist())
        if len(self.recent) >= MERGE_AT:
            merged = np.fromiter(self.recent, np.uint64, len(self.recent))
            self.sorted = np.union1d(self.sorted, merged)
            self.recent = set()
        if load_id is not None:
            self.seen = load_id

    def any_known(self, hashes: np.ndarray) -> bool:
        """Whether any of ``hashes`` may be a stored id's."""
        if not len(hashes):
            return False
        places = np.searchsorted(self.sorted, hashes).clip(max=max(len(self.sorted) - 1, 0))
        if len(self.sorted) and bool((self.sorted[places] == hashes).any()):
            return True
        return not self.recent.isdisjoint(hashes.tolist())
