"""Timing shared by the benchmark scripts: medians of a few runs, and the machine."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any


def timed_with_result(work: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs (seconds) and the last run's result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def timed(work: Callable[[], Any], repeat: int = 3) -> float:
    """Median wall time of ``repeat`` runs, in seconds."""
    return timed_with_result(work, repeat)[0]


def in_rounds(
    calls: dict[str, Callable[[], Any]],
    rounds: int,
    log: Callable[[str], None] | None = None,
) -> dict[str, float]:
    """Median seconds of each call, every call run once per round, in turn (a busy
    machine then slows a call and its baseline alike); ``log`` hears each time."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for round_ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
            if log:
                log(f"round {round_ + 1}: {name} {times[name][-1]:.2f} s")
    return {name: statistics.median(spent) for name, spent in times.items()}


def machine() -> str:
    """The CPU, its cores and the memory, in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [line.split(":", 1)[1].strip() for line in info if "model name" in line]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GB, {platform.system()}"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())
