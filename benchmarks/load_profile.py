"""Benchmark: where a load's time goes, statement by statement, against ``read_csv``.

Prints a table; not a test. DuckDB's ``read_csv`` of the file into a table runs first, in
its own process (as in ``benchmarks/loading.py``); then the file loads into a fresh
workspace in this process, every statement the load runs (checks, event ids, storing,
stitching) timed in wall and CPU seconds. CPU is the process's own (DuckDB's threads
included), so on a busy machine it says more than wall time. Each statement's cost is
given as a share of ``read_csv``'s whole load. A ``jejak load`` is a process of its own
too: its start-up (imports, settings, opening the workspace: what loading a one-row file
costs) is measured apart, in its own process, and added to the load's total.

    python benchmarks/load_profile.py bench-data/touchpoints_1000000.csv
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from loading import JEJAK, READ_CSV
from rich.console import Console
from rich.table import Table
from timing import load_average

SHOWN = 8  # statements shown one by one, the costliest; the rest are summed


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Timed:
    """A DuckDB connection whose ``execute`` calls are timed (wall and CPU seconds)."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self.log: list[tuple[str, float, float]] = []

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), _cpu()
        result = self._con.execute(sql, *args, **kwargs)
        self.log.append((sql, time.perf_counter() - wall, _cpu() - cpu))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def read_csv(csv_path: Path, directory: Path) -> tuple[float, float]:
    """Wall and CPU seconds of DuckDB's ``read_csv`` of the file into a table."""
    table = directory / "read_csv.duckdb"
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", READ_CSV, str(table), str(csv_path)])
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("read_csv failed")
    table.unlink()
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def start_up(directory: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``jejak load`` of a one-row file into a new workspace, in
    its own process: what every load costs before its file's rows."""
    one = directory / "one_row.csv"
    one.write_text("customer_id,ts,event\nc1,2026-01-01 08:00:00,page_view\n", "utf-8")
    command = [JEJAK, "-w", str(directory / "one_row.duckdb"), "load", str(one)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("jejak load of one row failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def label(sql: str) -> str:
    """A statement's first words, enough to tell which step it is."""
    words = " ".join(sql.split())
    return words if len(words) <= 70 else words[:67] + "..."


def profile_table(
    log: list[tuple[str, float, float]],
    total: tuple[float, float],
    base: tuple[float, float],
    started: tuple[float, float],
) -> Table:
    table = Table(title="One load, statement by statement (shares of read_csv's whole load)")
    for name in ("statement", "wall s", "CPU s", "CPU x read_csv"):
        table.add_column(name, justify="left" if name == "statement" else "right")
    costly = sorted(log, key=lambda entry: -entry[2])
    rows = [(label(sql), wall, cpu) for sql, wall, cpu in costly[:SHOWN]]
    rest = costly[SHOWN:]
    rows.append((f"{len(rest)} other statements", sum(e[1] for e in rest), sum(e[2] for e in rest)))
    between = total[0] - sum(e[1] for e in log), total[1] - sum(e[2] for e in log)
    rows.append(("Python between statements", *between))
    rows.append(("the load (Storage.load)", *total))
    rows.append(("jejak load's start-up (one row, own process)", *started))
    rows.append(("the load and its start-up", total[0] + started[0], total[1] + started[1]))
    rows.append(("read_csv into a table (own process)", *base))
    for name, wall, cpu in rows:
        table.add_row(name, f"{wall:.2f}", f"{cpu:.2f}", f"{cpu / base[1]:.2f}")
    return table


def main() -> None:
    from jejak.store.workspace import Workspace

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    args = parser.parse_args()
    console = Console(width=120)
    with tempfile.TemporaryDirectory() as directory:
        before = load_average()
        base = read_csv(args.csv, Path(directory))
        started = start_up(Path(directory))
        with Workspace(Path(directory) / "profile.duckdb") as workspace:
            timed = Timed(workspace.con)
            workspace.con = timed  # type: ignore[assignment]
            wall, cpu = time.perf_counter(), _cpu()
            workspace.load(args.csv)
            total = time.perf_counter() - wall, _cpu() - cpu
            workspace.con = timed._con
    console.print(profile_table(timed.log, total, base, started))
    console.print(f"load average {before} before, {load_average()} after")


if __name__ == "__main__":
    main()
