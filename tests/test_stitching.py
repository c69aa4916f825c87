"""Touchpoints stitched once per data version: a load keeps them, analyses read them
while the data stays the same, and stitch on the fly (the same answer) when it has
changed since."""

from __future__ import annotations

import pandas as pd

import jejak
from jejak.analyses.journeys import JourneyAnalyses
from jejak.store import stitching

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


def _kept(ws: jejak.Workspace) -> str | None:
    state = stitching.kept(ws.con)
    return None if state is None else state.version


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
    assert _kept(ws) == "1_6"  # load 1, six touchpoints
    kept = ws.events()
    assert _read_from(kept) == "stitched"  # the table, not stitched again
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
    assert ws.stitch() == "built"  # two new rows of six: more than a quarter, built whole
    assert _kept(ws) == "2_8"
    assert ws.stages().to_dict() == before
    assert ws.stitch() == "kept"

    # identity links change who is who: kept anew, equal to stitching on the fly
    ws.load_identities(write_file("links.csv", LINKS))
    assert _kept(ws) == "3_8"
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
    assert _kept(ws) == "2_8"
    pd.testing.assert_frame_equal(_frame(ws.events()), _on_the_fly(ws))
    ws.close()


# forty other people's visits: a few new touchpoints are a small share of the table
CROWD = "".join(f"c{n},,2026-01-0{n % 9 + 1} 09:00:00,page_view,\n" for n in range(10, 50))


def _persons(ws: jejak.Workspace, anonymous_id: str) -> set[str]:
    frame = _frame(ws.events())
    return set(frame.loc[frame["anonymous_id"] == anonymous_id, "person_id"])


def test_new_touchpoints_and_changed_links_update_only_what_changed(tmp_path, write_file):
    ws = jejak.Workspace(tmp_path / "w.duckdb")
    ws.load(write_file("log.csv", LOG + CROWD))
    assert stitching.kept(ws.con).built_rows == 46

    def collected(name: str, rows: str) -> str:
        ws.load(
            write_file(name, "customer_id,anonymous_id,ts,event,revenue\n" + rows), stitch=False
        )
        done = ws.stitch()
        assert _read_from(ws.events()) == "stitched"
        pd.testing.assert_frame_equal(_frame(ws.events()), _on_the_fly(ws))
        return done

    # a1 signed up as c1: its new visit is c1's; a9 is new and nobody's yet
    assert (
        collected(
            "b1.csv", ",a1,2026-01-08 08:00:00,page_view,\n,a9,2026-01-08 09:00:00,page_view,\n"
        )
        == "updated"
    )
    assert _persons(ws, "a1") == {"c1"} and _persons(ws, "a9") == {"anon:a9"}
    # a9 signs up: its earlier visit moves to c7
    assert collected("b2.csv", "c7,a9,2026-01-08 10:00:00,newsletter_signup,\n") == "updated"
    assert _persons(ws, "a9") == {"c7"}
    # a claim on a1 earlier than c1's arrives late: the earliest claim wins, so a1's
    # visits are c5's now, while the touchpoint that names c1 stays c1's
    assert collected("b3.csv", "c5,a1,2025-12-31 08:00:00,login,\n") == "updated"
    frame = _frame(ws.events())
    a1 = frame[frame["anonymous_id"] == "a1"]
    assert set(a1.loc[a1["customer_id"].isna(), "person_id"]) == {"c5"}
    assert set(a1.loc[a1["customer_id"] == "c1", "person_id"]) == {"c1"}
    # a mapping file beats touchpoints' claims
    ws.load_identities(write_file("links.csv", "anonymous_id,customer_id\na9,c8\n"), stitch=False)
    assert ws.stitch() == "updated"
    frame = _frame(ws.events())
    a9 = frame[frame["anonymous_id"] == "a9"]
    assert set(a9.loc[a9["customer_id"].isna(), "person_id"]) == {"c8"}
    assert set(a9["person_id"]) == {"c7", "c8"}  # the sign-up names c7 itself
    pd.testing.assert_frame_equal(_frame(ws.events()), _on_the_fly(ws))
    state = stitching.kept(ws.con)
    assert (state.built_rows, state.touchpoints) == (46, 50)
    assert 4 <= state.added_rows <= 11  # the new rows and those of a1 and a9, put back

    # once what was added is over a quarter of the table, it is built whole, in order
    crowd = "".join(f",z{n},2026-01-09 0{n % 9}:00:00,page_view,\n" for n in range(12))
    assert collected("b4.csv", crowd) == "built"
    state = stitching.kept(ws.con)
    assert (state.built_rows, state.added_rows) == (62, 0)
    ordered = ws.con.execute("SELECT person_id, ts FROM stitched").fetchall()
    assert ordered == sorted(ordered)
    ws.close()


def test_a_reader_sees_the_stitched_table_of_its_own_snapshot(tmp_path, write_file):
    ws = jejak.Workspace(tmp_path / "w.duckdb")
    ws.load(write_file("log.csv", LOG + CROWD))
    with ws.reader() as early:
        assert _kept(early) == "1_46"  # its snapshot begins with its first read
        ws.load(write_file("more.csv", MORE))  # stitched anew, after the reader began
        assert _kept(ws) == "2_48"
        assert _kept(early) == "1_46"  # the reader's snapshot: the table as it was
        assert _read_from(early.events()) == "stitched"
        assert len(early.events().to_pandas()) == 46
    assert len(ws.events().to_pandas()) == 48
    ws.close()


def test_the_kept_sql_is_what_ibis_compiles_of_identitys_expressions():
    # a load stitches with the SQL kept as text; after a change to jejak.store.identity
    # or an Ibis upgrade, paste what compiled() gives into stitching.py
    assert stitching.compiled() == (stitching.WINNERS_SQL, stitching.ASSIGNED_SQL)
    assert stitching.assigned_sql("_jejak_touched").count('"_jejak_touched"') == 1
