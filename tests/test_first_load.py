"""A plain file's first load into an empty workspace is stored as its rows are checked
(``loading._store_at_once``), with no table of checked rows between: it stores what the
checked way stores, and a file that way cannot store (an invalid row, a repeated event
id, a decimal comma) goes the checked way."""

from __future__ import annotations

from pathlib import Path

import pytest

import jejak
from jejak import LoadError
from jejak.store import loading

PLAIN = """
    event_id,customer_id,anonymous_id,ts,event,revenue,currency,properties,plan
    e1,,a1,2026-01-01T10:00:00Z,page_view,,,"{""page"": ""/""}",
    e2,c1,a1,2026-01-01T11:00:00+07:00,order,"1,250.50",USD,,pro
    ,c2,,1767261600,page_view,,,,
    , c3 ,a3,2026-01-02 09:00:00,order,$12.5,,"{""coupon"": ""x""}",basic
    ,,a4,1767261600000,page_view,,,,
"""
# files the checked way stores otherwise, or reads otherwise
SAME_CONTENT = PLAIN + "    ,c2,,1767261600,page_view,,,,\n"  # ids of content, numbered
REPEATED = PLAIN + '    e1,,a1,2026-01-01T10:00:00Z,page_view,,,"{""page"": ""/""}",\n'
CONFLICT = PLAIN + "    e1,,a1,2026-01-01T10:00:00Z,order,,,,\n"
INVALID = PLAIN + "    e9,c9,,yesterday,page_view,,,,\n"
COMMA = """
    event_id,customer_id,ts,event,revenue
    e1,c1,2026-01-01T10:00:00Z,order,1.250
    e2,c2,2026-01-01T11:00:00Z,order,"150000,50"
"""
RUPIAH = """
    event_id,customer_id,ts,event,revenue
    e1,c1,2026-01-01T10:00:00Z,order,1.250
    e2,c2,2026-01-01T11:00:00Z,order,Rp 150.000
"""
SEMICOLON = """
    event_id;customer_id;ts;event;revenue
    e1;c1;2026-01-01T10:00:00Z;order;1.250
    e2;c2;2026-01-01T11:00:00Z;order;Rp 150
"""
SEMICOLON_DOT = """
    event_id;customer_id;ts;event;revenue
    e1;c1;2026-01-01T10:00:00Z;order;1.250
    e2;c2;2026-01-01T11:00:00Z;order;12.5
"""
BOTH_MARKS = """
    event_id,customer_id,ts,event,revenue
    e1,c1,2026-01-01T10:00:00Z,order,12.5
    e2,c2,2026-01-01T11:00:00Z,order,"150000,50"
"""
LATER = """
    event_id,customer_id,anonymous_id,ts,event,properties
    e1,,a1,2026-01-01T10:00:00Z,page_view,"{""page"": ""/""}"
    e7,c4,a4,2026-01-04T10:00:00Z,signup,
    e8,,a3,2026-01-04T11:00:00Z,page_view,
"""


def tables(ws: jejak.Workspace) -> dict[str, list[tuple]]:
    """What a load stores: the touchpoints in their stored order, the stitched rows and
    winning links, the loads (but when) and the stitched state."""
    return {
        "touchpoints": ws.con.execute("SELECT * FROM touchpoints ORDER BY rowid").fetchall(),
        "stitched": ws.con.execute("SELECT * FROM stitched ORDER BY ALL").fetchall(),
        "links": ws.con.execute("SELECT * FROM stitched_links ORDER BY ALL").fetchall(),
        "loads": ws.con.execute(
            "SELECT * EXCLUDE (loaded_at) FROM loads ORDER BY load_id"
        ).fetchall(),
        "state": ws.con.execute("SELECT * FROM stitched_state").fetchall(),
    }


def rebuilt(ws: jejak.Workspace) -> list[tuple]:
    """The stitched rows of a whole build over what is stored now."""
    ws.con.execute("DELETE FROM stitched_state")
    assert ws.stitch() == "built"
    return ws.con.execute("SELECT * FROM stitched ORDER BY ALL").fetchall()


@pytest.fixture
def checked_way(monkeypatch):
    """Load with the checked way only (what every load did before)."""

    def load(ws: jejak.Workspace, path: Path, **kwargs) -> loading.LoadSummary:
        with monkeypatch.context() as patched:
            patched.setattr(loading, "_store_at_once", lambda *args, **kw: None)
            return ws.load(path, **kwargs)

    return load


