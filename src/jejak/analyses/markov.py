"""Markov-chain attribution, solved exactly.

Journeys become an absorbing Markov chain: from ``(start)`` through states to
``(conversion)`` or ``(null)``. At order ``k`` a state is the last ``k`` touches (fewer at
the start of a journey), so order 2 knows that ``search`` came after ``social``. Transition
probabilities are the observed shares of each state's next steps, every journey counted
once (``conversions + nulls`` of its path).

A channel's *removal effect* is the share of conversions lost when every state that
contains it leads to ``(null)`` instead: ``1 - P(convert without it) / P(convert)``.
Conversions (and value) are shared out in proportion to the removal effects.

The probabilities of reaching ``(conversion)`` solve the linear system ``(I - Q) x = r``
(``Q``: transitions between transient states, ``r``: into conversion), by sparse LU. No
simulation: the same paths always give the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from jejak.errors import JejakError

START = ("(start)",)


@dataclass(frozen=True)
class MarkovChain:
    """Transient states, their transition matrix ``Q`` and one-step conversion chances ``r``."""

    states: list[tuple[str, ...]]
    q: sp.csc_matrix
    r: np.ndarray
    order: int

    def conversion_probability(self, without: str | None = None) -> float:
        """P(reaching conversion from the start), optionally with ``without`` removed."""
        keep = np.ones(len(self.states), dtype=bool)
        if without is not None:
            keep = np.array([s == START or without not in s for s in self.states])
        index = np.flatnonzero(keep)
        a = sp.identity(index.size, format="csc") - self.q[index][:, index]
        x = splu(a.tocsc()).solve(self.r[index])
        return float(x[0])  # the start is state 0 and is always kept


def chain(
    paths: Sequence[Sequence[str]],
    conversions: Sequence[float],
    nulls: Sequence[float],
    order: int = 1,
) -> MarkovChain:
    """The absorbing chain of a path table (paths of touches, with their counts)."""
    if order not in (1, 2, 3):
        raise JejakError(f"a Markov model has order 1, 2 or 3; got {order}")
    index: dict[tuple[str, ...], int] = {START: 0}
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    converting = [0.0]
    outflow = [0.0]

    def state(key: tuple[str, ...]) -> int:
        found = index.get(key)
        if found is None:
            found = index[key] = len(index)
            converting.append(0.0)
            outflow.append(0.0)
        return found

    for path, won, lost in zip(paths, conversions, nulls, strict=True):
        journeys = float(won) + float(lost)
        if not len(path) or journeys <= 0:
            continue
        previous = 0
        for j in range(len(path)):
            current = state(tuple(path[max(0, j - order + 1) : j + 1]))
            rows.append(previous)
            cols.append(current)
            weights.append(journeys)
            outflow[previous] += journeys
            previous = current
        converting[previous] += float(won)
        outflow[previous] += journeys
    n = len(index)
    flows = sp.coo_matrix((weights, (rows, cols)), shape=(n, n)).tocsr()
    total = np.asarray(outflow)
    safe = np.where(total > 0, total, 1.0)
    q = sp.diags(1.0 / safe) @ flows
    states = sorted(index, key=index.__getitem__)
    return MarkovChain(states=states, q=q.tocsc(), r=np.asarray(converting) / safe, order=order)


def removal_effects(mc: MarkovChain, channels: Sequence[str]) -> tuple[float, dict[str, float]]:
    """P(convert) of the whole chain, and each channel's removal effect (0-1)."""
    base = mc.conversion_probability()
    if base <= 0:
        return base, dict.fromkeys(channels, 0.0)
    return base, {c: 1.0 - mc.conversion_probability(without=c) / base for c in channels}


def markov_credit(
    paths: Sequence[Sequence[str]],
    conversions: Sequence[float],
    nulls: Sequence[float],
    values: Sequence[float],
    order: int = 1,
) -> dict[str, tuple[float, float, float]]:
    """Per channel: (removal effect, credited conversions, credited value).

    The conversions and value shared out are those of the journeys that had a touch.
    """
    channels = sorted({c for path in paths for c in path})
    mc = chain(paths, conversions, nulls, order)
    _, effects = removal_effects(mc, channels)
    total_effect = sum(effects.values())
    won = float(np.sum(conversions))
    worth = float(np.sum(values))
    if total_effect <= 0:
        return {c: (effects[c], 0.0, 0.0) for c in channels}
    return {
        c: (effects[c], won * effects[c] / total_effect, worth * effects[c] / total_effect)
        for c in channels
    }
