"""What a builder built is kept as SQL for later processes (jejak.engine.kept_plans)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import ibis
import pytest

import jejak
from jejak.engine import kept_plans
from jejak.engine.plans import remembered

LOG = """
customer_id,ts,event,order_number
c1,2026-01-01 00:00:00,page_view,
c1,2026-01-01 00:05:00,product_view,
c1,2026-01-01 00:10:00,account_created,
c1,2026-01-01 00:20:00,order,1
c2,2026-01-01 00:00:00,page_view,
c2,2026-01-01 00:01:00,product_view,
c2,2026-01-05 00:00:00,page_view,
c3,2026-01-02 00:00:00,product_view,
c3,2026-01-02 00:01:00,page_view,
"""

# the answers of three analyses with remembered builders, as JSON, and what was logged
ANSWERS = """
import json, logging, sys
import jejak

said = []
handler = logging.Handler()
handler.emit = lambda record: said.append(record.getMessage())
log = logging.getLogger("jejak.engine.kept_plans")
log.setLevel(logging.DEBUG)
log.addHandler(handler)
with jejak.Workspace(sys.argv[1]) as ws:
    answers = [
        ws.process_map().to_dict(),
        ws.funnel(["page_view", "order"], by="channel").to_dict(),
        ws.stages().to_dict(),
    ]