@pytest.fixture
def checks(monkeypatch) -> list[Path]:
    """The files whose rows were checked into a table (the checked way)."""
    seen: list[Path] = []
    check = loading._check

    def recording(con, source, *args, **kwargs):
        seen.append(source.path)
        return check(con, source, *args, **kwargs)

    monkeypatch.setattr(loading, "_check", recording)
    return seen


def test_a_first_load_is_stored_at_once_as_the_checked_way_stores_it(
    open_workspace, write_file, checked_way, checks
):
    path, later = write_file("plain.csv", PLAIN), write_file("later.csv", LATER)
    at_once, checked = open_workspace(name="at_once.duckdb"), open_workspace(name="checked.duckdb")

    first = at_once.load(path)
    assert checks == []  # stored as its rows were checked
    assert first == checked_way(checked, path)
    assert first.stored == 5
    assert tables(at_once) == tables(checked)
    assert tables(at_once)["stitched"] == rebuilt(at_once)

    checks.clear()
    second = at_once.load(later)  # on top: the checked way, as before
    assert checks == [later]
    assert second == checked_way(checked, later)
    assert (second.stored, second.already_stored) == (2, 1)
    assert tables(at_once) == tables(checked)
    assert tables(at_once)["stitched"] == rebuilt(at_once)


@pytest.mark.parametrize(
    ("text", "stored", "repeated", "conflicts", "rejected"),
    [
        (SAME_CONTENT, 6, 0, 0, 0),
        (REPEATED, 5, 1, 0, 0),
        (CONFLICT, 5, 0, 1, 0),
        (INVALID, 5, 0, 0, 1),
    ],
)
def test_a_first_load_the_checked_way_must_store_goes_that_way(
    open_workspace, write_file, checked_way, checks, text, stored, repeated, conflicts, rejected
):
    path = write_file("file.csv", text)
    at_once, checked = open_workspace(name="at_once.duckdb"), open_workspace(name="checked.duckdb")

    summary = at_once.load(path, skip_invalid=True)

    assert checks == [path]
    assert summary == checked_way(checked, path, skip_invalid=True)
    assert (summary.stored, summary.duplicates_in_file) == (stored, repeated)
    assert (summary.conflicts, summary.rejected) == (conflicts, rejected)
    assert tables(at_once) == tables(checked)


def test_a_first_load_with_an_invalid_row_stores_nothing(open_workspace, write_file):
    ws = open_workspace()
    path = write_file("file.csv", INVALID)

    with pytest.raises(LoadError, match="row 6: 'ts' 'yesterday' is not a time"):
        ws.load(path)

    assert ws.count() == 0
    assert ws.loads().empty


@pytest.mark.parametrize(
    ("name", "text", "revenue"),
    [
        ("comma.csv", COMMA, [1250.0, 150000.5]),  # read again with a decimal comma
        ("rupiah.csv", RUPIAH, [1250.0, 150000.0]),  # Rp 150.000: rupiah have no cents
        # no evidence: ';' between the fields reads '.' as the thousands mark
        ("semicolon.csv", SEMICOLON, [1250.0, 150.0]),
        ("semicolon_dot.csv", SEMICOLON_DOT, [1.25, 12.5]),  # read again with a dot
    ],
)
def test_a_revenue_is_read_at_once_with_the_marks_its_values_show(
    open_workspace, write_file, checked_way, checks, name, text, revenue
):
    path = write_file(name, text)
    ws, checked = open_workspace(name="at_once.duckdb"), open_workspace(name="checked.duckdb")

    summary = ws.load(path)

    assert checks == []
    assert summary == checked_way(checked, path)
    assert tables(ws) == tables(checked)
    found = ws.con.execute("SELECT revenue FROM touchpoints ORDER BY event_id").fetchall()
    assert [r for (r,) in found] == revenue


def test_revenues_with_both_decimal_marks_go_the_checked_way(open_workspace, write_file, checks):
    ws = open_workspace()
    path = write_file("both.csv", BOTH_MARKS)

    with pytest.raises(LoadError, match="written with a decimal comma"):
        ws.load(path)

    assert checks == [path]
    assert ws.count() == 0
