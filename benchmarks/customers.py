"""Benchmark: the customer, campaign, contact and experience analyses, against a DuckDB
baseline.

Prints a table; not a test. For each size a simulated shop with the demo's campaigns,
promotions and tickets is loaded into a fresh workspace, with the demo's campaigns and
two segments in its settings. Each analysis is timed (median of three runs) and shown
as a ratio to a plain DuckDB scan-and-sort of the touchpoints measured in the same run.

    python benchmarks/customers.py                  # 1M events
    python benchmarks/customers.py --events 200000  # a quick look
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from timing import timed

from jejak.demo import campaign_settings
from jejak.model.config import Settings
from jejak.simulate import simulate_shop
from jejak.simulate.shop import DEMO_PLAN
from jejak.store.workspace import Workspace

BASELINE_SQL = (
    "CREATE OR REPLACE TEMP TABLE _baseline AS SELECT customer_id, anonymous_id, ts, event,"
    " channel, campaign, revenue, properties FROM touchpoints"
    " ORDER BY customer_id, anonymous_id, ts"
)


def run(events: int, data_dir: Path) -> list[tuple[str, float]]:
    probe = simulate_shop(customers=2_000, seed=1, plan=DEMO_PLAN).touchpoints.num_rows / 2_000
    shop = simulate_shop(customers=max(100, round(events / probe)), seed=11, plan=DEMO_PLAN)
    files = shop.write(data_dir / f"customers_{events}")
    settings = Settings(
        campaigns=campaign_settings(DEMO_PLAN),
        segments={
            "instagram": {"first": {"channel": "social"}},
            "best buyers": {"rfm": ["Champions", "Loyal"]},
        },
    )
    path = data_dir / f"customers_{events}.duckdb"
    path.unlink(missing_ok=True)
    with Workspace(path, settings) as ws:
        ws.load(files["touchpoints"])
        baseline = timed(lambda: ws.con.execute(BASELINE_SQL))
        work = {
            "campaigns (3, with holdouts)": ws.campaigns,
            "contact by campaign": ws.contact_metrics,
            "messages per week": ws.contact_frequency,
            "send times + best hours": ws.send_times,
            "experience": ws.experience,
            "clusters (k chosen)": ws.clusters,
            "segments (rule + RFM)": lambda: ws.stages(by="segment"),
            "retention by channel": lambda: ws.retention(by="channel"),
            "customer value": ws.customer_value,
            "reviews": ws.reviews,
        }
        rows = [("DuckDB scan-and-sort (baseline)", baseline)]
        rows += [(name, timed(fn)) for name, fn in work.items()]
        return [(f"{ws.count():,} events", baseline), *rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--data", type=Path, default=Path("benchmarks/.data"))
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    console = Console(width=None if sys.stdout.isatty() else 120)
    for events in args.events:
        rows = run(events, args.data)
        (label, _), (_, baseline) = rows[0], rows[1]
        table = Table(title=f"Customer analyses, {label}")
        table.add_column("analysis")
        table.add_column("seconds", justify="right")
        table.add_column("x baseline", justify="right")
        for name, seconds in rows[1:]:
            table.add_row(name, f"{seconds:.2f}", f"{seconds / baseline:.1f}x")
        console.print(table)


if __name__ == "__main__":
    main()
