"""Confidence intervals the analyses share."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


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


def differences_of_proportions(
    k1: Sequence[float],
    n1: Sequence[float],
    k0: Sequence[float],
    n0: Sequence[float],
    correlation: Sequence[float] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`difference_of_proportions` of many pairs at once (arrays of counts): the
    same Wilson and Newcombe formulas, written out for arrays, since one call each would
    take milliseconds per pair; NaN where a group is empty.

    ``correlation``: per pair, the correlation of the two shares (see
    :func:`overlap_correlation`; None: independent groups). Newcombe's interval then
    subtracts it as his interval for paired shares does (1998, method 10): a positive
    correlation narrows the interval."""
    k1, n1, k0, n0 = (np.asarray(v, dtype="float64") for v in (k1, n1, k0, n0))
    r = np.zeros_like(k1) if correlation is None else np.asarray(correlation, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        (p1, l1, u1), (p0, l0, u0) = _wilson_arrays(k1, n1), _wilson_arrays(k0, n0)
        d = p1 - p0
        low = d - _combined(p1 - l1, u0 - p0, r)
        high = d + _combined(u1 - p1, p0 - l0, r)
    empty = (n1 == 0) | (n0 == 0)
    return tuple(np.where(empty, np.nan, v) for v in (d, low, high))  # type: ignore[return-value]


def overlap_correlation(
    k1: Sequence[float],
    n1: Sequence[float],
    k0: Sequence[float],
    n0: Sequence[float],
    ks: Sequence[float],
    ns: Sequence[float],
) -> np.ndarray:
    """The correlation of two shares k1/n1 and k0/n0 whose groups share ``ns`` members,
    ``ks`` of them counted (on both sides): each member a trial of its own, the shared
    ones count twice, so the shares covary by ``ns ps (1 - ps) / (n1 n0)``. That over the
    shares' spreads is ``ns ps(1-ps) / sqrt(n1 p1(1-p1) n0 p0(1-p0))``, in [0, 1]; 0 where
    no one is shared or a share has no spread (all or none counted)."""
    k1, n1, k0, n0, ks, ns = (np.asarray(v, dtype="float64") for v in (k1, n1, k0, n0, ks, ns))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = _spread(ks, ns) / np.sqrt(_spread(k1, n1) * _spread(k0, n0))
    return np.clip(np.nan_to_num(r, nan=0.0, posinf=0.0, neginf=0.0), 0.0, 1.0)


def _combined(x: np.ndarray, y: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Two sides' distances to their Wilson limits, combined with correlation ``r``
    (``hypot`` when 0)."""
    return np.sqrt(np.maximum(x**2 - 2 * r * x * y + y**2, 0))


def _spread(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """n p (1 - p) of a share k / n."""
    return k * (n - k) / n


Z95 = 1.959963984540054  # the normal quantile of 0.975


def _wilson_arrays(k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each proportion k / n and its 95% Wilson score interval."""
    p = k / n
    z2 = Z95 * Z95
    centre = (k + z2 / 2) / (n + z2)
    half = Z95 * np.sqrt(n * p * (1 - p) + z2 / 4) / (n + z2)
    return p, centre - half, centre + half
