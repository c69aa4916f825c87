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
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from jejak.errors import JejakError
from jejak.language import gettext

START = "(start)"
SEPARATOR = "\x1f"  # ASCII unit separator, never in a channel's name: joins a path's touches


@dataclass(frozen=True)
class MarkovChain:
    """Transient states (``members``: the channel codes each remembers, -1 for none; state
    0 is the start), transitions between them ``q`` and one-step conversion chances ``r``."""

    channels: list[str]
    members: np.ndarray
    q: sp.csc_matrix
    r: np.ndarray
    order: int
    used: np.ndarray
    """Which of the given paths the chain holds (a path with no touch or no journey is left out)."""

    @property
    def states(self) -> list[tuple[str, ...]]:
        """Each state as the touches it remembers, oldest first (the start is ``(start)``)."""
        out = [(START,)]
        for row in self.members[1:]:
            out.append(tuple(self.channels[c] for c in row[::-1] if c >= 0))
        return out

    def conversion_probability(self, without: str | None = None) -> float:
        """P(reaching conversion from the start), optionally with ``without`` removed."""
        keep = np.ones(self.members.shape[0], dtype=bool)
        if without is not None and without in self.channels:
            code = self.channels.index(without)
            keep = ~(self.members == code).any(axis=1)
            keep[0] = True  # the start
        index = np.flatnonzero(keep)
        a = sp.identity(index.size, format="csc") - self.q[index][:, index]
        x = splu(a.tocsc()).solve(self.r[index])
        return float(x[0])


def chain(
    paths: Sequence[Sequence[str]] | pa.Array,
    conversions: Sequence[float],
    nulls: Sequence[float],
    order: int = 1,
) -> MarkovChain:
    """The absorbing chain of a path table (paths of touches, with their counts).

    Vectorised: every touch of every path becomes one transition, its state the last
    ``order`` touches encoded as one integer.
    """
    if order not in (1, 2, 3):
        raise JejakError(
            gettext("a Markov model has order 1, 2 or 3; got {order}").format(order=order)
        )
    won = np.asarray(conversions, dtype=float)
    journeys = won + np.asarray(nulls, dtype=float)
    # one text per path, split by Arrow: no Python loop over every touch
    if isinstance(paths, pa.Array | pa.ChunkedArray):
        joined = pc.fill_null(paths, "")
    else:
        joined = pa.array([SEPARATOR.join(path) for path in paths], type=pa.string())
    split = pc.split_pattern(joined, SEPARATOR)
    lengths = pc.list_value_length(split).to_numpy(zero_copy_only=False).astype(np.int64)
    lengths[pc.equal(joined, "").to_numpy(zero_copy_only=False)] = 0
    used = (lengths > 0) & (journeys > 0)
    if not used.all():
        split = split.filter(pa.array(used))
        won, journeys, lengths = won[used], journeys[used], lengths[used]
    encoded = split.flatten().dictionary_encode()
    codes = encoded.indices.to_numpy().astype(np.int64)
    channels = [str(n) for n in encoded.dictionary.to_pylist()]
    base = len(channels) + 1
    path_of = np.repeat(np.arange(lengths.size), lengths)
    starts = np.cumsum(lengths) - lengths
    step = np.arange(codes.size) - starts[path_of]
    # state key: the last `order` touches' codes (+1; 0 = none), newest in the lowest digit
    key = codes + 1
    for lag in range(1, order):
        lagged = np.zeros(codes.size, dtype=np.int64)
        ok = step >= lag
        lagged[ok] = codes[np.flatnonzero(ok) - lag] + 1
        key = key + lagged * base**lag
    state, unique = pd.factorize(key)
    state = state.astype(np.int64) + 1  # 0 is the start
    n = unique.size + 1
    previous = np.where(step == 0, 0, np.roll(state, 1))
    weight = journeys[path_of]
    last = starts + lengths - 1
    outflow = np.bincount(previous, weights=weight, minlength=n)
    outflow += np.bincount(state[last], weights=journeys, minlength=n)
    converting = np.bincount(state[last], weights=won, minlength=n)
    safe = np.where(outflow > 0, outflow, 1.0)
    # the same transition many times over: add them up before building the matrix
    pair, pairs = pd.factorize(previous * n + state)
    flows = np.bincount(pair, weights=weight)
    source, target = np.asarray(pairs) // n, np.asarray(pairs) % n
    q = sp.coo_matrix((flows / safe[source], (source, target)), shape=(n, n)).tocsc()
    member_of = np.full((n, order), -1, dtype=np.int64)
    for lag in range(order):
        member_of[1:, lag] = (np.asarray(unique) // base**lag) % base - 1
    return MarkovChain(channels, member_of, q, converting / safe, order, used)


def removal_effects(mc: MarkovChain, channels: Sequence[str]) -> tuple[float, dict[str, float]]:
    """P(convert) of the whole chain, and each channel's removal effect (0-1)."""
    base = mc.conversion_probability()
    if base <= 0:
        return base, dict.fromkeys(channels, 0.0)
    return base, {c: 1.0 - mc.conversion_probability(without=c) / base for c in channels}


def markov_credit(
    paths: Sequence[Sequence[str]] | pa.Array,
    conversions: Sequence[float],
    nulls: Sequence[float],
    values: Sequence[float],
    order: int = 1,
) -> dict[str, tuple[float, float, float]]:
    """Per channel: (removal effect, credited conversions, credited value).

    The conversions and value shared out are those of the journeys that had a touch.
    """
    mc = chain(paths, conversions, nulls, order)
    channels = mc.channels
    _, effects = removal_effects(mc, channels)
    total_effect = sum(effects.values())
    won = float(np.sum(np.asarray(conversions, dtype=float)[mc.used]))
    worth = float(np.sum(np.asarray(values, dtype=float)[mc.used]))
    if total_effect <= 0:
        return {c: (effects[c], 0.0, 0.0) for c in channels}
    return {
        c: (effects[c], won * effects[c] / total_effect, worth * effects[c] / total_effect)
        for c in channels
    }
