"""Timing shared by the benchmark scripts: the median of a few runs."""

from __future__ import annotations

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
