"""Benchmark: how fast the ``jejak`` command answers when it has little to do.

Prints a table; not a test. Each row is the wall time of a fresh process (the median of
``--repeat`` runs) of the installed ``jejak`` script beside this Python: help, version,
and errors that need no data (an unknown option, a missing file, no workspace yet, a
broken jejak.yaml). ``python -c pass`` in the same run is the baseline: the ratio says
how much jejak adds to starting Python at all. The CPU seconds (median) read the same
on a busy machine, where wall time grows with the other work.

    python benchmarks/startup.py
    python benchmarks/startup.py --repeat 9
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table
from timing import timed_with_result

JEJAK = str(Path(sys.executable).with_name("jejak"))

# (what, command line, the exit code it should end with)
CASES: tuple[tuple[str, list[str], int], ...] = (
    ("python -c pass (baseline)", [sys.executable, "-c", "pass"], 0),
    ("jejak --help", [JEJAK, "--help"], 0),
    ("jejak --version", [JEJAK, "--version"], 0),
    ("jejak stages --help", [JEJAK, "stages", "--help"], 0),
    ("error: unknown option", [JEJAK, "stages", "--bogus"], 2),
    ("error: missing file", [JEJAK, "load", "missing.csv"], 1),
    ("error: no workspace yet", [JEJAK, "stages"], 1),
    ("error: bad jejak.yaml", [JEJAK, "--config", "bad.yaml", "stages"], 1),
)


# as an installed jejak runs: with its modules' bytecode cached (the first run writes it)
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(command: list[str], folder: Path, cpu: list[float]) -> int:
    """The exit code of one run of ``command`` in ``folder``; its CPU seconds go to ``cpu``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, cwd=folder, env=ENVIRONMENT, capture_output=True, check=False)
    code = done.returncode
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return code


def startup_rows(repeat: int = 5) -> list[tuple[str, float, float, str]]:
    """Per case: what, wall seconds and CPU seconds (medians of ``repeat`` fresh
    processes), and the exit code (with the expected one when they differ)."""
    rows = []
    for what, command, expected in CASES:
        with tempfile.TemporaryDirectory() as tmp:  # each its own: a load makes a workspace
            folder = Path(tmp)
            (folder / "bad.yaml").write_text("journey: [value-journey\n", "utf-8")
            run_once(command, folder, [])  # bytecode and file cache warm
            cpu: list[float] = []
            run = partial(run_once, command, folder, cpu)
            seconds, code = timed_with_result(run, repeat)
            shown = str(code) if code == expected else f"{code} (expected {expected})"
            rows.append((what, seconds, statistics.median(cpu), shown))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="Runs per row (the median).")
    args = parser.parse_args()
    console = Console(width=None if sys.stdout.isatty() else 120)
    table = Table(title=f"jejak start-up: wall time of a fresh process (median of {args.repeat})")
    for column in ("what", "seconds", "x baseline", "CPU seconds", "exit code"):
        table.add_column(column, justify="left" if column == "what" else "right")
    rows = startup_rows(args.repeat)
    baseline = rows[0][1]
    for what, seconds, cpu, code in rows:
        table.add_row(what, f"{seconds:.3f}", f"{seconds / baseline:.1f}", f"{cpu:.3f}", code)
    console.print(table)


if __name__ == "__main__":
    main()
