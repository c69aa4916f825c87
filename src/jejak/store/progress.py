"""Progress of long DuckDB statements, reported to a callback while they run."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import duckdb

# step description, fraction done (0-1) or None when unknown
ProgressCallback = Callable[[str, float | None], None]
POLL_SECONDS = 0.2


def run(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    step: str,
    on_progress: ProgressCallback | None = None,
) -> Any:
    """Execute ``sql``; while it runs, report DuckDB's own estimate of its progress."""
    if on_progress is None:
        return con.execute(sql)
    on_progress(step, 0.0)
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["result"] = con.execute(sql)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(POLL_SECONDS)
        done = con.query_progress()
        if done >= 0:
            on_progress(step, min(done, 100.0) / 100.0)
    if "error" in outcome:
        raise outcome["error"]
    on_progress(step, 1.0)
    return outcome["result"]
