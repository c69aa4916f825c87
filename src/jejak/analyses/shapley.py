"""Shapley-value attribution over channel sets.

The game: a coalition ``S`` of channels is worth the conversions (or value) of the
journeys whose channels all lie in ``S`` (``v(S) = sum of R(T) for T within S``, where
``R(T)`` is what journeys touching exactly the channels ``T`` brought in). A channel's
Shapley value is its average marginal worth over every order in which the channels could
join. For this game it has a closed form (Zhao et al. 2018, "Shapley value methods for
attribution modeling in online advertising"): each journey's conversions split equally
between the distinct channels it touched. The closed form is exact for any number of
channels; ``shapley_by_coalitions`` computes the definition itself (for tests and for
a reader who wants to check it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jejak.errors import JejakError


def touch_sets(
    paths: Sequence[Sequence[str]] | pa.Array | pa.ChunkedArray,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The distinct channels of each path, vectorised: the channel names, then one entry
    per (path, channel) pair, path by path: the path's index and the channel's code."""
    if isinstance(paths, pa.ChunkedArray):
        paths = paths.combine_chunks()
    elif not isinstance(paths, pa.Array):
        paths = pa.array(list(paths), type=pa.list_(pa.string()))
    path_of = pc.list_parent_indices(paths).to_numpy().astype(np.int64)
    encoded = pc.dictionary_encode(pc.list_flatten(paths))
    names = [str(name) for name in encoded.dictionary.to_pylist()]
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    base = max(len(names), 1)
    # hashing keeps the pairs in the order they came, path by path
    pairs = pd.unique(path_of * base + codes)
    return names, pairs // base, pairs % base


def shapley_credit(
    paths: Sequence[Sequence[str]] | pa.Array | pa.ChunkedArray,
    amounts: Sequence[float],
    sets: tuple[list[str], np.ndarray, np.ndarray] | None = None,
) -> dict[str, float]:
    """Each channel's Shapley value: a journey's amount split over its distinct channels
    (``sets``: the paths' :func:`touch_sets`, when already known)."""
    names, path_of, code = touch_sets(paths) if sets is None else sets
    channels = np.bincount(path_of, minlength=len(amounts))
    share = np.asarray(amounts, dtype=float)[path_of] / channels[path_of]
    # bincount adds path by path, as a loop over the paths would
    credit = np.bincount(code, weights=share, minlength=len(names))
    return dict(sorted(zip(names, credit.tolist(), strict=True)))


def shapley_by_coalitions(
    players: Sequence[str], worth: Callable[[frozenset[str]], float], limit: int = 15
) -> dict[str, float]:
    """The Shapley value by its definition, over every coalition (2^n of them)."""
    n = len(players)
    if n > limit:
        raise JejakError(f"{n} players need 2^{n} coalitions; the limit is {limit}")
    weight = [factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)]
    value: dict[frozenset[str], float] = {}
    for size in range(n + 1):
        for members in combinations(players, size):
            coalition = frozenset(members)
            value[coalition] = worth(coalition)
    result = {}
    for player in players:
        others = [p for p in players if p != player]
        total = 0.0
        for size in range(n):
            for members in combinations(others, size):
                coalition = frozenset(members)
                total += weight[size] * (value[coalition | {player}] - value[coalition])
        result[player] = total
    return result


def set_game(
    paths: Sequence[Sequence[str]], amounts: Sequence[float]
) -> Callable[[frozenset[str]], float]:
    """``v(S)``: the amount of the journeys whose channels all lie in ``S``."""
    exact: dict[frozenset[str], float] = defaultdict(float)
    for path, amount in zip(paths, amounts, strict=True):
        exact[frozenset(path)] += float(amount)

    def worth(coalition: frozenset[str]) -> float:
        return sum(a for channels, a in exact.items() if channels and channels <= coalition)

    return worth
