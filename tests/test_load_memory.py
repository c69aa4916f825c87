"""A large file loads with DuckDB's memory bounded, and the bound is lifted afterwards.

"Large" is lowered to one byte here so that hand-written files take the bounded path.
"""

from __future__ import annotations

import pytest

import jejak
from jejak import LoadError
from jejak.store import loading, memory

ROWS = """
    event_id,customer_id,ts,event,revenue
    e1,c1,2026-01-01T10:00:00Z,page_view,
    e2,c1,2026-01-01T11:00:00Z,order,"150.000,50"
    e2,c1,2026-01-01T11:00:00Z,order,"150.000,50"
    ,c2,2026-01-01T12:00:00Z,page_view,
"""


def limit(ws: jejak.Workspace) -> str:
    return ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def stored(ws: jejak.Workspace) -> list[tuple]:
    return ws.con.execute(
        "SELECT event_id, customer_id, ts, event, revenue FROM touchpoints ORDER BY ALL"
    ).fetchall()


@pytest.fixture
def seen_limits(monkeypatch) -> list[str]:
    """DuckDB's memory limit while each load checked its rows."""
    seen: list[str] = []
    check = loading._check

    def recording(con, *args, **kwargs):
        seen.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return check(con, *args, **kwargs)

    monkeypatch.setattr(loading, "_check", recording)
    return seen


def test_a_large_file_loads_bounded_and_stores_what_an_unbounded_load_does(
    open_workspace, write_file, monkeypatch, seen_limits
):
    path = write_file("events.csv", ROWS)
    small = open_workspace(name="small.duckdb")
    small.load(path)
    monkeypatch.setattr(memory, "LARGE_FILE", 1)
    large = open_workspace(name="large.duckdb")
    before = limit(large)

    summary = large.load(path)

    assert seen_limits[0] == before  # the small file: no bound
    assert seen_limits[1] == "457.7 MiB"  # memory.LEAST (480 MB), as DuckDB says it
    assert limit(large) == before
    assert (summary.stored, summary.duplicates_in_file) == (3, 1)
    assert stored(large) == stored(small)


def test_the_bound_is_lifted_after_a_refused_load(
    open_workspace, write_file, monkeypatch, seen_limits
):
    monkeypatch.setattr(memory, "LARGE_FILE", 1)
    ws = open_workspace()
    before = limit(ws)
    path = write_file("events.csv", ROWS + "    ,c3,yesterday,page_view,\n")

    with pytest.raises(LoadError, match="row 5: 'ts' 'yesterday' is not a time"):
        ws.load(path)

    assert seen_limits == ["457.7 MiB"]
    assert limit(ws) == before
    assert ws.count() == 0


def test_a_larger_file_loads_with_more_memory_within_the_machines(
    open_workspace, write_file, monkeypatch, seen_limits
):
    path = write_file("events.csv", ROWS)
    size = path.stat().st_size
    monkeypatch.setattr(memory, "LARGE_FILE", 1)
    monkeypatch.setattr(memory, "FILE_SHARE", 600 * 1000**2 / size)  # 600 MB for this file
    ws = open_workspace()

    ws.load(path)
    monkeypatch.setattr(memory, "_machine_memory", lambda: 700 * 1000**2)  # 80%: 560 MB
    ws.load(path)

    assert memory.limit_for(path) == "560MB"
    assert seen_limits == ["572.2 MiB", "534.0 MiB"]  # 600 MB and 560 MB, as DuckDB says
