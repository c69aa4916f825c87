"""The benchmark's figures as ``docs/benchmarks.md``: one markdown table per section."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TARGET = 3.0  # every analysis within 3x of its baseline (issue 14)


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[str]:
    right = ["---:" if i else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(right) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


@dataclass
class Report:
    """What one run measured; sections not run stay empty and are left out."""

    events: int
    machine: str
    started: datetime
    load_before: str
    rounds: int
    touchpoints: int = 0
    people: int = 0
    load: list[tuple[str, float, float]] = field(default_factory=list)
    analyses: list[tuple[str, float, float]] = field(default_factory=list)
    receipt: dict[str, Any] = field(default_factory=dict)
    paths: int = 0
    steps: dict[str, float] = field(default_factory=dict)
    buyers: int = 0
    value: tuple[int, list[tuple[str, float, float, float]]] | None = None
    collector: list[tuple[tuple[int, int], tuple[float, ...]]] = field(default_factory=list)
    dashboard: list[tuple[str, float, float]] = field(default_factory=list)
    startup: list[tuple[str, float, float, str]] = field(default_factory=list)
    load_after: str = ""
    seconds: float = 0.0

    def markdown(self) -> str:
        size = "10M" if self.events >= 10_000_000 else f"{self.events / 1e6:g}M"
        lines = [
            f"# Benchmarks at {size} touchpoints",
            "",
            f"Written by `benchmarks/bench.py --events {self.events}` on"
            f" {self.started:%Y-%m-%d %H:%M} UTC in {self.seconds / 60:.1f} minutes:"
            f" {self.touchpoints:,} touchpoints of {self.people:,} people (the demo shop,"
            f" simulated). Machine: {self.machine}; load average {self.load_before} before,"
            f" {self.load_after} after (other work shares the machine). Every figure is the"
            f" median of {self.rounds} rounds unless said; ratios are to a baseline measured"
            " in the same run.",
            "",
        ]
        for section in (self._analyses, self._load, self._receipt, self._steps, self._value,
                        self._collector, self._dashboard, self._startup):  # fmt: skip
            lines += section()
        return "\n".join(lines)

    def _analyses(self) -> list[str]:
        if not self.analyses:
            return []
        over = [name for name, s, b in self.analyses if s / b > TARGET]
        rows = [(name, f"{s:.2f}", f"{b:.2f}", f"{s / b:.1f}x") for name, s, b in self.analyses]
        return [
            "## Analyses",
            "",
            "Each analysis as `Workspace` answers it (defaults, the demo's campaigns and two"
            " segments in the settings), against its baseline: a plain DuckDB scan of the"
            " columns it reads from the stored touchpoints, sorted by person and time, into a"
            f" table (`benchmarks/analyses.py`). Target: within {TARGET:g}x."
            + (f" Over it: {', '.join(over)}." if over else " All are within it."),
            "",
            *_table(("analysis", "seconds", "baseline seconds", "ratio"), rows),
        ]

    def _load(self) -> list[str]:
        if not self.load:
            return []
        base_s, base_rss = self.load[0][1], self.load[0][2]
        rows = [
            (what, f"{s:.1f}", f"{self.touchpoints / s:,.0f}", f"{s / base_s:.1f}x",
             f"{rss:.2f}", f"{rss / base_rss:.1f}x")
            for what, s, rss in self.load
        ]  # fmt: skip
        return [
            "## Load",
            "",
            "The simulated CSV loaded into a new file, each in a process of its own (peak"
            " RSS is that process's). Target: at most 2x `read_csv`'s time and RSS.",
            "",
            *_table(("what", "seconds", "rows/s", "x read_csv", "peak RSS GB", "x read_csv"), rows),
        ]

    def _receipt(self) -> list[str]:
        if not self.receipt:
            return []
        r = self.receipt
        rows = [
            ("pm4py `discover_dfg` (baseline)", f"{r['pm4py']:.3f}", "1.0x"),
            ("jejak `process_map()`", f"{r['jejak']:.3f}", f"{r['jejak'] / r['pm4py']:.1f}x"),
            ("pm4py, first call", f"{r['pm4py cold']:.3f}", "1.0x"),
            (
                "jejak, first call on the workspace",
                f"{r['jejak cold']:.3f}",
                f"{r['jejak cold'] / r['pm4py cold']:.1f}x",
            ),
        ]
        fresh = {
            "nothing kept": r.get("jejak fresh built"),
            "plans kept": r.get("jejak fresh kept"),
        }
        rows += [
            (
                f"jejak, first call in a fresh process, {how}",
                f"{s:.3f}",
                f"{s / r['pm4py cold']:.1f}x",
            )
            for how, s in fresh.items()
            if s is not None
        ]
        same = "equal" if r["same counts"] else "NOT equal"
        return [
            "## Fixed cost: process map of a small real log",
            "",
            f"pm4py's BPI receipt log ({r['events']:,} events, `benchmarks/receipt.py`):"
            f" jejak on a workspace holding it, pm4py on a DataFrame holding it. Counts:"
            f" {same}. Target: at most 3x pm4py. First calls: medians of"
            f" {r.get('rounds', 1)} rounds, each on a new workspace in fresh processes.",
            "",
            *_table(("what", "seconds", "x pm4py"), rows),
        ]

    def _steps(self) -> list[str]:
        if not self.steps:
            return []
        rows = [(name, f"{s:.2f}") for name, s in self.steps.items()]
        theirs = self.steps.get("ChannelAttribution Markov")
        if theirs:
            rows.append(("Markov order 1 / ChannelAttribution",
                         f"{self.steps['Markov order 1'] / theirs:.2f}x"))  # fmt: skip
        return [
            "## Attribution's data-driven steps",
            "",
            f"On the path table alone ({self.paths:,} distinct paths to an order).",
            "",
            *_table(("step", "seconds"), rows),
        ]

    def _value(self) -> list[str]:
        if not self.value:
            return []
        distinct, fits = self.value
        rows = [(name, f"{ours:.3f}", f"{theirs:.2f}", f"{theirs / ours:.1f}x", f"{gap:.1e}")
                for name, ours, theirs, gap in fits]  # fmt: skip
        return [
            "## Customer value fit against lifetimes",
            "",
            f"A purchase summary of {self.buyers:,} buyers ({distinct:,} distinct (x, t_x, T))"
            " drawn with CDNOW's parameters; the same summary for both.",
            "",
            *_table(
                ("model", "jejak s", "lifetimes s", "lifetimes / jejak", "max param diff"), rows
            ),
        ]

    def _collector(self) -> list[str]:
        if not self.collector:
            return []
        baseline = self.collector[0][1][1]
        rows = [
            (f"{n} x {size}", f"{rps:,.0f}", f"{eps:,.0f}", f"{eps / baseline:.1f}x",
             f"{p50:.0f}", f"{p99:.0f}", f"{worst:.0f}")
            for (n, size), (rps, eps, p50, p99, worst) in self.collector
        ]  # fmt: skip
        return [
            "## Collector",
            "",
            "`jejak serve` in its own process on loopback, senders as kept-alive"
            " connections of one asyncio loop in the benchmark (same cores), 10 s each; one"
            " sender of single events is the baseline. Targets: 500 requests/s (16 x 1),"
            " 20,000 events/s (16 x 100), p99 under 250 ms, /health under 50 ms.",
            "",
            *_table(
                (
                    "senders x events per request",
                    "requests/s",
                    "events/s",
                    "x baseline",
                    "p50 ms",
                    "p99 ms",
                    "slowest /health ms",
                ),
                rows,
            ),
        ]

    def _dashboard(self) -> list[str]:
        if not self.dashboard:
            return []
        rows = [(page, f"{cold:.2f}", f"{warm:.3f}") for page, cold, warm in self.dashboard]
        return [
            "## Dashboard pages",
            "",
            "Each page's content over HTTP on this workspace: cold (nothing kept, the"
            " background warmer held off: built now, one run) and warm (the kept answer).",
            "",
            *_table(("page", "cold s", "warm s"), rows),
        ]

    def _startup(self) -> list[str]:
        if not self.startup:
            return []
        baseline = self.startup[0][1]
        rows = [(what, f"{s:.3f}", f"{s / baseline:.1f}x", f"{cpu:.3f}", code)
                for what, s, cpu, code in self.startup]  # fmt: skip
        return [
            "## Start-up",
            "",
            "A fresh `jejak` process (median of 5). Target: under 0.5 s.",
            "",
            *_table(("what", "seconds", "x baseline", "CPU seconds", "exit code"), rows),
        ]
