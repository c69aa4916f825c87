"""Benchmark: the stage funnel on Spark's local mode against DuckDB, on one shop.

Prints a table; not a test. A simulated shop is loaded into a workspace (DuckDB) and read
from the same Parquet file by a local Spark session; each row is the median of
``--repeat`` warm runs of ``stages()`` (the JVM has answered once before), and DuckDB's
time in the same run is the baseline. On small data Spark's share is mostly fixed
cost: planning, code generation and one job per query stage.

    python benchmarks/spark.py
    python benchmarks/spark.py --customers 20000 --cores 2
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table
from timing import timed

import jejak
from jejak.engine.spark import local_session
from jejak.simulate import simulate_shop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        files = simulate_shop(customers=args.customers, seed=3).write(Path(folder))
        ws = jejak.Workspace(Path(folder) / "w.duckdb")
        ws.load(files["touchpoints"])
        spark = local_session("jejak-bench", cores=args.cores)
        try:
            source = jejak.on_spark(spark, spark.read.parquet(str(files["touchpoints"])))
            source.stages()  # the first query also warms the JVM
            duck = timed(ws.stages, args.repeat)
            on_spark = timed(source.stages, args.repeat)
        finally:
            spark.stop()
            touchpoints = ws.count()
            ws.close()

    table = Table(title=f"Stage funnel, {touchpoints:,} touchpoints, Spark local[{args.cores}]")
    for column in ("engine", "seconds", "x DuckDB"):
        table.add_column(column, justify="left" if column == "engine" else "right")
    table.add_row("DuckDB (baseline)", f"{duck:.2f}", "1.0")
    table.add_row("Spark local", f"{on_spark:.2f}", f"{on_spark / duck:.1f}")
    Console().print(table)


if __name__ == "__main__":
    main()
