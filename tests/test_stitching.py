"""Touchpoints stitched once per data version: a load keeps them, analyses read them
while the data stays the same, and stitch on the fly (the same answer) when it has
changed since."""

from __future__ import annotations

import pandas as pd

import jejak
from jejak.analyses.journeys import JourneyAnalyses

LOG = """customer_id,anonymous_id,ts,event,revenue
,a1,2026-01-01 08:00:00,page_view,
,a1,2026-01-02 08:00:00,content_view,
c1,a1,2026-01-03 08:00:00,newsletter_signup,
,a2,2026-01-02 08:00:00,page_view,
c2,,2026-01-04 08:00:00,order,20
c3,,2026-01-05 08:00:00,page_view,
"""

MORE = """customer_id,anonymous_id,ts,event,revenue
,a2,2026-01-06 08:00:00,order,35
c3,,2026-01-07 08:00:00,order,10
"""

LINKS = "anonymous_id,customer_id\na2,c2\n"


def _stitched_tables(ws: jejak.Workspace) -> list[str]:
    rows = ws.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, 'stitched_')"
    )
    return sorted(name for (name,) in rows.fetchall())


def _read_from(table) -> str | None:
    """The stored table an expression is, or None for a query."""
    return getattr(table.op(), "name", None)


def _frame(table) -> pd.DataFrame:
    frame = table.to_pandas()
    return frame.sort_values(["person_id", "ts", "event"]).reset_index(drop=True)


def _on_the_fly(ws: jejak.Workspace) -> pd.DataFrame:
    return _frame(JourneyAnalyses.events(ws))


def test_a_load_keeps_the_stitched_touchpoints_and_analyses_read_them(tmp_path, write_file):
    ws = jejak.Workspace(tmp_path / "w.duckdb")
    ws.load(write_file("log.csv", LOG))
    assert _stitched_tables(ws) == ["stitched_1_6"]  # load 1, six touchpoints
    kept = ws.events()
    assert _read_from(kept) == "stitched_1_6"  # the table, not stitched again
    pd.testing.assert_frame_equal(_frame(kept), _on_the_fly(ws))
    people = dict(zip(*[_frame(kept)[c] for c in ("event", "person_id")], strict=False))
    assert people["content_view"] == "c1"  # a1's visits before signing up are c1's

    # a load without stitching (a collector group): analyses stitch on the fly meanwhile
    ws.load(write_file("more.csv", MORE), stitch=False)
    assert _read_from(ws.events()) is None
    fresh = _on_the_fly(ws)
    assert len(fresh) == 8
    pd.testing.assert_frame_equal(_frame(ws.events()), fresh)
    before = ws.stages().to_dict()
    ws.stitch()
    assert _stitched_tables(ws) == ["stitched_2_8"]  # the older one is dropped
    assert ws.stages().to_dict() == before

    # identity links change who is who: kept anew, equal to stitching on the fly
    ws.load_identities(write_file("links.csv", LINKS))
    assert _stitched_tables(ws) == ["stitched_3_8"]
    linked = _frame(ws.events())
    pd.testing.assert_frame_equal(linked, _on_the_fly(ws))
    assert set(linked.loc[linked["anonymous_id"] == "a2", "person_id"]) == {"c2"}
    ws.close()


def test_a_folder_is_stitched_once(tmp_path, write_file):
    (tmp_path / "in").mkdir()
    write_file("in/a.csv", LOG)
    write_file("in/b.csv", MORE)
    ws = jejak.Workspace(tmp_path / "w.duckdb")
    ws.load(tmp_path / "in")
    assert _stitched_tables(ws) == ["stitched_2_8"]
    pd.testing.assert_frame_equal(_frame(ws.events()), _on_the_fly(ws))
    ws.close()
