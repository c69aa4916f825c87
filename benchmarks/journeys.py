"""Benchmark: loading, the stage funnel and a 5-step funnel, against a plain DuckDB baseline.

Prints a table; not a test. For each size the simulated shop is written as CSV,
loaded into a fresh workspace (streamed through DuckDB), then the stage funnel
is computed. The baseline, measured in the same run on the same workspace, is a
plain DuckDB scan-and-sort of the columns the stage engine reads.

    python benchmarks/journeys.py                 # 1M and 10M events
    python benchmarks/journeys.py --events 200000 # a quick look
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pyarrow.csv as pacsv
from analyses import JOURNEY, baseline_sql, order_number_journey
from loading import load_against_read_csv, load_table
from rich.console import Console
from rich.table import Table
from timing import timed

from jejak.simulate import simulate_shop
from jejak.store.workspace import Workspace

BASELINE_SQL = baseline_sql(JOURNEY)


def people_for(events: int, per_person: float) -> int:
    return max(100, round(events / per_person))


def run(events: int, data_dir: Path, console: Console) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)
    # the simulator makes about this many touchpoints per person by default
    probe = simulate_shop(customers=2_000, seed=1).touchpoints.num_rows / 2_000
    customers = people_for(events, probe)
    csv_path = data_dir / f"touchpoints_{events}.csv"
    start = time.perf_counter()
    shop = simulate_shop(customers=customers, seed=11)
    simulate_s = time.perf_counter() - start
    pacsv.write_csv(shop.touchpoints, csv_path)
    rows = shop.touchpoints.num_rows
    csv_bytes = csv_path.stat().st_size
    del shop
    console.log(f"{rows:,} events from {customers:,} people simulated in {simulate_s:.1f} s")

    ws_path = data_dir / f"bench_{events}.duckdb"
    # the load runs as users run it (the CLI, its own process), against DuckDB's own
    # read_csv of the same file in the same run (see benchmarks/loading.py)
    loaded = load_against_read_csv(csv_path, rows, ws_path)
    with Workspace(ws_path) as ws:
        baseline_s = timed(lambda: ws.con.execute(BASELINE_SQL))
        funnel_s = timed(ws.stages)
        # the same journey with purchases counted from an order_number property (before
        # event roles), to see what counting them from the purchase role costs
        property_s = timed(lambda: ws.stages(journey=order_number_journey(ws.journey)))
        five_steps = [
            "page_view", "content_view", "newsletter_signup", "order", "onboarding_complete",
        ]  # fmt: skip
        map_s = timed(ws.process_map)
        sankey_s = timed(lambda: ws.paths(after="page_view", steps=10))
        journey_map_s = timed(lambda: ws.journey_map(lanes=False))
        steps_s = {
            order: timed(lambda order=order: ws.funnel(five_steps, window="30d", order=order))
            for order in ("ordered", "strict", "any")
        }
    ws_path.unlink(missing_ok=True)
    csv_path.unlink(missing_ok=True)
    return {
        "events": rows,
        "people": customers,
        "baseline_s": baseline_s,
        "funnel_s": funnel_s,
        "property_s": property_s,
        "steps_s": steps_s,
        "map_s": map_s,
        "sankey_s": sankey_s,
        "journey_map_s": journey_map_s,
        "loaded": loaded,
        "csv_gb": csv_bytes / 1024**3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--data-dir", type=Path, default=Path("bench-data"))
    args = parser.parse_args()
    console = Console(width=None if sys.stdout.isatty() else 160)
    results = [run(n, args.data_dir, console) for n in args.events]

    console.print(load_table([r["loaded"] for r in results]))
    table = Table(title="Stage funnel and other analyses (median of 3 runs)")
    for name in (
        "events",
        "people",
        "baseline s",
        "funnel s",
        "funnel events/s",
        "funnel / baseline",
        "with order_number rules / baseline",
        "5-step funnel / baseline (ordered, strict, any)",
        "process map / baseline",
        "10-step paths / baseline",
        "journey map / baseline",
        "CSV GB",
    ):
        table.add_column(name, justify="right")
    for r in results:
        table.add_row(
            f"{r['events']:,}",
            f"{r['people']:,}",
            f"{r['baseline_s']:.2f}",
            f"{r['funnel_s']:.2f}",
            f"{r['events'] / r['funnel_s']:,.0f}",
            f"{r['funnel_s'] / r['baseline_s']:.2f}x",
            f"{r['property_s'] / r['baseline_s']:.2f}x",
            ", ".join(f"{t / r['baseline_s']:.2f}x" for t in r["steps_s"].values()),
            f"{r['map_s'] / r['baseline_s']:.2f}x",
            f"{r['sankey_s'] / r['baseline_s']:.2f}x",
            f"{r['journey_map_s'] / r['baseline_s']:.2f}x",
            f"{r['csv_gb']:.2f}",
        )
    console.print(table)
    console.print(
        "Target: each analysis within 3x of the baseline (a scan and sort of the same columns)."
    )


if __name__ == "__main__":
    main()
