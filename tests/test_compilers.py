"""Ibis's SQL compilers load one dialect at a time (jejak.engine.compilers): a first
analysis in a fresh process loads DuckDB's alone, and every other dialect still loads
when it is asked for, by class name or by module."""

from __future__ import annotations

import json
import subprocess
import sys

FIRST_ANALYSIS = """
import json, sys
import jejak
ws = jejak.Workspace(sys.argv[1])
ws.load(sys.argv[2])
reached = ws.stages().table["reached"].tolist()
loaded = sorted(m.rpartition(".")[2] for m in sys.modules
                if m.startswith("ibis.backends.sql.compilers."))
import ibis
import ibis.backends.sql.compilers as sc
t = ibis.table({"a": "int64"}, name="t")
postgres = ibis.to_sql(t.a.sum(), dialect="postgres")
try:
    ibis.to_sql(t.a.sum(), dialect="nowhere")
    unknown = ""
except ValueError as error:
    unknown = str(error)
print(json.dumps({"reached": reached, "loaded": loaded, "postgres": str(postgres),
                  "class": sc.PostgresCompiler.__name__, "unknown": unknown,
                  "names": len(sc.__all__)}))
"""


def test_a_first_analysis_loads_only_duckdbs_compiler(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("customer_id,ts,event\nc1,2026-01-01 08:00:00,lihat\n", "utf-8")
    done = subprocess.run(
        [sys.executable, "-c", FIRST_ANALYSIS, str(tmp_path / "w.duckdb"), str(log)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout.splitlines()[-1])
    assert said["reached"][0] == 1
    # base and its helpers, and DuckDB's: not the other nineteen dialects'
    assert "duckdb" in said["loaded"]
    assert not {"postgres", "bigquery", "snowflake", "trino"} & set(said["loaded"])
    assert 'SUM("t0"."a")' in said["postgres"]  # postgres loaded when asked for
    assert said["class"] == "PostgresCompiler" and said["names"] == 20
    assert said["unknown"] == "Unknown dialect nowhere"
