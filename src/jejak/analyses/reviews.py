"""Review ratings: how many stars, how they trend, and how reviewers fare on the journey.

Definitions:
- A review is a touchpoint matching ``review`` (default: the ``review`` role) whose ``field``
  property (default ``rating``) is a number from ``low`` to ``high`` (1-5); other values
  are left out. Every review counts (a person may review several purchases).
- Per period (and over everything): reviews, mean rating with a 95% t interval (kept
  within the scale), the
  share of each whole star (ratings round down) and the positive share (4 or more).
- Journey link: each reviewer's latest rating, and of the reviewers at each whole star
  the share who reached Advocate and Promote through touchpoints other than reviews
  (the value journey counts a 4-5 star review itself as Advocate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import pandas as pd

from jejak.analyses.matching import stage_matches, with_properties
from jejak.analyses.nps import _stage_link
from jejak.analyses.result import Result, drawn
from jejak.analyses.retention import period_number, period_start
from jejak.engine.functions import json_field
from jejak.language import gettext
from jejak.model.funnel import FunnelStep
from jejak.model.journey import Journey
from jejak.model.roles import roles_of


@dataclass
class Reviews(Result):
    """``table``: one row per period (the whole range first, as period ``all``)."""

    def figure(self) -> Any:
        return drawn(self)


def reviews(
    events: ibis.Table,
    journey: Journey,
    *,
    review: Any = None,
    field: str | None = None,
    low: float = 1,
    high: float = 5,
    period: Literal["week", "month"] = "month",
    zone: str = "UTC",
) -> Reviews:
    """Ratings overall and per period, and reviewers on the journey (see the module).

    ``table`` columns: period ("all", then each period's first day), reviews, mean,
    ci_low, ci_high, positive (share of 4+ on a 1-5 scale: the top two steps), and
    ``stars_<k>`` (share of each whole star). ``meta["journey"]`` holds the stage link.
    """
    roles = roles_of(journey)
    review = roles.step_or(review, "review")
    field = roles.field("review") if field is None else field
    matcher = FunnelStep.of(review).as_stage(journey)
    marked = with_properties(events, [matcher])
    is_review = stage_matches(marked, matcher).fill_null(False)
    others = marked.filter(~is_review).select(*events.columns)
    found = marked.filter(is_review)
    found = found.mutate(rating=json_field(found.properties, field).try_cast("float64"))
    found = found.filter(found.rating.notnull() & (found.rating >= low) & (found.rating <= high))
    found = found.mutate(period=period_number(found.ts, period, zone), star=found.rating.floor())
    moments = found.group_by(["period", "star"]).aggregate(
        n=found.count(), total=found.rating.sum(), squares=(found.rating * found.rating).sum()
    )
    cells = moments.to_pandas()
    stars = list(range(math.floor(low), math.floor(high) + 1))
    rows = [_row("all", cells, stars, low, high)]
    for number, group in cells.groupby("period"):
        start = period_start(pd.Series([number]), period, zone).iloc[0]
        rows.append(_row(start.strftime("%Y-%m-%d"), group, stars, low, high))
    latest = ibis.row_number().over(
        group_by=found.person_id, order_by=[ibis.desc(found.ts), ibis.desc(found.event_id)]
    )
    last = found.mutate(_r=latest)
    last = last.filter(last._r == 0).select("person_id", kind=last.star.cast("int64"))
    meta = {
        "review": FunnelStep.of(review).label,
        "field": field,
        "period": period,
        "scale": [low, high],
        "journey": sorted(_stage_link(others, journey, last), key=lambda r: -r["kind"]),
    }
    return Reviews(title=gettext("Review ratings"), table=pd.DataFrame(rows), meta=meta)


def _row(
    period: str, cells: pd.DataFrame, stars: list[int], low: float, high: float
) -> dict[str, Any]:
    n = int(cells["n"].sum())
    row: dict[str, Any] = {"period": period, "reviews": n}
    mean = float(cells["total"].sum() / n) if n else math.nan
    row["mean"], row["ci_low"], row["ci_high"] = mean, math.nan, math.nan
    if n > 1:
        from scipy import stats  # imported when used: see jejak.analyses.intervals

        variance = max((float(cells["squares"].sum()) - n * mean * mean) / (n - 1), 0.0)
        half = float(stats.t.ppf(0.975, n - 1)) * math.sqrt(variance / n)
        row["ci_low"], row["ci_high"] = max(mean - half, low), min(mean + half, high)
    per_star = cells.groupby("star")["n"].sum()
    row["positive"] = float(per_star[per_star.index >= high - 1].sum() / n) if n else math.nan
    for star in stars:
        row[f"stars_{star}"] = float(per_star.get(float(star), 0) / n) if n else math.nan
    return row
