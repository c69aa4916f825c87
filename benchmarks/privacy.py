"""Benchmark: ``jejak load`` with personal data hashed (``pii:``) and consent, against the
same load without them.

Prints a table; not a test. A simulated shop is written once as CSV with two personal
columns (an email and a name on every row with a customer, as a web export has them)
and a consent column (about one row in ten says no). Then, in the same run, each in its
own process and in turns (so that a busy machine slows each alike), ``jejak load``
stores it in a fresh workspace with each setting. The ratio is each load's wall and CPU
time over the plain load's, median of the rounds.

    python benchmarks/privacy.py                  # 1M events, 3 rounds
    python benchmarks/privacy.py --events 100000 --rounds 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

LOAD = "import sys; from jejak.cli import main; sys.argv[0] = 'jejak'; main()"
SETTINGS = {
    "plain": "",
    "pii: email and name": "pii: {email: [email], text: [nama]}\n",
    "pii: and ids": "pii: {email: [email], text: [nama], ids: true}\n",
    "pii: and ids, consent": (
        "pii: {email: [email], text: [nama], ids: true}\nconsent: {field: consent}\n"
    ),
}


def write_shop(events: int, path: Path) -> int:
    """The simulated shop's touchpoints with email, nama and consent columns; its rows."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from jejak.simulate import simulate_shop

    per_person = simulate_shop(customers=2_000, seed=1).touchpoints.num_rows / 2_000
    table = simulate_shop(customers=max(100, round(events / per_person)), seed=11).touchpoints
    customer = table["customer_id"]
    email = pc.binary_join_element_wise(pc.utf8_upper(customer), "@Mail.example", "")
    name = pc.binary_join_element_wise("Nama ", customer, "")
    # one row in ten refuses (by its place in the file), the rest agree
    refused = pa.array([("tidak" if i % 10 == 0 else "ya") for i in range(table.num_rows)])
    table = table.append_column("email", email).append_column("nama", name)
    table = table.append_column("consent", refused)
    pacsv.write_csv(table, path)
    return table.num_rows


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command`` in its own process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise subprocess.CalledProcessError(os.waitstatus_to_exitcode(status), command)
    return seconds, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=Path("bench-data"))
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    csv_path = args.data_dir / f"privacy_{args.events}.csv"
    rows = write_shop(args.events, csv_path)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in SETTINGS}
    for _ in range(args.rounds):
        for name, text in SETTINGS.items():
            config = args.data_dir / "privacy.yaml"
            config.write_text(text or "timezone: UTC\n")
            workspace = args.data_dir / "privacy.duckdb"
            workspace.unlink(missing_ok=True)
            command = [sys.executable, "-c", LOAD, "-c", str(config), "-w", str(workspace)]
            times[name].append(measured([*command, "load", str(csv_path)], env))
            workspace.unlink()
    csv_path.unlink()
    wall = {name: statistics.median(t[0] for t in found) for name, found in times.items()}
    cpu = {name: statistics.median(t[1] for t in found) for name, found in times.items()}
    table = Table(title=f"jejak load of {rows:,} rows: privacy settings against none (same run)")
    for column in ("settings", "wall s", "wall / plain", "CPU s", "CPU / plain"):
        table.add_column(column, justify="right")
    for name in SETTINGS:
        table.add_row(
            name,
            f"{wall[name]:.2f}",
            f"{wall[name] / wall['plain']:.2f}",
            f"{cpu[name]:.2f}",
            f"{cpu[name] / cpu['plain']:.2f}",
        )
    Console(width=max(100, shutil.get_terminal_size().columns)).print(table)


if __name__ == "__main__":
    main()
