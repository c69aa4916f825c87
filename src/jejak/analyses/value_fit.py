"""The maximum-likelihood search the customer-value models share: a bounded L-BFGS-B run
over log-parameters on the exact gradient, then one Newton step on that gradient."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from jejak.analyses.threads import one_thread
from jejak.errors import JejakError
from jejak.language import gettext

LOG_BOUND = 12.0
"""Parameters stay within e^-12 .. e^12: when the data fit a limit (e.g. everyone drops out
with the same chance, so Beta(a, b) has a, b -> infinity) the search stops at the bound
instead of wandering towards it for thousands of steps."""

LogLikelihood = Callable[[np.ndarray], tuple[float, np.ndarray]]
"""Parameters -> summed log-likelihood and its gradient in the parameters."""


def maximise(log_likelihood: LogLikelihood, start: np.ndarray, customers: float) -> np.ndarray:
    """The parameters (all positive) that maximise ``log_likelihood``, from ``start``.

    L-BFGS-B minimises the mean negative log-likelihood per customer over log-parameters
    until a step no longer changes it. On ordinary data one run ends within about the
    seventh digit of the optimum, as far as values in double precision can tell; the
    gradient still knows the way, so one Newton step on it finishes the search. On a
    narrow curved ridge (data near a limit, e.g. three customers' spend) L-BFGS-B can
    stall far from the top, with a steep slope left: it is run again from there, with a
    fresh memory, while that helps.
    """

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        value, gradient = log_likelihood(params)
        if not np.isfinite(value):  # turns the line search back
            return np.inf, np.zeros_like(params)
        return -value / customers, -gradient * params / customers

    # imported here, when a fit runs, so that importing jejak stays quick
    from scipy.optimize import minimize

    at, lowest = np.log(start), np.inf
    # L-BFGS-B's own small matrix steps, run on OpenBLAS's threads, took ten times as
    # long as the likelihood on a busy machine
    with one_thread():
        for _ in range(_RUNS):
            found = minimize(
                objective,
                at,
                jac=True,
                method="L-BFGS-B",
                bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start),
                options={"maxiter": 1000, "ftol": 0.0, "gtol": 1e-11},
            )
            if not found.fun < lowest:
                break
            at, lowest = found.x, found.fun
            if _slope(found.x, found.jac) < _STALLED:
                break
    if not np.isfinite(lowest):
        raise JejakError(gettext("the value model did not converge; check the purchase summary"))
    return np.exp(_newton_step(lambda x: objective(x)[1], at))


_RUNS = 10
_STALLED = 1e-6
"""A run that ends with a slope above this (per customer and unit of log-parameter) has
stalled: on ordinary data L-BFGS-B stops within 1e-7."""


def _slope(x: np.ndarray, gradient: np.ndarray) -> float:
    """The steepest descent left at ``x``, where a bound does not stop it."""
    held = ((x <= -LOG_BOUND) & (gradient > 0)) | ((x >= LOG_BOUND) & (gradient < 0))
    return float(np.abs(np.where(held, 0.0, gradient)).max())


def _newton_step(gradient: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """``x`` moved by one Newton step in the coordinates not at a bound, with the Hessian
    from forward differences of the gradient; ``x`` itself when the step would not be a
    small move to a smaller gradient."""
    free = np.flatnonzero(np.abs(x) < LOG_BOUND)
    if free.size == 0:
        return x
    here = gradient(x)
    h = 1e-6
    hessian = np.array([(gradient(x + h * np.eye(x.size)[i]) - here)[free] / h for i in free])
    hessian = (hessian + hessian.T) / 2
    try:
        np.linalg.cholesky(hessian)  # a minimum, not a saddle
    except np.linalg.LinAlgError:
        return x
    moved = x.copy()
    moved[free] -= np.linalg.solve(hessian, here[free])
    small = np.abs(moved - x).max() < 1e-3 and np.abs(moved).max() <= LOG_BOUND
    if small and np.abs(gradient(moved)[free]).max() < np.abs(here[free]).max():
        return moved
    return x
