"""Benchmark: erasing one person and pruning, against loading the same touchpoints.

Prints a table; not a test. A simulated shop is loaded once (timed: the baseline a user
knows); then, each on a fresh copy of that workspace file and in rounds (a busy machine
slows a step and its baseline alike): copying the file, forgetting one person without
and with rewriting the file, rewriting alone, and pruning half the days.

    python benchmarks/erasure.py                 # the demo's 20,000 customers
    python benchmarks/erasure.py --customers 2000
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

import jejak


def _timed(prepare: Callable[[], object], work: Callable[[object], object]) -> float:
    """Seconds of ``work(prepare())``, the preparation not counted."""
    made = prepare()
    start = time.perf_counter()
    work(made)
    seconds = time.perf_counter() - start
    if isinstance(made, jejak.Workspace):
        made.close()
    return seconds


def main() -> None:
    from jejak.simulate import simulate_shop
    from jejak.simulate.shop import DEMO_PLAN

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="jejak-erasure-bench-"))
    shop = simulate_shop(customers=args.customers, seed=7, plan=DEMO_PLAN)
    touchpoints = shop.write(folder)["touchpoints"]
    source = folder / "shop.duckdb"
    start = time.perf_counter()
    with jejak.Workspace(source) as ws:
        ws.load(touchpoints)
        load_s = time.perf_counter() - start
        rows, size = ws.count(), source.stat().st_size
        person = ws.con.execute(
            "SELECT person_id FROM stitched GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchall()[0][0]
        middle = ws.con.execute("SELECT min(ts) + (max(ts) - min(ts)) / 2 FROM stitched")
        half = middle.fetchall()[0][0]
    keep_days = 30

    def copy(name: str) -> Path:
        return Path(shutil.copy(source, folder / name))

    def opened(name: str, **settings) -> Callable[[], jejak.Workspace]:
        return lambda: jejak.Workspace(copy(name), jejak.Settings(**settings))

    steps: dict[str, tuple[Callable[[], object], Callable[[object], object]]] = {
        "copy the file (shutil)": (lambda: None, lambda _: copy("c.duckdb")),
        "forget 1 person, no rewrite": (
            opened("f.duckdb"),
            lambda ws: ws.forget([person], compact=False),
        ),
        "forget 1 person + rewrite": (opened("g.duckdb"), lambda ws: ws.forget([person])),
        "rewrite the file alone": (opened("r.duckdb"), lambda ws: ws.compact()),
        "prune about half + rewrite": (
            opened("p.duckdb", keep_days=keep_days),
            lambda ws: ws.prune(now=half + timedelta(days=keep_days)),
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(args.rounds):
        for name, (prepare, work) in steps.items():
            times[name].append(_timed(prepare, work))
    table = Table(
        title=f"Erasure at {rows:,} touchpoints ({size / 1e6:.0f} MB file; same run)",
        title_justify="left",
    )
    for column in ("step", "median s", "÷ load"):
        table.add_column(column, justify="left" if column == "step" else "right")
    table.add_row("load the touchpoints (baseline, once)", f"{load_s:.2f}", "1.00")
    for name, seconds in times.items():
        median = statistics.median(seconds)
        table.add_row(name, f"{median:.2f}", f"{median / load_s:.2f}")
    Console(width=120).print(table)
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
