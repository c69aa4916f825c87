"""Confidence intervals the analyses share."""

from __future__ import annotations

import math


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion k / n."""
    from scipy import stats  # here, not above: a second to import, and loading needs none of it

    interval = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=0.95, method="wilson")
    return float(interval.low), float(interval.high)


def difference_of_proportions(k1: int, n1: int, k0: int, n0: int) -> tuple[float, float, float]:
    """k1/n1 - k0/n0 with its 95% Newcombe hybrid-score interval (from Wilson intervals);
    NaN when a group is empty."""
    if n1 == 0 or n0 == 0:
        return math.nan, math.nan, math.nan
    p1, p0 = k1 / n1, k0 / n0
    (l1, u1), (l0, u0) = wilson(k1, n1), wilson(k0, n0)
    d = p1 - p0
    return d, d - math.hypot(p1 - l1, u0 - p0), d + math.hypot(u1 - p1, p0 - l0)
