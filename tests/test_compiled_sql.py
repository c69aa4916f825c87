"""The SQL of an expression is compiled once for every workspace and process that builds
an equal one (jejak.engine.compiled_sql), and is what Ibis would compile."""

from __future__ import annotations

import datetime
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import ibis
import ibis.backends.sql
import pytest

import jejak
from jejak.engine import compiled_sql

LOG = """
customer_id,ts,event,channel,revenue
c1,2026-01-01 00:00:00,page_view,search,
c1,2026-01-01 00:05:00,product_view,search,
c1,2026-01-01 00:10:00,account_created,direct,
c1,2026-01-01 00:20:00,order,direct,30
c2,2026-01-01 00:00:00,page_view,social,
c2,2026-01-01 00:01:00,product_view,social,
c2,2026-01-05 00:00:00,page_view,direct,
c3,2026-01-02 00:00:00,product_view,email,
c3,2026-01-02 00:01:00,page_view,email,
c3,2026-01-03 00:01:00,order,email,12
"""

# another shop: other people, times and order values; what it names ranks alike (some
# expressions are built from the data: the top channels, which steps match nothing)
OTHER_LOG = """
customer_id,ts,event,channel,revenue
k1,2026-03-01 08:00:00,page_view,search,
k1,2026-03-01 09:05:00,product_view,search,
k1,2026-03-02 00:10:00,account_created,direct,
k1,2026-03-04 00:20:00,order,direct,99
k2,2026-03-01 00:00:00,page_view,social,
k2,2026-03-01 00:01:00,product_view,social,
k2,2026-03-09 00:00:00,page_view,direct,
k3,2026-03-02 00:00:00,product_view,email,
k3,2026-03-02 00:01:00,page_view,email,
k3,2026-03-03 00:01:00,order,email,7
"""

# how many expressions Ibis compiled in a fresh process answering three analyses
COMPILES = """
import json, sys
import ibis.backends.sql
import jejak

compiles = []
ibis_compile = ibis.backends.sql.SQLBackend.compile
def counted(self, expr, *args, **options):
    compiles.append(1)
    return ibis_compile(self, expr, *args, **options)
ibis.backends.sql.SQLBackend.compile = counted
with jejak.Workspace(sys.argv[1]) as ws:
    answers = [
        ws.process_map().to_dict(),
        ws.funnel(["page_view", "order"]).to_dict(),
        ws.stages().to_dict(),
    ]
print(json.dumps({"compiles": len(compiles), "answers": json.dumps(answers, default=str)}))
"""


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """The SQL Ibis's compiler made in this test (for backends opened after it starts);
    nothing remembered in memory before it."""
    made: list[str] = []
    ibis_compile = ibis.backends.sql.SQLBackend.compile

    def counted(self, expr, *args, **options):
        made.append(text := ibis_compile(self, expr, *args, **options))
        return text

    monkeypatch.setattr(ibis.backends.sql.SQLBackend, "compile", counted)
    monkeypatch.setattr(compiled_sql, "_texts", {})
    return made


def workspace(tmp_path: Path, name: str, log: str) -> jejak.Workspace:
    (tmp_path / f"{name}.csv").write_text(log.lstrip(), "utf-8")
    ws = jejak.Workspace(tmp_path / f"{name}.duckdb")
    ws.load(tmp_path / f"{name}.csv")
    return ws


def answers(ws: jejak.Workspace) -> list:
    return [
        ws.process_map().to_dict(),
        ws.funnel(["page_view", "product_view", "order"]).to_dict(),
        ws.stages().to_dict(),
        ws.journey_map().to_dict(),
        ws.attribution().to_dict(),
        ws.top_paths("order").to_dict(),
        ws.retention().to_dict(),
    ]


def named_alike(sql: str) -> str:
    """``sql`` with the names Ibis makes up anew on each compile (a random suffix) alike."""
    return re.sub(r"_[a-z2-7]{26}\b", "_made_up", sql)


def test_another_workspace_building_equal_analyses_compiles_nothing(
    compiles, tmp_path, monkeypatch
):
    monkeypatch.setenv("JEJAK_PLANS", "off")  # memory alone: no later process in this test
    with workspace(tmp_path, "a", LOG) as first:
        answered = answers(first)
    compiled = len(compiles)
    assert compiled > 10
    with workspace(tmp_path, "copy", LOG) as same:  # a workspace of its own, equal data
        assert answers(same) == answered
    assert len(compiles) == compiled
    # other data: only what is built from the data itself (its limits) is compiled
    with workspace(tmp_path, "b", OTHER_LOG) as second:
        assert answers(second) != answered
        pairs = second.process_map().table.set_index(["source", "target"])
        assert pairs.loc[("page_view", "product_view"), "median_seconds"] == (3900 + 60) / 2
    assert 0 < len(compiles) - compiled < compiled / 4


def test_every_remembered_text_is_what_ibis_compiles(compiles, tmp_path, monkeypatch):
    """Each SQL text answered from memory is compared with Ibis's own for the expression:
    the digest tells apart whatever compiles differently."""
    monkeypatch.setenv("JEJAK_PLANS", "off")
    remembered = compiled_sql.compiled
    compared: list[str] = []

    def checked(node, options, compile):
        text = remembered(node, options, compile)
        assert named_alike(text) == named_alike(compile())
        compared.append(text)
        return text

    monkeypatch.setattr(compiled_sql, "compiled", checked)
    settings = jejak.Settings(segments={"searchers": {"first": {"channel": "search"}}})
    with workspace(tmp_path, "a", LOG) as first:
        answers(first)
    with jejak.Workspace(tmp_path / "c.duckdb", settings) as third:
        third.load(tmp_path / "a.csv")
        answers(third)
        third.funnel(["page_view", "order"], by="channel")
    with workspace(tmp_path, "b", OTHER_LOG) as second:
        answers(second)
    assert len(compared) > 3 * 10


