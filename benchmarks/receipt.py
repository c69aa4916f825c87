"""Benchmark: the fixed cost of one analysis, the process map of a small real log,
against pm4py's directly-follows graph on the same log.

Prints a line; not a test. The log is pm4py's copy of the BPI receipt log (8,577
events of 1,434 cases, from pm4py-core's tests/input_data/receipt.csv; kept as
``benchmarks/data/receipt.csv.gz``: case as customer_id,
activity as event, the row as event_id so equal times keep the file's order). jejak
answers ``ws.process_map()`` on a workspace holding it; pm4py answers ``discover_dfg``
on a DataFrame holding it. Both run in rounds; the counts are compared.

jejak keeps the SQL of its queries for later processes (:mod:`jejak.engine.kept_plans`)
in a file of the round's own here, empty at first: its first call builds and compiles
them. First calls are what a user feels (a notebook's first cell, a CLI command), and one
call is one sample on a busy machine: each round is a fresh process that loads the log
into a new workspace and times jejak's first call on it, then pm4py's first call; then
two more fresh processes time jejak's first call on that workspace, as a
``jejak process-map`` run pays it: once with nothing kept, once reading the SQL the
round kept. Each first call is the median of its rounds.

    python benchmarks/receipt.py
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import shutil
import statistics
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


# a round's first calls on a new workspace: jejak's process map, then pm4py's DFG (pm4py
# imported and the log read first, as in a notebook that uses both)
FIRST_ON_WORKSPACE = """
import sys, time
from jejak.store.workspace import Workspace
import pandas as pd
import pm4py
log = pd.read_csv(sys.argv[1], parse_dates=["ts"]).rename(
    columns={"customer_id": "case:concept:name", "event": "concept:name",
             "ts": "time:timestamp"}
)
with Workspace(sys.argv[2]) as ws:
    ws.load(sys.argv[1])
    start = time.perf_counter()
    ws.process_map()
    ours = time.perf_counter() - start
    start = time.perf_counter()
    pm4py.discover_dfg(log)
    print(ours, time.perf_counter() - start)
"""


def first_on_workspace(csv: Path, workspace: Path, plans: str) -> tuple[float, float]:
    """Seconds of jejak's and pm4py's first calls in a fresh process, jejak's on a new
    workspace holding ``csv``, plans kept in ``plans``."""
    done = subprocess.run(
        [sys.executable, "-c", FIRST_ON_WORKSPACE, str(csv), str(workspace)],
        env=os.environ | {"JEJAK_PLANS": plans},
        capture_output=True,
        text=True,
        check=True,
    )
    ours, theirs = done.stdout.split()[-2:]  # after pm4py's greeting
    return float(ours), float(theirs)


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
    """Seconds of jejak's process map and of pm4py's DFG: the medians of ``rounds``
    calls on a warm workspace (its queries built and compiled) and a warm pm4py; the
    medians of ``rounds`` first calls (see the module's docstring): on a new workspace,
    pm4py's, and in fresh processes with nothing kept and reading the plans kept; and
    whether their transition counts are equal."""
    import pm4py  # a test oracle

    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "receipt.csv"
        with gzip.open(LOG, "rb") as packed, csv.open("wb") as plain:
            shutil.copyfileobj(packed, plain)
        log = pd.read_csv(csv, parse_dates=["ts"]).rename(
            columns={"customer_id": "case:concept:name", "event": "concept:name",
                     "ts": "time:timestamp"}
        )  # fmt: skip
        with (
            plans_in(str(Path(folder) / "plans.sqlite")),
            Workspace(Path(folder) / "receipt.duckdb") as ws,
        ):
            ws.load(csv)
            calls = {"jejak": ws.process_map, "pm4py": lambda: pm4py.discover_dfg(log)}
            in_rounds(calls, 1)  # the first calls: timed in the rounds below
            seconds = in_rounds(calls, rounds)
            ours = ws.process_map().table
        first: dict[str, list[float]] = {"jejak": [], "pm4py": [], "built": [], "kept": []}
        for round_ in range(rounds):
            workspace = Path(folder) / f"round{round_}.duckdb"
            plans = str(Path(folder) / f"plans{round_}.sqlite")
            jejak, theirs = first_on_workspace(csv, workspace, plans)
            first["jejak"].append(jejak)
            first["pm4py"].append(theirs)
            first["built"].append(first_call(workspace, "off"))
            first["kept"].append(first_call(workspace, plans))
        dfg, starts, ends = pm4py.discover_dfg(log)
    cold = {name: statistics.median(spent) for name, spent in first.items()}
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
            "jejak fresh built": cold["built"], "jejak fresh kept": cold["kept"],
            "same counts": same, "rounds": rounds}  # fmt: skip


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
        f" same counts: {r['same counts']} (medians of {r['rounds']} rounds)"
    )


if __name__ == "__main__":
    main()
