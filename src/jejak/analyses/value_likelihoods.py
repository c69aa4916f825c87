"""The BG/NBD and Gamma-Gamma log-likelihoods with their exact gradients, summed over the
distinct rows of a purchase summary, each weighted by how many customers share it.

Customers with the same (x, t_x, T), or for spend the same (x, mean value), add the same
term, so a summary of 150,000 buyers is summed over the few tens of thousands of rows
that differ. The terms that depend on x alone (the gamma and beta functions and their
digammas) are computed once per distinct x: a summary has a few hundred of them.
The gradients are what the fits in :mod:`jejak.analyses.value_models` climb.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln


def _distinct(frame: pd.DataFrame, group: bool) -> tuple[pd.DataFrame, np.ndarray]:
    """Distinct rows and how many customers share each (or every row once)."""
    if not group:
        return frame.reset_index(drop=True), np.ones(len(frame))
    grouped = frame.groupby(list(frame.columns), sort=False).size().reset_index(name="_n")
    return grouped[list(frame.columns)], grouped["_n"].to_numpy(float)


@dataclass(frozen=True)
class RepeatCounts:
    """Per row: its repeat purchases as an index into the distinct counts ``x``."""

    x: np.ndarray
    index: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray) -> RepeatCounts:
        distinct, index = np.unique(x, return_inverse=True)
        return cls(x=distinct, index=index)


@dataclass(frozen=True)
class Purchases:
    """A BG/NBD summary: rows of (x, t_x, T) and how many customers share each."""

    counts: RepeatCounts
    t_x: np.ndarray
    T: np.ndarray
    weight: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, *, group: bool = True) -> Purchases:
        frame = pd.DataFrame({"x": x, "t_x": t_x, "T": T}).astype(float)
        rows, weight = _distinct(frame, group)
        return cls(
            counts=RepeatCounts.of(rows["x"].to_numpy()),
            t_x=rows["t_x"].to_numpy(),
            T=rows["T"].to_numpy(),
            weight=weight,
        )


def bg_nbd_log_likelihood(params: np.ndarray, data: Purchases) -> tuple[float, np.ndarray]:
    """Summed BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6) and its gradient
    in (r, alpha, a, b).

    Per customer: ln G(r+x) - ln G(r) + r ln alpha - (r+x) ln(alpha+T) + ln(A + [x > 0] B)
    with A = B(a, b+x) / B(a, b) (still buying at T) and B = B(a+1, b+x-1) / B(a, b)
    ((alpha+T) / (alpha+t_x))^(r+x) (dropped out after the last purchase).

    The gamma and beta function ratios are summed as the products they are for whole x,
    e.g. B(a, b+x) / B(a, b) = prod over k < x of (b+k) / (a+b+k): when the data sit
    on a limit (a, b or r, alpha in the tens of thousands) differences of large log-gamma
    values would leave the likelihood too noisy to climb.
    """
    r, alpha, a, b = params
    xs, at, weight, T, t_x = data.counts.x, data.counts.index, data.weight, data.T, data.t_x
    # terms of x alone, once per distinct x, from running sums over k = 0 .. max x - 1
    n = xs.astype(np.int64)
    k = np.arange(n.max(), dtype=float)
    rate = _running(np.log1p(k / r))  # ln(G(r+x) / G(r)) - x ln r
    rate_dr = _running(1 / (r + k))
    ratio = _running(-np.log1p(a / (b + k)))  # ln(B(a, b+x) / B(a, b))
    ratio_da = _running(-1 / (a + b + k))
    ratio_db = _running(a / ((b + k) * (a + b + k)))
    repeat, before = n > 0, np.maximum(n - 1, 0)  # B only for x > 0
    left = np.where(repeat, ratio[before] - np.log1p((b + before) / a), -np.inf)
    left_da = np.where(repeat, 1 / a + ratio_da[n], 0.0)
    left_db = np.where(repeat, ratio_db[before] - 1 / (a + b + before), 0.0)
    # per row
    x, power = xs[at], (r + xs)[at]
    aged = np.log1p(T / alpha)  # ln((alpha+T) / alpha)
    since = np.log1p((T - t_x) / (alpha + t_x))  # ln((alpha+T) / (alpha+t_x))
    ln_a, ln_b = ratio[n][at], left[at] + power * since
    either = np.logaddexp(ln_a, ln_b)
    w_left = weight * np.exp(ln_b - either)  # customers times B's share of A + B
    per_x = np.bincount(at, weights=weight, minlength=xs.size)
    left_per_x = np.bincount(at, weights=w_left, minlength=xs.size)
    stays_per_x = per_x - left_per_x
    value = _dot(per_x, xs * (np.log(r) - np.log(alpha)) + rate[n]) + _dot(
        weight, either - power * aged
    )
    gradient = np.array(
        [
            _dot(per_x, rate_dr[n]) - _dot(weight, aged) + _dot(w_left, since),
            _dot(weight, (r * T / alpha - x) / (alpha + T))
            - _dot(w_left, power * (T - t_x) / ((alpha + T) * (alpha + t_x))),
            _dot(stays_per_x, ratio_da[n]) + _dot(left_per_x, left_da),
            _dot(stays_per_x, ratio_db[n]) + _dot(left_per_x, left_db),
        ]
    )
    return float(value), gradient


def _running(terms: np.ndarray) -> np.ndarray:
    """Sums of the first 0, 1, ..., len(terms) terms."""
    return np.concatenate([[0.0], np.cumsum(terms)])


@dataclass(frozen=True)
class Spend:
    """A Gamma-Gamma summary: rows of (x, mean value) and how many customers share each."""

    counts: RepeatCounts
    m: np.ndarray
    log_m: np.ndarray
    weight: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray, mean_value: np.ndarray, *, group: bool = True) -> Spend:
        frame = pd.DataFrame({"x": x, "m": mean_value}).astype(float)
        rows, weight = _distinct(frame, group)
        m = rows["m"].to_numpy()
        return cls(
            counts=RepeatCounts.of(rows["x"].to_numpy()), m=m, log_m=np.log(m), weight=weight
        )


def gamma_gamma_log_likelihood(params: np.ndarray, data: Spend) -> tuple[float, np.ndarray]:
    """Summed Gamma-Gamma log-likelihood of each customer's mean value over x purchases,
    and its gradient in (p, q, gamma).

    Per customer: ln G(px+q) - ln G(px) - ln G(q) + q ln gamma + (px-1) ln m + px ln x
    - (px+q) ln(gamma + m x), summed as -ln B(px, q) - px ln(1 + gamma/(mx))
    - q ln(1 + mx/gamma) - ln m, whose terms do not cancel.
    """
    p, q, g = params
    xs, at, weight = data.counts.x, data.counts.index, data.weight
    per_x = np.bincount(at, weights=weight, minlength=xs.size)
    x, spent = xs[at], data.m * xs[at]
    shared = digamma(p * xs + q)  # per distinct x
    more, less = np.log1p(g / spent), np.log1p(spent / g)
    value = _dot(per_x, -_log_beta(p * xs, q)) - _dot(weight, p * x * more + q * less + data.log_m)
    gradient = np.array(
        [
            _dot(per_x, xs * (shared - digamma(p * xs))) - _dot(weight, x * more),
            _dot(per_x, shared - digamma(q)) - _dot(weight, less),
            _dot(weight, (q * spent / g - p * x) / (g + spent)),
        ]
    )
    return float(value), gradient


def _log_beta(a: np.ndarray, b: float) -> np.ndarray:
    """ln B(a, b), without the cancellation of log-gammas when a or b is large (when the
    fit nears a limit such as q, gamma -> infinity): ln G(small) - ln(G(big + small) /
    G(big)), the ratio by Stirling's series."""
    big, small = np.maximum(a, b), np.minimum(a, b)
    return gammaln(small) - _log_rising(big, small)


def _log_rising(z: np.ndarray, s: np.ndarray) -> np.ndarray:
    """ln(G(z+s) / G(z)): Stirling's series, good to double precision, from z = 20 on."""
    w = z + s
    stirling = (z - 0.5) * np.log1p(s / z) + s * np.log(w) - s + _stirling(w) - _stirling(z)
    return np.where(z >= 20, stirling, gammaln(w) - gammaln(z))


def _stirling(w: np.ndarray) -> np.ndarray:
    """ln G(w) - ((w - 1/2) ln w - w + ln(2 pi) / 2), to the term in w^-7."""
    w2 = w * w
    return (1 / 12 - (1 / 360 - (1 / 1260 - 1 / (1680 * w2)) / w2) / w2) / w


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of products without BLAS: its threads for long vectors slow a busy machine
    by an order of magnitude and gain nothing at these sizes."""
    return float(np.sum(a * b))