def test_a_fresh_process_compiles_nothing_an_earlier_one_compiled(tmp_path, monkeypatch):
    plans = tmp_path / "plans.sqlite"
    monkeypatch.setenv("JEJAK_PLANS", str(plans))
    path = tmp_path / "a.duckdb"
    workspace(tmp_path, "a", LOG).close()

    def elsewhere() -> dict:
        done = subprocess.run(
            [sys.executable, "-c", COMPILES, str(path)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    first = elsewhere()
    assert first["compiles"] > 3
    # the builders' kept plans gone (they are read back as SQL, not compiled): each
    # expression is built again, and its SQL read as the first process kept it
    with sqlite3.connect(plans) as db:
        assert db.execute("DELETE FROM plans WHERE key NOT LIKE 'sql:%'").rowcount > 0
    db.close()
    second = elsewhere()
    assert second["compiles"] == 0
    assert second["answers"] == first["answers"]


def test_the_default_limit_is_the_one_set_when_the_sql_is_asked_for(tmp_path, monkeypatch):
    monkeypatch.setenv("JEJAK_PLANS", str(tmp_path / "plans.sqlite"))
    monkeypatch.setattr(compiled_sql, "_texts", {})
    for name in ("one.duckdb", "two.duckdb"):  # a connection, then another
        with jejak.Workspace(tmp_path / name) as ws:
            ws.con.execute("CREATE TABLE numbers AS SELECT range AS n FROM range(5)")
            table = ws.backend.table("numbers").order_by("n")
            for limit, rows in ((1, 1), (None, 5), (2, 2)):
                monkeypatch.setattr(ibis.options.sql, "default_limit", limit)
                assert len(table.execute()) == rows


def test_a_kept_table_of_an_expression_ibis_tells_apart_but_spelled_alike(tmp_path):
    """NaN is not NaN to Ibis: two kept tables, each under a name of its own."""
    with jejak.Workspace(tmp_path / "w.duckdb") as ws:
        ws.con.execute("CREATE TABLE numbers AS SELECT range AS n FROM range(3)")
        table = ws.backend.table("numbers")
        kept = [table.mutate(x=ibis.literal(float("nan"))).cache() for _ in range(2)]
        assert kept[0].op() != kept[1].op()
        assert [len(t.execute()) for t in kept] == [3, 3]


def test_the_engine_imports_first_in_a_fresh_process():
    for module in ("jejak.engine.duckdb", "jejak.engine.compiled_sql", "jejak.store.readers"):
        done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
        assert done.returncode == 0, done.stderr.decode()


def numbers(name: str = "numbers", kind: str = "int64") -> ibis.Table:
    return ibis.table({"n": kind, "label": "string"}, name=name)


def query(t: ibis.Table, marker: object = 1, label: str = "a") -> ibis.Table:
    total = t.filter((t.n > 1) & (t.label == label)).group_by("label").agg(total=t.n.sum())
    return total.mutate(marker=ibis.literal(marker))


def test_equal_expressions_over_equal_tables_of_two_connections_have_one_digest(tmp_path):
    one, other = (
        ibis.duckdb.connect(tmp_path / "one.db"),
        ibis.duckdb.connect(tmp_path / "other.db"),
    )
    for con in (one, other):
        con.raw_sql("CREATE TABLE numbers (n BIGINT, label VARCHAR)")
    a, b = query(one.table("numbers")), query(other.table("numbers"))
    assert a.op() != b.op()  # to Ibis: tables of other connections
    assert compiled_sql.digest(a.op()) == compiled_sql.digest(b.op())
    assert one.compile(a) == other.compile(b)


@pytest.mark.parametrize(
    "changed",
    [
        lambda: query(numbers(), marker=2),
        lambda: query(numbers(), marker=1.0),
        lambda: query(numbers(), marker=True),
        lambda: query(numbers(), marker=datetime.date(2026, 1, 1)),
        lambda: query(numbers(), label="b"),
        lambda: query(numbers(name="other")),
        lambda: query(numbers(kind="int32")),
        lambda: query(
            ibis.table({"n": "int64", "label": "string"}, name="numbers", database="elsewhere")
        ),
        lambda: query(numbers()).order_by("total"),
        lambda: query(numbers()).limit(1),
    ],
    ids=["value", "float", "bool", "date", "text", "table", "type", "namespace", "order", "limit"],
)
def test_what_compiles_differently_has_another_digest(changed):
    assert compiled_sql.digest(query(numbers()).op()) == compiled_sql.digest(query(numbers()).op())
    assert compiled_sql.digest(changed().op()) != compiled_sql.digest(query(numbers()).op())


def test_python_data_and_unknown_values_have_no_digest():
    python_data = ibis.memtable({"n": [1, 2]})
    assert compiled_sql.said(python_data.op()) is None
    t = numbers()
    unknown = t.mutate(at=ibis.literal(datetime.datetime(2026, 1, 1, tzinfo=Zone())))
    assert compiled_sql.said(unknown.op()) is None
    assert compiled_sql.said(query(t).op()) is not None


class Zone(datetime.tzinfo):
    """A time zone whose spelling (its repr) does not say what it is."""

    def utcoffset(self, dt):
        return datetime.timedelta(hours=7)

    def dst(self, dt):
        return datetime.timedelta(0)

    def tzname(self, dt):
        return "WIB"
