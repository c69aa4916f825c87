"""jejak's BG/NBD and Gamma-Gamma fits against lifetimes' on the same summaries.

lifetimes (a test-only oracle, ``requirements-oracles.lock``) maximises the same
likelihoods with automatic derivatives and BFGS. Its optimum is good to about six
significant digits; jejak's must equal it to those, and be nearer the top: the
likelihood's slope there (per customer and unit of log-parameter) is smaller.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, GammaGammaFitter

from jejak.analyses.value_likelihoods import (
    Purchases,
    Spend,
    bg_nbd_log_likelihood,
    gamma_gamma_log_likelihood,
)
from jejak.analyses.value_models import BetaGeo, GammaGamma
from jejak.simulate.buyers import BuyerPlan, buyer_summary

DATA = Path(__file__).parent / "data"


def _cdnow() -> pd.DataFrame:
    return pd.read_csv(DATA / "cdnow_summary.csv").rename(columns={"zbar": "mean_value"})


SUMMARIES = {"cdnow": _cdnow, "simulated": lambda: buyer_summary(20_000, seed=1)}


@pytest.fixture(scope="module", params=sorted(SUMMARIES))
def summary(request) -> pd.DataFrame:
    return SUMMARIES[request.param]()


def _slope(log_likelihood, params: np.ndarray, data) -> float:
    gradient = log_likelihood(params, data)[1]
    return float(np.abs(gradient * params).max() / data.weight.sum())


def test_bg_nbd_equals_lifetimes(summary):
    x, t_x, T = summary["x"], summary["t_x"], summary["T"]
    ours = BetaGeo.fit(x, t_x, T)
    theirs = BetaGeoFitter().fit(x, t_x, T).params_
    mine = np.array([ours.r, ours.alpha, ours.a, ours.b])
    np.testing.assert_allclose(mine, theirs[["r", "alpha", "a", "b"]].to_numpy(), rtol=1e-6)
    data = Purchases.of(x, t_x, T)
    slope = [_slope(bg_nbd_log_likelihood, p, data) for p in (mine, theirs.to_numpy())]
    assert slope[0] < min(1e-12, slope[1])


def test_gamma_gamma_equals_lifetimes(summary):
    repeat = summary[summary["x"] > 0]
    ours = GammaGamma.fit(repeat["x"], repeat["mean_value"])
    theirs = GammaGammaFitter().fit(repeat["x"], repeat["mean_value"]).params_
    mine = np.array([ours.p, ours.q, ours.gamma])
    np.testing.assert_allclose(mine, theirs[["p", "q", "v"]].to_numpy(), rtol=1e-6)
    data = Spend.of(repeat["x"], repeat["mean_value"])
    slope = [_slope(gamma_gamma_log_likelihood, p, data) for p in (mine, theirs.to_numpy())]
    assert slope[0] < min(1e-12, slope[1])


def test_the_planted_parameters_are_recovered():
    # 20,000 buyers over 39 weeks: the rates and values are pinned down well, the
    # drop-out's two Beta parameters less so than their mean
    plan = BuyerPlan()
    summary = buyer_summary(20_000, seed=1, plan=plan)
    fit = BetaGeo.fit(summary["x"], summary["t_x"], summary["T"])
    assert fit.r == pytest.approx(plan.r, rel=0.05)
    assert fit.alpha == pytest.approx(plan.alpha, rel=0.1)
    assert fit.a / (fit.a + fit.b) == pytest.approx(plan.a / (plan.a + plan.b), abs=0.02)
    repeat = summary[summary["x"] > 0]
    spend = GammaGamma.fit(repeat["x"], repeat["mean_value"])
    for name in ("p", "q", "gamma"):
        assert getattr(spend, name) == pytest.approx(getattr(plan, name), rel=0.1), name
