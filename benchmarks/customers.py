"""Benchmark: the customer, campaign, contact and experience analyses, against a DuckDB
baseline; and the customer-value fit against lifetimes'.

Prints tables; not a test. For each size a simulated shop with the demo's campaigns,
promotions and tickets is loaded into a fresh workspace, with the demo's campaigns and
two segments in its settings. Each analysis is timed (median of three runs) and shown
as a ratio to a plain DuckDB scan-and-sort of the touchpoints measured in the same run.

The value fit: a purchase summary of 150,000 buyers drawn from the BG/NBD and
Gamma-Gamma models (jejak.simulate.buyers, CDNOW's parameters) is fitted by jejak and by
lifetimes (a test oracle, requirements-oracles.lock), each timed as the median of three
fits, with the largest relative difference between their parameters.

    python benchmarks/customers.py                  # 1M events, 150k buyers
    python benchmarks/customers.py --events 200000  # a quick look
    python benchmarks/customers.py --events         # the value fit alone
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from timing import timed, timed_with_result

from jejak.analyses.value_models import BetaGeo, GammaGamma
from jejak.demo import campaign_settings
from jejak.model.config import Settings
from jejak.simulate import simulate_shop
from jejak.simulate.buyers import buyer_summary
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


def fit_against_lifetimes(buyers: int) -> tuple[int, list[tuple[str, float, float, float]]]:
    """Distinct (x, t_x, T) rows, and per model: jejak's and lifetimes' seconds and the
    largest relative difference between their parameters."""
    from lifetimes import BetaGeoFitter, GammaGammaFitter  # a test oracle

    summary = buyer_summary(buyers, seed=14)
    x, t_x, age = summary["x"], summary["t_x"], summary["T"]
    repeat = summary[(summary["x"] > 0) & (summary["mean_value"] > 0)]
    ours_bg, bg = timed_with_result(lambda: BetaGeo.fit(x, t_x, age))
    theirs_bg, lbg = timed_with_result(lambda: BetaGeoFitter().fit(x, t_x, age))
    ours_gg, gg = timed_with_result(lambda: GammaGamma.fit(repeat["x"], repeat["mean_value"]))
    theirs_gg, lgg = timed_with_result(
        lambda: GammaGammaFitter().fit(repeat["x"], repeat["mean_value"])
    )
    ours = {"BG/NBD": [bg.r, bg.alpha, bg.a, bg.b], "Gamma-Gamma": [gg.p, gg.q, gg.gamma]}
    theirs = {"BG/NBD": lbg.params_.to_numpy(), "Gamma-Gamma": lgg.params_.to_numpy()}
    bg_gap, gg_gap = (float(np.abs(np.array(ours[m]) / theirs[m] - 1).max()) for m in ours)
    rows = [
        ("BG/NBD", ours_bg, theirs_bg, bg_gap),
        ("Gamma-Gamma", ours_gg, theirs_gg, gg_gap),
        ("both", ours_bg + ours_gg, theirs_bg + theirs_gg, max(bg_gap, gg_gap)),
    ]
    return len(summary[["x", "t_x", "T"]].drop_duplicates()), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--buyers", type=int, default=150_000, help="0: no value fit")
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
    if args.buyers:
        distinct, rows = fit_against_lifetimes(args.buyers)
        table = Table(title=f"Value fit, {args.buyers:,} buyers ({distinct:,} distinct rows)")
        for column in ("model", "jejak s", "lifetimes s", "lifetimes / jejak", "max param diff"):
            table.add_column(column, justify="left" if column == "model" else "right")
        for name, ours, theirs, gap in rows:
            ratio = f"{theirs / ours:.1f}x"
            table.add_row(name, f"{ours:.3f}", f"{theirs:.2f}", ratio, f"{gap:.1e}")
        console.print(table)


if __name__ == "__main__":
    main()
