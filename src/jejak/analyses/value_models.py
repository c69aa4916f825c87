"""Customer-value models: BG/NBD for how often people buy, Gamma-Gamma for how much.

Both are fitted by maximum likelihood with SciPy on the per-customer summary (repeat
purchases ``x``, recency ``t_x`` and age ``T`` in one time unit, and the mean value of the
repeat purchases). SciPy rather than a CLV library: the likelihoods are a few lines, the
fit takes well under a second on thousands of customers, and the maintained libraries
(PyMC-Marketing) pull in a probabilistic-programming stack jejak does not otherwise need.

- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a
  customer buys at rate lambda ~ Gamma(r, alpha); after each purchase they drop out with
  probability p ~ Beta(a, b). Gives P(alive) and expected purchases over a horizon.
- Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie's note on the
  model): a purchase's value is Gamma(p, nu) with nu ~ Gamma(q, gamma) per customer,
  independent of how often they buy. Gives each customer's expected purchase value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1, logsumexp

from jejak.errors import JejakError


def _unique(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Distinct rows and how many customers share each: the likelihood sums over them."""
    grouped = frame.groupby(columns, sort=False).size().reset_index(name="_n")
    return grouped[columns], grouped["_n"].to_numpy(float)


LOG_BOUND = 12.0
"""Parameters stay within e^-12 .. e^12: when the data fit a limit (e.g. everyone drops out
with the same chance, so Beta(a, b) has a, b -> infinity) the search stops at the bound
instead of wandering towards it for thousands of steps."""


def _fit(negative_ll, start: np.ndarray) -> np.ndarray:
    """Minimise over log-parameters (all positive): L-BFGS-B, a bounded Nelder-Mead from
    there (it leaves flat ridges L-BFGS-B can stop on), and L-BFGS-B again to polish."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    quick = minimize(negative_ll, np.log(start), method="L-BFGS-B", bounds=bounds)
    first = minimize(negative_ll, quick.x, method="Nelder-Mead", bounds=bounds,
                     options={"maxiter": 600, "xatol": 1e-7, "fatol": 1e-7})  # fmt: skip
    best = minimize(negative_ll, first.x, method="L-BFGS-B", bounds=bounds)
    chosen = min((quick, first, best), key=lambda r: r.fun if np.isfinite(r.fun) else np.inf)
    if not np.isfinite(chosen.fun):
        raise JejakError("the value model did not converge; check the purchase summary")
    return np.exp(chosen.x)


@dataclass(frozen=True)
class BetaGeo:
    """A fitted BG/NBD model (time in the unit of the summary it was fitted on)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float

    @classmethod
    def fit(cls, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> BetaGeo:
        """Maximum-likelihood fit on repeat purchases, recency and age per customer."""
        frame = pd.DataFrame({"x": x, "t_x": t_x, "T": T}).astype(float)
        if len(frame) < 2 or (frame["x"] < 0).any() or (frame["t_x"] > frame["T"]).any():
            raise JejakError("a BG/NBD fit needs customers with 0 <= t_x <= T, at least two")
        if not (frame["x"] > 0).any():
            raise JejakError(
                "nobody bought twice: a BG/NBD fit needs some repeat purchases to learn from"
            )
        rows, weight = _unique(frame, ["x", "t_x", "T"])
        xs, txs, ts = (rows[c].to_numpy() for c in ("x", "t_x", "T"))

        def negative_ll(log_params: np.ndarray) -> float:
            r, alpha, a, b = np.exp(log_params)
            return -float(np.sum(weight * _bgnbd_ll(r, alpha, a, b, xs, txs, ts)))

        r, alpha, a, b = _fit(negative_ll, np.array([1.0, 1.0, 1.0, 1.0]))
        ll = float(np.sum(weight * _bgnbd_ll(r, alpha, a, b, xs, txs, ts)))
        return cls(r=float(r), alpha=float(alpha), a=float(a), b=float(b), log_likelihood=ll)

    def p_alive(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """P(still a customer at T | x repeat purchases, the last at t_x)."""
        x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
        odds = np.where(
            x > 0,
            self.a / (self.b + x - 1) * ((self.alpha + T) / (self.alpha + t_x)) ** (self.r + x),
            0.0,
        )
        return 1.0 / (1.0 + odds)

    def expected_purchases(
        self,
        horizon: float,
        x: np.ndarray,
        t_x: np.ndarray,
        T: np.ndarray,
    ) -> np.ndarray:
        """Expected purchases in the next ``horizon`` time units (Fader et al. eq. 10)."""
        x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        ratio = (alpha + T) / (alpha + T + horizon)
        z = horizon / (alpha + T + horizon)
        top = (
            (a + b + x - 1)
            / (a - 1)
            * (1 - ratio ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
        )
        odds = np.where(x > 0, a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
        return top / (1 + odds)


def _bgnbd_ll(r, alpha, a, b, x, t_x, T):
    """Each customer's BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6)."""
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    stays = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(
            x > 0,
            betaln(a + 1, b + x - 1) - betaln(a, b) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return common + logsumexp(np.stack([stays, left]), axis=0)


@dataclass(frozen=True)
class GammaGamma:
    """A fitted Gamma-Gamma spend model."""

    p: float
    q: float
    gamma: float
    log_likelihood: float

    @classmethod
    def fit(cls, x: np.ndarray, mean_value: np.ndarray) -> GammaGamma:
        """Fit on customers with repeat purchases: their count and mean value."""
        frame = pd.DataFrame({"x": x, "m": mean_value}).astype(float)
        frame = frame[frame["x"] > 0]
        if len(frame) < 2 or (frame["m"] <= 0).any():
            raise JejakError("a Gamma-Gamma fit needs positive mean values for two customers")
        rows, weight = _unique(frame, ["x", "m"])
        xs, ms = rows["x"].to_numpy(), rows["m"].to_numpy()

        def negative_ll(log_params: np.ndarray) -> float:
            p, q, g = np.exp(log_params)
            return -float(np.sum(weight * _gamma_gamma_ll(p, q, g, xs, ms)))

        p, q, g = _fit(negative_ll, np.array([1.0, 1.0, 1.0]))
        ll = float(np.sum(weight * _gamma_gamma_ll(p, q, g, xs, ms)))
        return cls(p=float(p), q=float(q), gamma=float(g), log_likelihood=ll)

    def expected_value(self, x: np.ndarray, mean_value: np.ndarray) -> np.ndarray:
        """Each customer's expected purchase value, their own mean shrunk toward everyone's."""
        x, m = np.asarray(x, float), np.asarray(mean_value, float)
        # the model has a finite mean only for q > 1; customers whose mean could not enter
        # the fit (no positive value) get the population's
        population = self.p * self.gamma / (self.q - 1) if self.q > 1 else np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            own = (self.p * (self.gamma + x * m)) / (self.p * x + self.q - 1)
        own = np.where(self.p * x + self.q - 1 > 0, own, np.nan)
        return np.where((x > 0) & (m > 0), own, population)


def _gamma_gamma_ll(p, q, g, x, m):
    """Each customer's Gamma-Gamma log-likelihood of their mean value over x purchases."""
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(g)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(g + m * x)
    )
