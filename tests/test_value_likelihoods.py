"""The customer-value likelihoods: their gradients against finite differences, summed over
grouped rows or every customer, and their values against the papers' formulas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import beta, betaln, gamma, gammaln

import jejak
from jejak.analyses.value_likelihoods import (
    Purchases,
    Spend,
    bg_nbd_log_likelihood,
    gamma_gamma_log_likelihood,
)
from jejak.analyses.value_models import BetaGeo

DATA = Path(__file__).parent / "data"

# eight customers, two pairs of them alike: (x, t_x, T, mean value)
SMALL = pd.DataFrame(
    [
        (0, 0.0, 30.0, np.nan),
        (0, 0.0, 30.0, np.nan),
        (0, 0.0, 12.5, np.nan),
        (1, 4.0, 30.0, 12.0),
        (2, 20.0, 31.0, 25.5),
        (2, 20.0, 31.0, 25.5),
        (5, 28.0, 35.0, 40.0),
        (9, 6.0, 35.0, 8.25),
    ],
    columns=["x", "t_x", "T", "m"],
)
# (r, alpha, a, b): CDNOW's fit, others far from it, and a limit where a and b are large
BG_NBD_POINTS = [
    (0.243, 4.414, 0.793, 2.426),
    (1.5, 0.3, 3.0, 0.7),
    (0.05, 20.0, 0.2, 9.0),
    (0.15, 2.2, 3.0e4, 1.6e5),
]
# (p, q, gamma)
GAMMA_GAMMA_POINTS = [(6.25, 3.74, 15.44), (1.0, 0.5, 100.0), (20.0, 10.0, 3.0)]


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(DATA / "cdnow_summary.csv").rename(columns={"zbar": "m"})


def _central_differences(value, params: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """d value / d params by central differences, each step relative to its parameter."""
    gradient = []
    for i, p in enumerate(params):
        h = np.zeros_like(params)
        h[i] = step * p
        gradient.append((value(params + h) - value(params - h)) / (2 * h[i]))
    return np.array(gradient)


def _purchases(frame: pd.DataFrame, group: bool = True) -> Purchases:
    return Purchases.of(frame["x"], frame["t_x"], frame["T"], group=group)


def _spend(frame: pd.DataFrame, group: bool = True) -> Spend:
    repeat = frame[frame["x"] > 0]
    return Spend.of(repeat["x"], repeat["m"], group=group)


@pytest.mark.parametrize("point", BG_NBD_POINTS)
def test_bg_nbd_gradient_is_the_finite_difference_one(point):
    data, params = _purchases(SMALL), np.array(point)
    exact = bg_nbd_log_likelihood(params, data)[1]
    numeric = _central_differences(lambda p: bg_nbd_log_likelihood(p, data)[0], params)
    # per unit of log-parameter, as the fit uses it
    np.testing.assert_allclose(exact * params, numeric * params, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("point", GAMMA_GAMMA_POINTS)
def test_gamma_gamma_gradient_is_the_finite_difference_one(point):
    data, params = _spend(SMALL), np.array(point)
    exact = gamma_gamma_log_likelihood(params, data)[1]
    numeric = _central_differences(lambda p: gamma_gamma_log_likelihood(p, data)[0], params)
    np.testing.assert_allclose(exact * params, numeric * params, rtol=1e-7, atol=1e-8)


def test_gradients_on_cdnow(cdnow):
    purchases, spend = _purchases(cdnow), _spend(cdnow)
    for point in BG_NBD_POINTS[:3]:
        params = np.array(point)
        exact = bg_nbd_log_likelihood(params, purchases)[1] * params
        numeric = _central_differences(lambda p: bg_nbd_log_likelihood(p, purchases)[0], params)
        assert np.abs(exact - numeric * params).max() < 1e-6 * max(1.0, np.abs(exact).max())
    for point in GAMMA_GAMMA_POINTS:
        params = np.array(point)
        exact = gamma_gamma_log_likelihood(params, spend)[1] * params
        numeric = _central_differences(lambda p: gamma_gamma_log_likelihood(p, spend)[0], params)
        assert np.abs(exact - numeric * params).max() < 1e-6 * max(1.0, np.abs(exact).max())


def test_grouped_rows_sum_to_every_customer(cdnow):
    grouped, each = _purchases(cdnow), _purchases(cdnow, group=False)
    assert (grouped.T.size, each.T.size) == (1016, 2357)
    assert grouped.weight.sum() == 2357
    for point in BG_NBD_POINTS:
        params = np.array(point)
        value, gradient = bg_nbd_log_likelihood(params, grouped)
        value_each, gradient_each = bg_nbd_log_likelihood(params, each)
        assert value == pytest.approx(value_each, rel=1e-13)
        np.testing.assert_allclose(gradient, gradient_each, rtol=1e-11, atol=1e-9)
    grouped, each = _spend(cdnow), _spend(cdnow, group=False)
    assert grouped.m.size < each.m.size == 946
    for point in GAMMA_GAMMA_POINTS:
        params = np.array(point)
        value, gradient = gamma_gamma_log_likelihood(params, grouped)
        value_each, gradient_each = gamma_gamma_log_likelihood(params, each)
        assert value == pytest.approx(value_each, rel=1e-13)
        np.testing.assert_allclose(gradient, gradient_each, rtol=1e-11, atol=1e-9)


def _paper_bg_nbd(r, alpha, a, b, x, t_x, T) -> float:
    """Fader, Hardie & Lee (2005) eq. 6, written as printed."""
    x = x.astype(float)
    shared = gamma(r + x) * alpha**r / gamma(r)
    stays = beta(a, b + x) / beta(a, b) * shared / (alpha + T) ** (r + x)
    left = beta(a + 1, b + np.maximum(x, 1) - 1) / beta(a, b) * shared / (alpha + t_x) ** (r + x)
    return float(np.log(stays + np.where(x > 0, left, 0.0)).sum())


def _log_bg_nbd(r, alpha, a, b, x, t_x, T) -> float:
    """The same in logs (for a and b too large for the beta function)."""
    x = x.astype(float)
    shared = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    stays = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    left = betaln(a + 1, b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x)
    return float((shared + np.logaddexp(stays, np.where(x > 0, left, -np.inf))).sum())


def test_values_are_the_papers(cdnow):
    columns = [cdnow[c].to_numpy() for c in ("x", "t_x", "T")]
    for point in BG_NBD_POINTS[:3]:
        ours = bg_nbd_log_likelihood(np.array(point), _purchases(cdnow))[0]
        assert ours == pytest.approx(_paper_bg_nbd(*point, *columns), rel=1e-12)
    ours = bg_nbd_log_likelihood(np.array(BG_NBD_POINTS[3]), _purchases(cdnow))[0]
    assert ours == pytest.approx(_log_bg_nbd(*BG_NBD_POINTS[3], *columns), rel=1e-9)
    # the published maximum (Fader, Hardie & Lee 2005)
    assert bg_nbd_log_likelihood(np.array(BG_NBD_POINTS[0]), _purchases(cdnow))[0] == pytest.approx(
        -9582.4, abs=0.1
    )
    repeat = cdnow[cdnow["x"] > 0]
    x, m = repeat["x"].to_numpy(float), repeat["m"].to_numpy()
    for p, q, g in GAMMA_GAMMA_POINTS:
        printed = (
            gammaln(p * x + q)
            - gammaln(p * x)
            - gammaln(q)
            + q * np.log(g)
            + (p * x - 1) * np.log(m)
            + p * x * np.log(x)
            - (p * x + q) * np.log(g + m * x)
        ).sum()
        ours = gamma_gamma_log_likelihood(np.array([p, q, g]), _spend(cdnow))[0]
        assert ours == pytest.approx(printed, rel=1e-12)


def test_the_limit_is_smooth():
    # where a and b are large the fit climbs a ridge 1e-7 high: steps along it must change
    # the likelihood smoothly, not by rounding noise of log-gamma differences
    data = _purchases(SMALL)
    base = np.array(BG_NBD_POINTS[3])
    steps = np.linspace(0, 1e-6, 11)
    values = np.array([bg_nbd_log_likelihood(base * np.exp(s), data)[0] for s in steps])
    second = np.diff(values, 2)
    assert np.abs(second).max() < 1e-12  # log-gamma differences: 7e-9


def test_repeat_purchases_are_whole_numbers():
    with pytest.raises(jejak.JejakError, match="whole numbers"):
        BetaGeo.fit(np.array([0.5, 1, 0]), np.array([1.0, 2, 0]), np.array([5.0, 6, 7]))
