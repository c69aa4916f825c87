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
import pandas as pd

from jejak.analyses import conversion_paths as cp
from jejak.analyses.markov import markov_credit
from jejak.analyses.result import Result, records
from jejak.analyses.shapley import shapley_credit
from jejak.errors import JejakError
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
        from jejak.report.figures import attribution_figure

        return attribution_figure(self.table, self.meta["models"], self.title)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["revenue"] = records(self.revenue)
        return out


def _rule_weights(
    t: ibis.Table,
    half_life: timedelta,
    position: tuple[float, float, float],
    direct: Sequence[str],
) -> dict[str, ibis.Value]:
    """Each rule-based model's weight for one touch (a journey's weights sum to 1)."""
    i, n = t.position, t.touches
    first, middle, last = position
    ends = first + last
    # two touches split first : last (evenly when both ends get nothing)
    two_first, two_last = (first / ends, last / ends) if ends else (0.5, 0.5)
    journey = ibis.window(group_by=[t.person_id, t.journey_no])
    half_life_us = half_life / timedelta(microseconds=1)
    return {
        "first_touch": (i == 1).ifelse(1.0, 0.0),
        "last_touch": (i == n).ifelse(1.0, 0.0),
        "_last_nd": ibis.ifelse(t.touch.isin(list(direct)), None, i).max().over(journey),
        "linear": 1.0 / n.cast("float64"),
        # ages counted from the journey's last touch, not the conversion: the common factor
        # cancels when the weights are scaled, and the last touch's 1 keeps the sum from
        # underflowing to 0 when every touch is many half-lives old
        "_decay": (-0.6931471805599453 * (t.us.max().over(journey) - t.us) / half_life_us).exp(),
        "position_based": ibis.cases(
            (n == 1, 1.0),
            (n == 2, ibis.ifelse(i == 1, two_first, two_last)),
            (i == 1, first),
            (i == n, last),
            else_=middle / (n - 2).cast("float64"),
        ),
    }


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
            f"unknown attribution model {unknown[0]!r}; use any of {', '.join(MODELS)}"
        )
    if half_life <= timedelta(0):
        raise JejakError("the time-decay half-life must be positive, e.g. 7 days")
    if len(position) != 3 or min(position) < 0 or abs(sum(position) - 1) > 1e-9:
        raise JejakError("position weights are (first, middle, last), each >= 0, summing to 1")
    step = cp.goal_step(journey, goal)
    touched = cp.touches(events, journey, step, by=by, lookback=lookback)
    paths = cp.path_table(events, journey, step, by=by, lookback=lookback)
    totals = cp.conversions(events, journey, step)
    totals = totals.aggregate(n=totals.count(), value=totals.value.sum()).to_pandas()

    won = touched.filter(touched.converted)
    weights = _rule_weights(won, half_life, position, direct)
    won = won.mutate(**weights)
    decay_total = won._decay.sum().over(ibis.window(group_by=[won.person_id, won.journey_no]))
    won = won.mutate(
        last_non_direct=(won.position == won._last_nd.fill_null(won.touches)).ifelse(1.0, 0.0),
        time_decay=won._decay / decay_total,
    )
    rule = [m for m in models if m in RULE_MODELS]
    sums = {m: won[m].sum() for m in rule}
    sums |= {f"{m}_value": (won[m] * won.value).sum() for m in rule}
    credits = won.group_by(won.touch).aggregate(**sums).to_pandas().set_index("touch")

    table, revenue = _per_touch(paths)
    for model in rule:
        table[model] = credits[model].reindex(table.index).fillna(0.0)
        revenue[model] = credits[f"{model}_value"].reindex(table.index).fillna(0.0)
    routes, won_counts, lost, worth = (
        list(paths["path"]),
        paths["conversions"].to_numpy(float),
        paths["nulls"].to_numpy(float),
        paths["value"].to_numpy(float),
    )
    if "markov" in models:
        markov = markov_credit(routes, won_counts, lost, worth, order=order)
        table.insert(2, "removal_effect", [markov.get(c, (0.0, 0, 0))[0] for c in table.index])
        table["markov"] = [markov.get(c, (0, 0.0, 0))[1] for c in table.index]
        revenue["markov"] = [markov.get(c, (0, 0, 0.0))[2] for c in table.index]
    if "shapley" in models:
        table["shapley"] = pd.Series(shapley_credit(routes, won_counts)).reindex(table.index)
        revenue["shapley"] = pd.Series(shapley_credit(routes, worth)).reindex(table.index)
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
    title = f"Attribution of {step.label} by {by}"
    return Attribution(
        title=title,
        table=table.rename_axis(by).reset_index(),
        meta=meta,
        revenue=revenue.rename_axis(by).reset_index(),
        paths=paths,
    )


def _per_touch(paths: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Journeys and converting journeys per touch value, from the path table."""
    journeys: dict[str, float] = {}
    converting: dict[str, float] = {}
    for path, won, lost in zip(paths["path"], paths["conversions"], paths["nulls"], strict=True):
        for touch in set(path):
            journeys[touch] = journeys.get(touch, 0) + won + lost
            converting[touch] = converting.get(touch, 0) + won
    names = sorted(journeys)
    table = pd.DataFrame(
        {
            "journeys": [int(journeys[t]) for t in names],
            "converting_journeys": [int(converting[t]) for t in names],
        },
        index=pd.Index(names, name="touch"),
    )
    revenue = pd.DataFrame(index=table.index)
    return table, revenue
