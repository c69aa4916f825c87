"""Benchmark: what the order of the kept ``stitched`` table costs a load and saves the
analyses.

Prints a table; not a test. A workspace (``make bench``'s, by default) is copied once per
order, and each copy's ``stitched`` table is built again whole in that order, the build
timed (wall and CPU seconds: on a busy machine CPU says more). Then the analyses that
read it run on every copy in rounds, in turn, and their answers are compared with those
of the first order (jejak's own: by person and time).

    python benchmarks/stitched_order.py
    python benchmarks/stitched_order.py --rows "process map,journey map" --rounds 5
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from analyses import every_analysis
from bench import SETTINGS
from rich.console import Console
from rich.table import Table
from timing import load_average

from jejak.store import identity, stitching
from jejak.store.workspace import Workspace

ORDERS = {  # name: the ORDER BY of the build ("" for none)
    "person, time": "person_id, ts",
    "none": "",
    "person hash, time": "hash(person_id), ts",
}
ROWS = (
    "stage funnel,5-step funnel,10-step paths,process map,journey map,retention,"
    "attribution: path extraction,attribution: all,experience"
)


def build(path: Path, order: str) -> tuple[float, float]:
    """Build ``path``'s stitched table whole in ``order``: wall and CPU seconds."""
    with Workspace(path, SETTINGS) as ws:
        ws.stitch()  # the links, in a workspace stitched by no load yet
        rows = identity.assigned(
            ws.backend.table("touchpoints").drop("load_id"), ws.backend.table(stitching.LINKS)
        )
        sql = f"CREATE OR REPLACE TABLE {stitching.TABLE} AS {ws.backend.compile(rows)}"
        sql += f" ORDER BY {order}" if order else ""
        ws.con.execute("SET enable_progress_bar = false")
        start, cpu = time.perf_counter(), time.process_time()
        ws.con.execute(sql)
        ws.con.execute("CHECKPOINT")
        return time.perf_counter() - start, time.process_time() - cpu


def answer(result: Any) -> Any:
    """What to compare of an analysis' result: its table, or its dict."""
    table = getattr(result, "table", None)
    if isinstance(table, pd.DataFrame):
        return table
    return result.to_dict() if hasattr(result, "to_dict") else result


def same(one: Any, other: Any) -> bool:
    one, other = answer(one), answer(other)
    if isinstance(one, pd.DataFrame):
        return one.equals(other)
    return bool(one == other)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=Path("/tmp/bench/bench_1000000.duckdb"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", default=ROWS, help="analyses whose name holds one of these")
    args = parser.parse_args()
    console = Console(width=140)
    began = load_average()
    scratch = Path(tempfile.mkdtemp(prefix="jejak_order_"))
    try:
        copies = {name: scratch / f"{i}.duckdb" for i, name in enumerate(ORDERS)}
        builds = {}
        for name, copy in copies.items():
            shutil.copy(args.workspace, copy)
            builds[name] = build(copy, ORDERS[name])
        workspaces = {name: Workspace(copy, SETTINGS) for name, copy in copies.items()}
        like = args.rows.split(",")
        calls = {
            name: {n: call for n, _, call in every_analysis(ws) if any(p in n for p in like)}
            for name, ws in workspaces.items()
        }
        first = next(iter(ORDERS))
        seconds: dict[tuple[str, str], list[tuple[float, float]]] = {}
        differ: set[str] = set()
        for round_ in range(args.rounds):
            for analysis in calls[first]:
                answers = {}
                for name in ORDERS:
                    start, cpu = time.perf_counter(), time.process_time()
                    answers[name] = calls[name][analysis]()
                    spent = (time.perf_counter() - start, time.process_time() - cpu)
                    seconds.setdefault((name, analysis), []).append(spent)
                if round_ == 0:
                    differ |= {analysis for n in ORDERS if not same(answers[first], answers[n])}
        for ws in workspaces.values():
            ws.close()
    finally:
        shutil.rmtree(scratch)
    table = Table(title=f"stitched in each order (load average {began} -> {load_average()})")
    table.add_column("", justify="left")
    for name in ORDERS:
        table.add_column(f"{name}: s / CPU s", justify="right")
        table.add_column("CPU ratio", justify="right")
    cells = []
    for name in ORDERS:
        wall, cpu = builds[name]
        cells += [f"{wall:.2f} / {cpu:.2f}", f"{cpu / builds[first][1]:.2f}"]
    table.add_row("building stitched", *cells)
    for analysis in calls[first]:
        cells = []
        base = statistics.median(c for _, c in seconds[(first, analysis)])
        for name in ORDERS:
            wall = statistics.median(w for w, _ in seconds[(name, analysis)])
            cpu = statistics.median(c for _, c in seconds[(name, analysis)])
            cells += [f"{wall:.2f} / {cpu:.2f}", f"{cpu / base:.2f}"]
        mark = " (answers differ!)" if analysis in differ else ""
        table.add_row(analysis + mark, *cells)
    console.print(table)


if __name__ == "__main__":
    main()
