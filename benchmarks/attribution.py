"""Benchmark: attribution's path extraction and models, against a DuckDB baseline and
ChannelAttribution.

Prints a table; not a test. For each size a simulated shop is loaded into a fresh
workspace. Ratios compare, in the same run:
- path extraction (journeys cut at each order, touches by channel, distinct paths) and
  the rule-based models against a plain DuckDB scan-and-sort of the columns they read;
- jejak's exact Markov step (order 1) against ChannelAttribution's ``markov_model`` at its
  defaults on the same path table.

    python benchmarks/attribution.py                  # 1M and 10M events
    python benchmarks/attribution.py --events 200000  # a quick look
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table
from timing import timed_with_result

from jejak.analyses import conversion_paths as cp
from jejak.analyses.attribution import RULE_MODELS
from jejak.analyses.markov import markov_credit
from jejak.analyses.shapley import shapley_credit
from jejak.simulate import simulate_shop
from jejak.store.workspace import Workspace

BASELINE_SQL = (
    "CREATE OR REPLACE TEMP TABLE _baseline AS SELECT customer_id, anonymous_id, ts, event,"
    " channel, revenue, properties FROM touchpoints ORDER BY customer_id, anonymous_id, ts"
)


def channel_attribution(paths: pd.DataFrame):
    """ChannelAttribution's default Markov run on the path table, or None if not installed."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            import ChannelAttribution as ca
    except ImportError:
        return None
    table = pd.DataFrame(
        {
            "path": [">".join(p) for p in paths["path"]],
            "conversions": paths["conversions"].astype(int),
            "nulls": paths["nulls"].astype(int),
        }
    )

    def run():
        with contextlib.redirect_stdout(io.StringIO()):
            return ca.markov_model(
                table, "path", "conversions", var_null="nulls", verbose=False, flg_pro=False
            )

    return run


def run(events: int, data_dir: Path, console: Console) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)
    probe = simulate_shop(customers=2_000, seed=1).touchpoints.num_rows / 2_000
    shop = simulate_shop(customers=max(100, round(events / probe)), seed=11)
    files = shop.write(data_dir / f"attribution_{events}")
    rows = shop.touchpoints.num_rows
    del shop
    ws_path = data_dir / f"attribution_{events}.duckdb"
    ws_path.unlink(missing_ok=True)
    with Workspace(ws_path) as ws:
        ws.load(files["touchpoints"])
        console.log(f"{rows:,} events loaded")
        baseline_s, _ = timed_with_result(lambda: ws.con.execute(BASELINE_SQL))

        def extract():
            return cp.path_table(ws.events(), ws.journey, "order", lookback=None)

        paths_s, paths = timed_with_result(extract)
        rules_s, _ = timed_with_result(lambda: ws.attribution("order", models=list(RULE_MODELS)))
        routes = list(paths["path"])
        won, lost = paths["conversions"].to_numpy(float), paths["nulls"].to_numpy(float)
        worth = paths["value"].to_numpy(float)
        markov_s, _ = timed_with_result(lambda: markov_credit(routes, won, lost, worth, order=1))
        markov3_s, _ = timed_with_result(
            lambda: markov_credit(routes, won, lost, worth, order=3), 1
        )
        shapley_s, _ = timed_with_result(lambda: shapley_credit(routes, won))
        theirs = channel_attribution(paths)
        theirs_s = timed_with_result(theirs)[0] if theirs else None
        all_s, _ = timed_with_result(lambda: ws.attribution("order", lookback=None), 1)
    ws_path.unlink(missing_ok=True)
    return {
        "events": rows,
        "paths": len(paths),
        "baseline_s": baseline_s,
        "paths_s": paths_s,
        "rules_s": rules_s,
        "markov_s": markov_s,
        "markov3_s": markov3_s,
        "shapley_s": shapley_s,
        "theirs_s": theirs_s,
        "all_s": all_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--data-dir", type=Path, default=Path("bench-data"))
    args = parser.parse_args()
    console = Console(width=None if sys.stdout.isatty() else 160)
    results = [run(n, args.data_dir, console) for n in args.events]
    table = Table(title="Attribution (median of 3 runs; order 3 and all models: 1 run)")
    for name in (
        "events",
        "distinct paths",
        "baseline s",
        "path extraction / baseline",
        "6 rule-based models / baseline",
        "Markov order 1 s",
        "Markov order 3 s",
        "Shapley s",
        "ChannelAttribution Markov s",
        "Markov / ChannelAttribution",
        "all 8 models s",
    ):
        table.add_column(name, justify="right")
    for r in results:
        theirs = r["theirs_s"]
        table.add_row(
            f"{r['events']:,}",
            f"{r['paths']:,}",
            f"{r['baseline_s']:.2f}",
            f"{r['paths_s'] / r['baseline_s']:.2f}x",
            f"{r['rules_s'] / r['baseline_s']:.2f}x",
            f"{r['markov_s']:.2f}",
            f"{r['markov3_s']:.2f}",
            f"{r['shapley_s']:.2f}",
            "not installed" if theirs is None else f"{theirs:.2f}",
            "–" if theirs is None else f"{r['markov_s'] / theirs:.2f}x",
            f"{r['all_s']:.2f}",
        )
    console.print(table)
    console.print(
        "Targets: path extraction within 3x of the baseline; the exact Markov step no "
        "slower than ChannelAttribution's default run."
    )


if __name__ == "__main__":
    main()
