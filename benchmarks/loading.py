"""Benchmark: ``jejak load`` of a CSV against DuckDB's own ``read_csv`` of the same file.

Prints a table; not a test. The simulated shop is written as CSV; then, in the same run
and each in its own process, ``jejak load`` stores it in a fresh workspace (checks,
event ids, stitching: everything a user's load does), and DuckDB copies it into a table
with ``CREATE TABLE t AS SELECT * FROM read_csv(file)``. Each process's wall time and
peak RSS are its own (``os.wait4``). Target: jejak at least half DuckDB's rows/s, with
at most twice its peak RSS.

    python benchmarks/loading.py                  # 1M events
    python benchmarks/loading.py --events 10000000
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

JEJAK = str(Path(sys.executable).with_name("jejak"))
READ_CSV = (
    "import duckdb, sys; con = duckdb.connect(sys.argv[1]);"
    " con.execute('SET enable_progress_bar = false');"
    " con.execute('CREATE TABLE t AS SELECT * FROM read_csv(?)', [sys.argv[2]])"
)


def measured(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (GB) of one run of ``command``, in its own
    process. On a busy machine wall time grows with the other work; CPU time less so."""
    start = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command)
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024**2  # ru_maxrss is in KiB on Linux


def load_against_read_csv(csv_path: Path, rows: int, workspace: Path) -> dict:
    """``jejak load`` of ``csv_path`` (``rows`` rows) into a fresh ``workspace``, and
    ``read_csv`` of it into a table beside it: same run, same file. The workspace stays."""
    table = workspace.with_name(workspace.stem + "_read_csv.duckdb")
    for path in (workspace, table):
        path.unlink(missing_ok=True)
    read_csv = [sys.executable, "-c", READ_CSV, str(table), str(csv_path)]
    duckdb_s, duckdb_cpu, duckdb_gb = measured(read_csv)
    table.unlink()
    jejak_s, jejak_cpu, jejak_gb = measured([JEJAK, "-w", str(workspace), "load", str(csv_path)])
    return {
        "rows": rows,
        "jejak_s": jejak_s,
        "jejak_rows_s": rows / jejak_s,
        "jejak_cpu_s": jejak_cpu,
        "jejak_rss_gb": jejak_gb,
        "duckdb_s": duckdb_s,
        "duckdb_rows_s": rows / duckdb_s,
        "duckdb_cpu_s": duckdb_cpu,
        "duckdb_rss_gb": duckdb_gb,
    }


def load_table(results: list[dict]) -> Table:
    """One row per size: rows/s and peak RSS of each, and their ratios."""
    table = Table(title="Loading a CSV: jejak load against DuckDB read_csv (same run, same file)")
    for name in (
        "rows",
        "jejak load rows/s",
        "read_csv rows/s",
        "speed: jejak / read_csv",
        "jejak CPU s",
        "read_csv CPU s",
        "CPU: read_csv / jejak",
        "jejak peak RSS GB",
        "read_csv peak RSS GB",
        "RSS: jejak / read_csv",
    ):
        table.add_column(name, justify="right")
    for r in results:
        table.add_row(
            f"{r['rows']:,}",
            f"{r['jejak_rows_s']:,.0f}",
            f"{r['duckdb_rows_s']:,.0f}",
            f"{r['jejak_rows_s'] / r['duckdb_rows_s']:.2f}",
            f"{r['jejak_cpu_s']:.1f}",
            f"{r['duckdb_cpu_s']:.1f}",
            f"{r['duckdb_cpu_s'] / r['jejak_cpu_s']:.2f}",
            f"{r['jejak_rss_gb']:.2f}",
            f"{r['duckdb_rss_gb']:.2f}",
            f"{r['jejak_rss_gb'] / r['duckdb_rss_gb']:.2f}",
        )
    return table


def main() -> None:
    import pyarrow.csv as pacsv

    from jejak.simulate import simulate_shop

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--data-dir", type=Path, default=Path("bench-data"))
    parser.add_argument("--csv", type=Path, help="Load this CSV instead of a simulated one.")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    console = Console(width=max(160, shutil.get_terminal_size().columns))  # the whole table
    results = []
    if args.csv:
        with args.csv.open("rb") as handle:
            rows = sum(1 for _ in handle) - 1  # a simulated CSV has no line breaks in values
        workspace = args.data_dir / "bench_load.duckdb"
        results.append(load_against_read_csv(args.csv, rows, workspace))
        workspace.unlink()
    for events in [] if args.csv else args.events:
        per_person = simulate_shop(customers=2_000, seed=1).touchpoints.num_rows / 2_000
        shop = simulate_shop(customers=max(100, round(events / per_person)), seed=11)
        csv_path = args.data_dir / f"touchpoints_{events}.csv"
        pacsv.write_csv(shop.touchpoints, csv_path)
        rows = shop.touchpoints.num_rows
        del shop
        workspace = args.data_dir / f"bench_load_{events}.duckdb"
        results.append(load_against_read_csv(csv_path, rows, workspace))
        workspace.unlink()
        csv_path.unlink()
    console.print(load_table(results))


if __name__ == "__main__":
    main()
