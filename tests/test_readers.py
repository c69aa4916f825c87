"""Readers' cursors are kept between reads, with what their backends built and compiled,
and still answer on the data committed when each read starts."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

import jejak

LOG = """
customer_id,ts,event
c1,2026-01-01 00:00:00,page_view
c1,2026-01-01 00:05:00,order
c2,2026-01-01 00:00:00,page_view
c2,2026-01-01 00:01:00,page_view
"""
MORE = """
customer_id,ts,event
c2,2026-01-02 00:00:00,order
c3,2026-01-03 00:00:00,page_view
"""


def pairs(source: jejak.Workspace) -> dict[tuple[str, str], int]:
    table = source.process_map().table
    names = zip(table["source"], table["target"], strict=True)
    return dict(zip(names, table["transitions"], strict=True))


def registered(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [name])
    return found.fetchall()[0][0] == 1


def test_a_kept_reader_answers_on_the_data_as_it_is_now(open_workspace, write_file):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    with ws.reader() as reader:
        backend = reader.backend
        assert pairs(reader) == {
            ("(start)", "page_view"): 2,
            ("page_view", "order"): 1,
            ("page_view", "page_view"): 1,
            ("order", "(end)"): 1,
            ("page_view", "(end)"): 1,
        }
    ws.load(write_file("more.csv", MORE))
    with ws.reader() as reader:
        assert reader.backend is backend  # kept, with the plans and SQL of the first read
        assert pairs(reader) == {
            ("(start)", "page_view"): 3,
            ("page_view", "order"): 2,
            ("page_view", "page_view"): 1,
            ("order", "(end)"): 2,
            ("page_view", "(end)"): 1,
        }
        assert pairs(reader) == pairs(ws)  # as the workspace's own connection answers


def test_a_kept_reader_reads_its_own_snapshot(open_workspace, write_file):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    with ws.reader():
        pass  # one reader kept
    with ws.reader() as reader:
        before = reader.count()
        ws.load(write_file("more.csv", MORE))  # committed while the read goes on
        assert reader.count() == before == 4
    with ws.reader() as reader:
        assert reader.count() == 6


def test_readers_at_once_each_have_a_cursor(open_workspace, write_file):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    with ws.reader() as one, ws.reader() as two:
        assert one.con is not two.con and one.backend is not two.backend
        cursors = {one.con, two.con}
        assert one.count() == two.count() == 4
    with ws.reader() as one, ws.reader() as two:
        assert {one.con, two.con} == cursors  # both were kept


def test_a_read_that_fails_leaves_no_reader_behind(open_workspace, write_file):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    with pytest.raises(ZeroDivisionError), ws.reader() as reader:
        failed = reader.con
        reader.count() / 0
    with ws.reader() as reader:
        assert reader.con is not failed
        assert reader.count() == 4
    with pytest.raises(duckdb.ConnectionException):
        failed.execute("SELECT 1")  # closed, not kept


def test_a_kept_reader_lets_go_of_a_reads_python_data(open_workspace, write_file):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    people = ws.people_table(pd.Series(["c1", "c2"]))
    name = people.op().name
    for _ in range(2):  # the second read registers it again on the kept cursor
        with ws.reader() as reader:
            assert reader.backend.execute(people.count()) == 2
            assert registered(reader.con, name)
            cursor = reader.con
        assert not registered(cursor, name)


def test_readers_after_compaction_read_the_new_file(open_workspace, write_file):
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    with ws.reader() as reader:
        old = reader.con
    ws.forget(["c1"])  # rewrites the file and reopens the workspace's connection
    with ws.reader() as reader:
        assert reader.con is not old
        assert reader.count() == 2


def test_a_kept_reader_answers_as_a_new_workspace_after_a_load(open_workspace, write_file):
    # every analysis a reader answered before a load, answered after it on the kept
    # reader, equals the answer of a workspace that never saw the data before the load
    asked = {
        "stages": lambda s: s.stages(),
        "funnel": lambda s: s.funnel(["page_view", "order"]),
        "paths": lambda s: s.paths(after="page_view"),
        "process map": lambda s: s.process_map(),
        "journey map": lambda s: s.journey_map(),
        "retention": lambda s: s.retention(),
    }
    ws = open_workspace()
    ws.load(write_file("log.csv", LOG))
    with ws.reader() as reader:
        before = {name: ask(reader).to_dict() for name, ask in asked.items()}
    ws.load(write_file("more.csv", MORE))
    other = open_workspace(name="other.duckdb")
    other.load(write_file("log.csv", LOG))
    other.load(write_file("more.csv", MORE))
    with ws.reader() as reader:
        after = {name: ask(reader).to_dict() for name, ask in asked.items()}
    expected = {name: ask(other).to_dict() for name, ask in asked.items()}
    assert after == expected
    assert [name for name in asked if before[name] != after[name]] == list(asked)
