"""Benchmark: the fixed cost of one analysis, the process map of a small real log,
against pm4py's directly-follows graph on the same log.

Prints a line; not a test. The log is pm4py's copy of the BPI receipt log (8,577
events of 1,434 cases, from pm4py-core's tests/input_data/receipt.csv; kept as
``benchmarks/data/receipt.csv.gz``: case as customer_id,
activity as event, the row as event_id so equal times keep the file's order). jejak
answers ``ws.process_map()`` on a workspace holding it; pm4py answers ``discover_dfg``
on a DataFrame holding it. Both run in rounds; the counts are compared.

jejak keeps the SQL of its queries for later processes (:mod:`jejak.engine.kept_plans`)
in a file of the run's own here, empty at first: its first call builds and compiles
them. The first call is also timed in fresh processes, as a ``jejak process-map`` run
pays it: once with nothing kept, once reading the SQL the run kept.

    python benchmarks/receipt.py
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from timing import in_rounds

from jejak.store.workspace import Workspace

LOG = Path(__file__).parent / "data" / "receipt.csv.gz"
# the seconds of the first process map in a fresh process
FIRST_CALL = """
import sys, time
from jejak.store.workspace import Workspace
with Workspace(sys.argv[1]) as ws:
    start = time.perf_counter()
    ws.process_map()
    print(time.perf_counter() - start)
"""


@contextlib.contextmanager
def plans_in(plans: str) -> Iterator[None]:
    """Plans kept in the file ``plans`` (or none: ``off``) meanwhile."""
    before = os.environ.get("JEJAK_PLANS")
    os.environ["JEJAK_PLANS"] = plans
    try:
        yield
    finally:
        if before is None:
            del os.environ["JEJAK_PLANS"]
        else:
            os.environ["JEJAK_PLANS"] = before


def first_call(workspace: Path, plans: str) -> float:
    """Seconds of the first process map in a fresh process, plans kept in ``plans``."""
    done = subprocess.run(
        [sys.executable, "-c", FIRST_CALL, str(workspace)],
        env=os.environ | {"JEJAK_PLANS": plans},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


def receipt_process_map(rounds: int = 5) -> dict[str, float | bool | int]:
    """Seconds of jejak's process map and of pm4py's DFG: the first call of each (cold:
    jejak builds and compiles its queries, pm4py imports its modules) and the medians of
    ``rounds`` calls after it (warm); jejak's first call in fresh processes, with nothing
    kept and reading the plans kept; and whether their transition counts are equal."""
    import pm4py  # a test oracle

    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "receipt.csv"
        with gzip.open(LOG, "rb") as packed, csv.open("wb") as plain:
            shutil.copyfileobj(packed, plain)
        log = pd.read_csv(csv, parse_dates=["ts"]).rename(
            columns={"customer_id": "case:concept:name", "event": "concept:name",
                     "ts": "time:timestamp"}
        )  # fmt: skip
        plans = str(Path(folder) / "plans.sqlite")
        with plans_in(plans), Workspace(Path(folder) / "receipt.duckdb") as ws:
            ws.load(csv)
            cold = in_rounds({"jejak": ws.process_map, "pm4py": lambda: pm4py.discover_dfg(log)}, 1)
            seconds = in_rounds(
                {"jejak": ws.process_map, "pm4py": lambda: pm4py.discover_dfg(log)}, rounds
            )
            ours = ws.process_map().table
        built = first_call(Path(folder) / "receipt.duckdb", "off")
        kept = first_call(Path(folder) / "receipt.duckdb", plans)
        dfg, starts, ends = pm4py.discover_dfg(log)
    inner = ours[(ours["source"] != "(start)") & (ours["target"] != "(end)")]
    same = (
        dict(zip(zip(inner["source"], inner["target"], strict=True), inner["transitions"],
                 strict=True)) == dict(dfg)
        and ours[ours["source"] == "(start)"].set_index("target")["transitions"].to_dict()
        == dict(starts)
        and ours[ours["target"] == "(end)"].set_index("source")["transitions"].to_dict()
        == dict(ends)
    )  # fmt: skip
    return {"events": len(log), "jejak": seconds["jejak"], "pm4py": seconds["pm4py"],
            "jejak cold": cold["jejak"], "pm4py cold": cold["pm4py"],
            "jejak fresh built": built, "jejak fresh kept": kept,
            "same counts": same}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    r = receipt_process_map(parser.parse_args().rounds)
    print(
        f"receipt log, {r['events']:,} events: warm jejak {r['jejak']:.3f} s, pm4py"
        f" {r['pm4py']:.3f} s, {r['jejak'] / r['pm4py']:.1f}x; cold jejak"
        f" {r['jejak cold']:.3f} s, pm4py {r['pm4py cold']:.3f} s,"
        f" {r['jejak cold'] / r['pm4py cold']:.1f}x; fresh process: built"
        f" {r['jejak fresh built']:.3f} s ({r['jejak fresh built'] / r['pm4py cold']:.1f}x),"
        f" kept {r['jejak fresh kept']:.3f} s ({r['jejak fresh kept'] / r['pm4py cold']:.1f}x);"
        f" same counts: {r['same counts']}"
    )


if __name__ == "__main__":
    main()
