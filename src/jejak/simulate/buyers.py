"""Purchase summaries drawn from the customer-value models themselves, with the planted
parameters to recover: for the value fit's recovery test and its benchmark at a scale the
demo shop would take minutes to reach.

Each buyer's first purchase falls on a day of the acquisition window; while alive they
buy at a weekly rate lambda ~ Gamma(r, alpha) and after each purchase drop out with
probability p ~ Beta(a, b) (BG/NBD). Purchases are counted by day, as in
:func:`jejak.analyses.customer_value.purchase_summary`, so buyers share rows as in real
summaries. Each purchase's value is Gamma(p, nu) with nu ~ Gamma(q, gamma) per buyer
(Gamma-Gamma), the mean rounded to cents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class BuyerPlan:
    """Planted parameters (CDNOW's published fits) and the calendar, in days."""

    r: float = 0.243
    alpha: float = 4.414
    a: float = 0.793
    b: float = 2.426
    p: float = 6.25
    q: float = 3.74
    gamma: float = 15.44
    acquired_days: int = 84
    observed_days: int = 273


def buyer_summary(buyers: int, seed: int = 0, plan: BuyerPlan | None = None) -> pd.DataFrame:
    """One row per buyer: x, t_x and T in weeks, mean_value (NaN without repeats)."""
    plan = plan or BuyerPlan()
    rng = np.random.default_rng(seed)
    first = rng.integers(0, plan.acquired_days, buyers)
    age = (plan.observed_days - first).astype(float)
    per_day = rng.gamma(plan.r, 1 / plan.alpha, buyers) / 7
    drop = rng.beta(plan.a, plan.b, buyers)
    clock, last = np.zeros(buyers), np.zeros(buyers)
    x = np.zeros(buyers, dtype=np.int64)
    alive = np.flatnonzero(per_day > 0)
    while alive.size:  # one purchase (or the end of the window) per buyer still alive
        clock[alive] += rng.exponential(1 / per_day[alive])
        bought = alive[clock[alive] <= age[alive]]
        day = np.floor(clock[bought])
        again = day > last[bought]  # a second purchase on the same day is the same one
        x[bought[again]] += 1
        last[bought[again]] = day[again]
        alive = bought[rng.random(bought.size) >= drop[bought]]
    nu = rng.gamma(plan.q, 1 / plan.gamma, buyers)
    total = rng.gamma(plan.p * np.maximum(x, 1), 1 / nu)
    mean_value = np.where(x > 0, np.round(total / np.maximum(x, 1), 2), np.nan)
    return pd.DataFrame({"x": x, "t_x": last / 7, "T": age / 7, "mean_value": mean_value})
