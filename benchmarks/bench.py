"""The benchmark: every analysis against a scan-and-sort baseline, load against DuckDB's
``read_csv``, the fixed cost on a small real log, the customer-value fit against
lifetimes, the collector, the dashboard's pages and start-up; written to
``docs/benchmarks.md``.

Not a test. One simulated shop (the demo's plan: campaigns, promotions, tickets) of
``--events`` touchpoints is written as CSV (kept in ``--data-dir`` for the next run),
loaded with ``jejak load`` in its own process, and every analysis of the public API is
timed in rounds with its baseline (each figure the median of its rounds; in a round
the baselines and every analysis run once, in turn, so a busy machine slows them alike).

    python benchmarks/bench.py                       # 1M events (make bench)
    python benchmarks/bench.py --events 10000000     # make bench-10m
    python benchmarks/bench.py --events 200000 --only analyses --out -   # a quick look
    python benchmarks/bench.py --only analyses --reuse --rows experience,clusters --out -
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.csv as pacsv
from analyses import BASELINES, baseline_sql, every_analysis
from attribution import data_driven_steps
from customers import fit_against_lifetimes
from loading import load_against_read_csv
from receipt import receipt_process_map
from report import Report
from server import COLLECTOR_RUNS, _events, collector_figures, dashboard_pages
from startup import startup_rows
from timing import in_rounds, load_average, machine

from jejak.analyses import conversion_paths as cp
from jejak.demo import campaign_settings
from jejak.model.config import Settings
from jejak.simulate import simulate_shop
from jejak.simulate.shop import DEMO_PLAN
from jejak.store.workspace import Workspace

SECTIONS = ("load", "analyses", "receipt", "steps", "value", "collector", "dashboard", "startup")
SETTINGS = Settings(
    campaigns=campaign_settings(DEMO_PLAN),
    segments={
        "instagram": {"first": {"channel": "social"}},
        "best buyers": {"rfm": ["Champions", "Loyal"]},
    },
)


def simulated_csv(events: int, data_dir: Path, log) -> Path:
    """The demo shop's touchpoints, about ``events`` of them, as CSV (made once)."""
    path = data_dir / f"shop_{events}.csv"
    if path.exists():
        return path
    probe = simulate_shop(customers=2_000, seed=1, plan=DEMO_PLAN).touchpoints.num_rows / 2_000
    start = time.perf_counter()
    shop = simulate_shop(customers=max(100, round(events / probe)), seed=11, plan=DEMO_PLAN)
    took = time.perf_counter() - start
    log(f"{shop.touchpoints.num_rows:,} touchpoints simulated in {took:.0f} s")
    pacsv.write_csv(shop.touchpoints, path.with_suffix(".part"))
    path.with_suffix(".part").rename(path)
    return path


def load(csv: Path, workspace: Path) -> list[tuple[str, float, float]]:
    """``jejak load`` into a new workspace, and DuckDB's ``read_csv`` into a table of a
    new database, each in a process of its own: (what, seconds, peak RSS GB)."""
    rows = sum(1 for _ in csv.open("rb")) - 1
    got = load_against_read_csv(csv, rows, workspace)
    return [
        ("DuckDB read_csv into a table (baseline)", got["duckdb_s"], got["duckdb_rss_gb"]),
        ("jejak load", got["jejak_s"], got["jejak_rss_gb"]),
    ]


def analyses(
    workspace: Path, rounds: int, log, rows_like: list[str] | None = None
) -> list[tuple[str, float, float]]:
    """(analysis, seconds, its baseline's seconds) for every analysis, or those whose
    name holds one of ``rows_like``."""
    with Workspace(workspace, SETTINGS) as ws:
        calls = {f"baseline {k}": (lambda c=c: ws.con.execute(baseline_sql(c)))
                 for k, c in BASELINES.items()}  # fmt: skip
        rows = every_analysis(ws)
        if rows_like:
            rows = [row for row in rows if any(part in row[0] for part in rows_like)]
        calls |= {name: call for name, _, call in rows}
        log(f"{len(rows)} analyses, {rounds} rounds")
        seconds = in_rounds(calls, rounds, log)
    return [(name, seconds[name], seconds[f"baseline {kind}"]) for name, kind, _ in rows]


def steps(workspace: Path, rounds: int) -> tuple[int, dict[str, float]]:
    with Workspace(workspace, SETTINGS) as ws:
        paths = cp.path_table(ws.events(), ws.journey, "order", lookback=timedelta(days=90))
    return len(paths), data_driven_steps(paths, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/bench"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--buyers", type=int, default=150_000, help="the value fit's summary")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--reuse", action="store_true", help="keep an earlier run's workspace")
    parser.add_argument("--out", default="docs/benchmarks.md", help="'-': print only")
    parser.add_argument(
        "--rows", default="", help="analyses: only rows whose name holds one of these (commas)"
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    args.data_dir.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - began:6.0f} s] {message}", file=sys.stderr, flush=True)

    def write() -> None:
        """The report so far (a section that fails later leaves the earlier ones)."""
        report.load_after = load_average()
        report.seconds = time.perf_counter() - began
        if args.out != "-":
            Path(args.out).write_text(report.markdown(), "utf-8")

    report = Report(
        events=args.events,
        machine=machine(),
        started=datetime.now(UTC),
        load_before=load_average(),
        rounds=args.rounds,
    )
    csv = simulated_csv(args.events, args.data_dir, log)
    workspace = args.data_dir / f"bench_{args.events}.duckdb"
    if "load" in only and not (args.reuse and workspace.exists()):
        report.load = load(csv, workspace)
        log("loaded")
        write()
    elif not workspace.exists():
        subprocess.run([sys.executable, "-c", "from jejak.cli import main; main()",
                        "-w", str(workspace), "load", str(csv)], check=True)  # fmt: skip
    with Workspace(workspace) as ws:
        report.touchpoints = ws.count()
        report.people = int(ws.events().person_id.nunique().execute())
    if "receipt" in only:
        report.receipt = receipt_process_map(max(5, args.rounds))
        log("receipt log")
        write()
    if "steps" in only:
        report.paths, report.steps = steps(workspace, args.rounds)
        log("data-driven steps")
        write()
    if "value" in only:
        report.value = fit_against_lifetimes(args.buyers)
        report.buyers = args.buyers
        log("value fit")
        write()
    if "collector" in only:
        figures = collector_figures(_events(20_000), seconds=10)
        report.collector = list(zip(COLLECTOR_RUNS, figures, strict=True))
        log("collector")
        write()
    if "startup" in only:
        report.startup = startup_rows()
        log("start-up")
        write()
    # the long sections last: what is quick is written first
    if "analyses" in only:
        rows_like = args.rows.split(",") if args.rows else None
        report.analyses = analyses(workspace, args.rounds, log, rows_like)
        write()
    if "dashboard" in only:
        report.dashboard = dashboard_pages(workspace, SETTINGS)
        log("dashboard")
        write()
    write()
    if args.out == "-":
        print(report.markdown())
    else:
        log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
