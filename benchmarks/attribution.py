"""Benchmark: each attribution model against a DuckDB scan-and-sort baseline, and the
Markov step against ChannelAttribution.

Prints tables; not a test. For each size a simulated shop is loaded into a fresh
workspace. In the same run, in rounds (the baseline, then every call once; three rounds
by default, ``--rounds`` for more; each figure is the median of its rounds, so a busy
machine slows all of them alike):
- the baseline: a plain DuckDB scan-and-sort of the columns attribution reads, into a
  table (as ``benchmarks/journeys.py`` defines it);
- path extraction (journeys cut at each order, touches by channel, distinct paths) and
  ``ws.attribution`` with one model at a time, then with all of them, at the default
  90-day lookback;
- on the path table alone: jejak's exact Markov step (orders 1 and 3), Shapley, and
  ChannelAttribution's ``markov_model`` at its defaults.

    python benchmarks/attribution.py                  # 1M events
    python benchmarks/attribution.py --events 200000  # a quick look
    python benchmarks/attribution.py --events 1000000 10000000
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table
from timing import in_rounds

from jejak.analyses import conversion_paths as cp
from jejak.analyses.attribution import MODELS
from jejak.analyses.markov import markov_credit
from jejak.analyses.shapley import shapley_credit
from jejak.simulate import simulate_shop
from jejak.store.workspace import Workspace

BASELINE_SQL = (
    "CREATE OR REPLACE TEMP TABLE _baseline AS SELECT customer_id, anonymous_id, ts, event,"
    " channel, revenue, properties FROM touchpoints ORDER BY customer_id, anonymous_id, ts"
)


def channel_attribution(paths: pd.DataFrame) -> Callable[[], Any] | None:
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


def run(events: int, data_dir: Path, rounds: int, console: Console) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)
    probe = simulate_shop(customers=2_000, seed=1).touchpoints.num_rows / 2_000
    shop = simulate_shop(customers=max(100, round(events / probe)), seed=11)
    files = shop.write(data_dir / f"attribution_{events}")
    rows = shop.touchpoints.num_rows
    del shop
    ws_path = data_dir / f"attribution_{events}.duckdb"
    ws_path.unlink(missing_ok=True)
    lookback = timedelta(days=90)
    with Workspace(ws_path) as ws:
        ws.load(files["touchpoints"])
        console.log(f"{rows:,} events loaded")
        calls: dict[str, Callable[[], Any]] = {
            "baseline": lambda: ws.con.execute(BASELINE_SQL),
            "path extraction": lambda: cp.path_table(
                ws.events(), ws.journey, "order", lookback=lookback
            ),
        }
        for model in MODELS:
            calls[model] = lambda model=model: ws.attribution("order", models=[model])
        calls["all 8 models"] = lambda: ws.attribution("order")
        seconds = in_rounds(calls, rounds)
        paths = cp.path_table(ws.events(), ws.journey, "order", lookback=lookback)
    ws_path.unlink(missing_ok=True)
    return {
        "events": rows,
        "paths": len(paths),
        "seconds": seconds,
        "steps": data_driven_steps(paths, rounds),
    }


def data_driven_steps(paths: pd.DataFrame, rounds: int) -> dict[str, float]:
    """Seconds of each data-driven step on the path table alone (medians of ``rounds``):
    jejak's exact Markov (orders 1 and 3), Shapley, and ChannelAttribution's Markov."""
    routes = list(paths["path"])
    won, lost = paths["conversions"].to_numpy(float), paths["nulls"].to_numpy(float)
    worth = paths["value"].to_numpy(float)
    steps: dict[str, Callable[[], Any]] = {
        "Markov order 1": lambda: markov_credit(routes, won, lost, worth, order=1),
        "Markov order 3": lambda: markov_credit(routes, won, lost, worth, order=3),
        "Shapley": lambda: shapley_credit(routes, won),
    }
    theirs = channel_attribution(paths)
    if theirs is not None:
        steps["ChannelAttribution Markov"] = theirs
    return in_rounds(steps, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--data-dir", type=Path, default=Path("bench-data"))
    parser.add_argument("--rounds", type=int, default=3, help="runs of each call (median)")
    args = parser.parse_args()
    console = Console(width=None if sys.stdout.isatty() else 160)
    for events in args.events:
        r = run(events, args.data_dir, args.rounds, console)
        seconds = r["seconds"]
        baseline = seconds["baseline"]
        table = Table(
            title=f"Attribution, {r['events']:,} events",
            caption=f"{r['paths']:,} distinct paths; median of {args.rounds} rounds",
        )
        for name in ("call", "seconds", "/ baseline"):
            table.add_column(name, justify="left" if name == "call" else "right")
        for name, spent in seconds.items():
            label = "scan and sort (baseline)" if name == "baseline" else name
            table.add_row(label, f"{spent:.2f}", f"{spent / baseline:.2f}x")
        console.print(table)
        steps = r["steps"]
        table = Table(title="Data-driven steps on the path table alone")
        for name in ("step", "seconds"):
            table.add_column(name, justify="left" if name == "step" else "right")
        for name, spent in steps.items():
            table.add_row(name, f"{spent:.2f}")
        theirs = steps.get("ChannelAttribution Markov")
        if theirs:
            table.add_row(
                "Markov order 1 / ChannelAttribution", f"{steps['Markov order 1'] / theirs:.2f}x"
            )
        else:
            table.add_row("ChannelAttribution", "not installed")
        console.print(table)
    console.print(
        "Targets: every model within 3x of the baseline, path extraction included; the "
        "exact Markov step no slower than ChannelAttribution's default run."
    )


if __name__ == "__main__":
    main()