print(json.dumps({"answers": json.dumps(answers, default=str, sort_keys=True), "said": said}))
"""

CALLS: list[int] = []


@remembered
def first_rows(table: ibis.Table, top: int) -> ibis.Table:
    """A builder kept by module and name (a closure is never kept)."""
    CALLS.append(top)
    return table.order_by("n").limit(top)


@remembered
def with_python_data(table: ibis.Table, top: int) -> ibis.Table:
    CALLS.append(top)
    return table.join(ibis.memtable({"n": [1, 2]}), "n").limit(top)


@pytest.fixture
def plans(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "plans.sqlite"
    monkeypatch.setenv("JEJAK_PLANS", str(path))
    CALLS.clear()
    return path


@pytest.fixture
def said(caplog) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="jejak.engine.kept_plans")
    return caplog


def numbers(tmp_path: Path, name: str = "n.duckdb") -> jejak.Workspace:
    ws = jejak.Workspace(tmp_path / name)
    ws.con.execute("CREATE TABLE IF NOT EXISTS numbers AS SELECT range AS n FROM range(5)")
    return ws


def first_two(ws: jejak.Workspace) -> list[int]:
    return first_rows(ws.backend.table("numbers"), 2).to_pyarrow().column("n").to_pylist()


def answered_elsewhere(workspace: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", ANSWERS, str(workspace)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_fresh_process_reads_the_kept_sql_and_answers_the_same(plans, said, tmp_path):
    path = tmp_path / "w.duckdb"
    (tmp_path / "log.csv").write_text(LOG.lstrip(), "utf-8")
    with jejak.Workspace(path) as ws:
        ws.load(tmp_path / "log.csv")
        answers = [
            ws.process_map().to_dict(),
            ws.funnel(["page_view", "order"], by="channel").to_dict(),
            ws.stages().to_dict(),
        ]
    built = [m for m in said.messages if m.startswith("built jejak.analyses.")]
    assert len(built) == 3 and len([m for m in said.messages if m.startswith("kept plan")]) == 3
    elsewhere = answered_elsewhere(path)
    assert elsewhere["answers"] == json.dumps(answers, default=str, sort_keys=True)
    # nothing built in the fresh process: each builder's tables were read as kept
    assert not [m for m in elsewhere["said"] if m.startswith("built")]
    assert len([m for m in elsewhere["said"] if m.startswith("read kept plan")]) == 3


def test_changed_code_or_schema_is_built_again(plans, tmp_path, monkeypatch):
    with numbers(tmp_path) as ws:
        assert first_two(ws) == [0, 1]
    with numbers(tmp_path) as ws:  # another connection: only the file remembers
        assert first_two(ws) == [0, 1]
    assert CALLS == [2]
    monkeypatch.setattr(kept_plans, "code_digest", lambda: "other code")
    with numbers(tmp_path) as ws:
        assert first_two(ws) == [0, 1]
    assert CALLS == [2, 2]
    with numbers(tmp_path) as ws:
        ws.con.execute("ALTER TABLE numbers ADD COLUMN half DOUBLE")
        assert first_two(ws) == [0, 1]
    assert CALLS == [2, 2, 2]


def test_kept_sql_reads_the_data_as_it_is(plans, tmp_path):
    with numbers(tmp_path) as ws:
        first_two(ws)
    with numbers(tmp_path) as ws:
        ws.con.execute("DELETE FROM numbers WHERE n = 0")
        assert first_two(ws) == [1, 2]
    assert CALLS == [2]


@pytest.mark.parametrize("garbage", [b"not a database at all" * 100, b""])
def test_a_corrupt_file_is_ignored_and_rewritten(plans, tmp_path, garbage):
    plans.write_bytes(garbage)
    with numbers(tmp_path) as ws:
        assert first_two(ws) == [0, 1]
    with numbers(tmp_path) as ws:
        assert first_two(ws) == [0, 1]
    assert CALLS == [2]  # the file was made anew, and read by the second connection


def test_a_corrupt_row_is_built_again_and_written_over(plans, tmp_path):
    import sqlite3

    with numbers(tmp_path) as ws:
        first_two(ws)
    with sqlite3.connect(plans) as db:
        db.execute('UPDATE plans SET plan = \'{"tables": [["SELEC", 3]]}\'')
    db.close()
    for _ in range(2):
        with numbers(tmp_path) as ws:
            assert first_two(ws) == [0, 1]
    assert CALLS == [2, 2]


def test_python_data_other_parameters_and_spark_keep_nothing(plans, tmp_path):
    with numbers(tmp_path) as ws:
        table = ws.backend.table("numbers")
        with_python_data(table, 1).to_pyarrow()
        node = table.op()
        assert kept_plans.key(ws.backend, first_rows, node, [(int, 2)]) is not None
        assert kept_plans.key(ws.backend, first_rows, node, [(object, object())]) is None
        spark = type("Backend", (), {"name": "pyspark"})()
        assert kept_plans.key(spark, first_rows, node, [(int, 2)]) is None
        # a kept (temporary) table lasts one call, under a name each process makes anew
        with table.cache() as kept:
            assert kept_plans.key(ws.backend, first_rows, kept.op(), [(int, 2)]) is None
    with numbers(tmp_path) as ws:
        with_python_data(ws.backend.table("numbers"), 1).to_pyarrow()
    assert CALLS == [1, 1]


def test_off_keeps_nothing(plans, tmp_path, monkeypatch):
    monkeypatch.setenv("JEJAK_PLANS", "off")
    for _ in range(2):
        with numbers(tmp_path) as ws:
            first_two(ws)
    assert CALLS == [2, 2] and not plans.exists()


def test_the_file_keeps_the_newest_few(plans, tmp_path, monkeypatch):
    import sqlite3

    monkeypatch.setattr(kept_plans, "KEPT", 2)
    with numbers(tmp_path) as ws:
        for top in (1, 2, 3):
            first_rows(ws.backend.table("numbers"), top)
    with sqlite3.connect(plans) as db:
        assert db.execute("SELECT count(*) FROM plans").fetchall() == [(2,)]
    db.close()


@pytest.mark.parametrize(
    "dtype",
    [
        "!int64",
        "timestamp('UTC', 6)",
        "decimal(18, 3)",
        "array<string>",
        "struct<a: int8, b: array<float64>>",
        "map<string, !int32>",
        "interval('s')",
    ],
)
def test_column_types_are_read_back_as_they_were(dtype):
    spelled = json.loads(json.dumps(kept_plans._spelled_type(ibis.dtype(dtype))))
    assert kept_plans._typed(spelled) == ibis.dtype(dtype)


def test_a_changed_source_file_changes_the_code_in_the_key(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "__pycache__").mkdir()
    source = tmp_path / "sub" / "a.py"
    source.write_text("x = 1\n", "utf-8")
    before = kept_plans._sources(tmp_path)
    (tmp_path / "__pycache__" / "a.py").write_text("not a source\n", "utf-8")
    assert kept_plans._sources(tmp_path) == before
    (tmp_path / "jejak.po").write_text("msgid ...\n", "utf-8")  # words, templates: code too
    with_words = kept_plans._sources(tmp_path)
    assert with_words != before
    before = with_words
    source.write_text("x = 2\n", "utf-8")  # the same size: its time of change tells
    os.utime(source, ns=(1, 1))
    changed = kept_plans._sources(tmp_path)
    assert changed != before
    (tmp_path / "b.py").write_text("", "utf-8")
    assert kept_plans._sources(tmp_path) not in (before, changed)
    assert kept_plans._sources(tmp_path / "missing") is None
