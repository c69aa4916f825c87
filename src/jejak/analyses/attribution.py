"""Multi-touch attribution: which touches get the credit for conversions, model by model.

Journeys and touches are cut as :mod:`jejak.analyses.conversion_paths` defines. Every
model shares out the same total: the conversions (and their revenue) whose journey had at
least one touch in the lookback window; conversions with none are counted in ``meta``.

Rule-based models, computed by the engine per touch (``i`` of ``n`` on a journey):

- ``first_touch``: all to ``i = 1``. ``last_touch``: all to ``i = n``.
- ``last_non_direct``: all to the last touch whose value is not a direct one (``direct``,
  default: the ``direct`` role, the channel names the shop counts as direct);
  to the last touch when every touch was direct.
- ``linear``: ``1/n`` each.
- ``time_decay``: ``2^(-age / half_life)`` (age: time from the touch to the conversion),
  scaled so a journey's weights sum to 1.
- ``position_based``: ``first`` to the first touch, ``last`` to the last, ``middle`` spread
  evenly between (40/20/40 by default); a journey of two splits first : last, of one gives
  it all.

Data-driven models, computed in Python on the distinct paths: ``markov`` (removal effects
of an exact absorbing chain, :mod:`jejak.analyses.markov`) and ``shapley`` (channel-set
game, :mod:`jejak.analyses.shapley`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jejak.analyses import conversion_paths as cp
from jejak.analyses.markov import SEPARATOR, markov_credit
from jejak.analyses.result import Result, drawn, records
from jejak.analyses.shapley import shapley_credit, touch_sets
from jejak.errors import JejakError
from jejak.language import gettext, stage
from jejak.model.journey import Journey
from jejak.model.roles import roles_of

RULE_MODELS = (
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "time_decay",
    "position_based",
)
MODELS = (*RULE_MODELS, "markov", "shapley")


@dataclass
class Attribution(Result):
    """``table``: one row per touch value with the conversions each model credits it.

    ``revenue``: the same for revenue. ``paths``: the distinct paths with their counts
    (the input of the data-driven models).
    """

    revenue: pd.DataFrame = field(default_factory=pd.DataFrame)
    paths: pd.DataFrame = field(default_factory=pd.DataFrame)

    def figure(self) -> Any:
        return drawn(self)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["revenue"] = records(self.revenue)
        return out


def _rule_credits(
    journeys: ibis.Table,
    models: Sequence[str],
    half_life: timedelta,
    position: tuple[float, float, float],
    direct: Sequence[str],
) -> pd.DataFrame:
    """Conversions and revenue each rule-based model credits per touch value (``<model>``
    and ``<model>_value`` columns), from each converting journey's touches (a journey's
    weights sum to 1)."""
    won = journeys.filter(journeys.converted & (journeys.steps.length() > 0))
    steps = won.steps
    half_life_us = half_life / timedelta(microseconds=1)
    latest = steps[steps.length() - 1].us  # the journey's last touch (steps are in order)

    def decay(us: ibis.Value, last: ibis.Value) -> ibis.Value:
        # ages counted from the journey's last touch, not the conversion: the common factor
        # cancels when the weights are scaled, and the last touch's 1 keeps the sum from
        # underflowing to 0 when every touch is many half-lives old
        return (-0.6931471805599453 * (last - us) / half_life_us).exp()

    # what a weight needs from the whole journey, read off its list before it is unnested
    direct_values = list(direct)
    undirect = steps.filter(lambda s: ~s.touch.isin(direct_values)).map(lambda s: s.seen)
    won = won.mutate(
        _first=steps[0].seen, _n=steps.length(), _last_nd=undirect.maxs(), _latest=latest
    )
    if "time_decay" in models:
        # each touch's decay worked out once, kept in its step for the total and the weight
        won = won.mutate(
            steps=won.steps.map(
                lambda s: ibis.struct(
                    {"seen": s.seen, "us": s.us, "touch": s.touch, "decay": decay(s.us, latest)}
                )
            )
        )
        won = won.mutate(_decay_total=won.steps.map(lambda s: s.decay).sums())
    t = won.unnest("steps")
    i = t.steps.seen - t._first + 1
    n = t._n
    first, middle, last = position
    ends = first + last
    # two touches split first : last (evenly when both ends get nothing)
    two_first, two_last = (first / ends, last / ends) if ends else (0.5, 0.5)
    weights = {
        "first_touch": (i == 1).ifelse(1.0, 0.0),
        "last_touch": (i == n).ifelse(1.0, 0.0),
        "last_non_direct": (i == (t._last_nd - t._first + 1).fill_null(n)).ifelse(1.0, 0.0),
        "linear": 1.0 / n.cast("float64"),
        "time_decay": t.steps.decay / t._decay_total if "time_decay" in models else None,
        "position_based": ibis.cases(
            (n == 1, 1.0),
            (n == 2, ibis.ifelse(i == 1, two_first, two_last)),
            (i == 1, first),
            (i == n, last),
            else_=middle / (n - 2).cast("float64"),
        ),
    }
    t = t.select(touch=t.steps.touch, value=t.value, **{m: weights[m] for m in models})
    sums = {m: t[m].sum() for m in models}
    sums |= {f"{m}_value": (t[m] * t.value).sum() for m in models}
    return t.group_by(t.touch).aggregate(**sums).to_pandas().set_index("touch")


def attribution(
    events: ibis.Table,
    journey: Journey,
    goal: Any = None,
    *,
    by: str = "channel",
    lookback: timedelta | None = timedelta(days=90),
    models: Sequence[str] | None = None,
    half_life: timedelta = timedelta(days=7),
    position: tuple[float, float, float] = (0.4, 0.2, 0.4),
    order: int = 1,
    direct: Sequence[str] | None = None,
) -> Attribution:
    """Credit for reaching ``goal`` (default: the Convert stage) per ``by`` value, per model.

    ``table`` columns: touch (the ``by`` value, renamed to it), journeys (journeys it was
    on), converting_journeys, removal_effect (Markov, 0-1, when computed), then one column
    per model: the conversions it credits. ``revenue`` has the same columns for revenue.
    """
    direct = roles_of(journey).direct if direct is None else direct
    models = list(models or MODELS)
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise JejakError(
            gettext("unknown attribution model {model}; use any of {models}").format(
                model=repr(unknown[0]), models=", ".join(MODELS)
            )
        )
    if half_life <= timedelta(0):
        raise JejakError(gettext("the time-decay half-life must be positive, e.g. 7 days"))
    if len(position) != 3 or min(position) < 0 or abs(sum(position) - 1) > 1e-9:
        raise JejakError(
            gettext("position weights are (first, middle, last), each >= 0, summing to 1")
        )
    step = cp.goal_step(journey, goal)
    rule = [m for m in models if m in RULE_MODELS]
    # one ordered pass cuts the journeys; paths, credits and totals all read its result
    journeys = cp.journeys(events, journey, step, by=by, lookback=lookback).cache()
    try:
        paths = cp.paths_of(journeys)
        converted = journeys.filter(journeys.converted)
        totals = converted.aggregate(n=converted.count(), value=converted.value.sum())
        totals = totals.to_pandas()
        credits = _rule_credits(journeys, rule, half_life, position, direct) if rule else None
    finally:
        journeys.release()

    routes = pa.array(paths["path"].tolist(), type=pa.list_(pa.string()))
    won_counts, lost, worth = (
        paths["conversions"].to_numpy(float),
        paths["nulls"].to_numpy(float),
        paths["value"].to_numpy(float),
    )
    sets = touch_sets(routes)
    table, revenue = _per_touch(sets, won_counts, lost)
    for model in rule:
        table[model] = credits[model].reindex(table.index).fillna(0.0)
        revenue[model] = credits[f"{model}_value"].reindex(table.index).fillna(0.0)
    if "markov" in models:
        joined = pc.binary_join(routes, SEPARATOR)
        markov = markov_credit(joined, won_counts, lost, worth, order=order)
        table.insert(2, "removal_effect", [markov.get(c, (0.0, 0, 0))[0] for c in table.index])
        table["markov"] = [markov.get(c, (0, 0.0, 0))[1] for c in table.index]
        revenue["markov"] = [markov.get(c, (0, 0, 0.0))[2] for c in table.index]
    if "shapley" in models:
        conversions = shapley_credit(routes, won_counts, sets)
        table["shapley"] = pd.Series(conversions).reindex(table.index)
        revenue["shapley"] = pd.Series(shapley_credit(routes, worth, sets)).reindex(table.index)
    # the models in the order asked for, the first one deciding the rows' order
    head = [c for c in ("journeys", "converting_journeys", "removal_effect") if c in table]
    table = table[head + models].fillna({m: 0.0 for m in models})
    table = table.sort_values(models[0], ascending=False, kind="stable")
    revenue = revenue[models].fillna({m: 0.0 for m in models}).loc[table.index]
    credited = float(won_counts.sum())
    meta = {
        "goal": step.label,
        "by": by,
        "models": models,
        "lookback_days": None if lookback is None else lookback / timedelta(days=1),
        "half_life_days": half_life / timedelta(days=1),
        "position": list(position),
        "markov_order": order,
        "direct": list(direct),
        "conversions": int(totals["n"].iloc[0] or 0),
        "credited_conversions": credited,
        "untouched_conversions": int(totals["n"].iloc[0] or 0) - int(credited),
        "revenue": float(totals["value"].iloc[0] or 0.0),
        "credited_revenue": float(worth.sum()),
        "distinct_paths": len(paths),
    }
    title = gettext("Attribution of {goal} by {field}").format(
        goal=stage(step.label), field=gettext(by)
    )
    return Attribution(
        title=title,
        table=table.rename_axis(by).reset_index(),
        meta=meta,
        revenue=revenue.rename_axis(by).reset_index(),
        paths=paths,
    )


def _per_touch(
    sets: tuple[list[str], np.ndarray, np.ndarray], won: np.ndarray, lost: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Journeys and converting journeys per touch value, from the path table (the
    :func:`touch_sets` of its paths, its conversions and nulls)."""
    names, path_of, code = sets
    journeys = np.bincount(code, weights=(won + lost)[path_of], minlength=len(names))
    converting = np.bincount(code, weights=won[path_of], minlength=len(names))
    table = pd.DataFrame(
        {"journeys": journeys.astype(np.int64), "converting_journeys": converting.astype(np.int64)},
        index=pd.Index(names, name="touch"),
    ).sort_index()
    revenue = pd.DataFrame(index=table.index)
    return table, revenue
