"""RFM: each buyer's recency, frequency and monetary value, scored 1-5 and named.

Definitions:
- Over purchases (touchpoints matching ``purchase``, default: the ``purchase`` role) up
  to ``as_of``:
  recency is the days from the last purchase to ``as_of``, frequency the number of
  purchases, monetary their total revenue.
- Scores split the buyers into fifths by rank (5 = most recent, most frequent, most
  spent): 1 + floor(5 x buyers strictly below / buyers), so equal values share a score
  (when most bought once, they all score F 1). Scores are relative to the buyers at hand:
  with a handful of buyers they say little.
- Segments come from the recency and frequency scores (ours, after the grid most RFM
  guides use), checked in this order:

  ==================  ==============================
  Champions           R 4-5, F 4-5
  Loyal               R 3, F 4-5
  Potential loyalist  R 4-5, F 2-3
  New customer        R 5, F 1
  Promising           R 4, F 1
  Need attention      R 3, F 2-3
  About to sleep      R 3, F 1
  Can't lose them     R 1, F 5
  At risk             R 1-2, F 3-5
  Hibernating         R 2, F 1-2
  Lost                R 1, F 1-2
  ==================  ==============================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import ibis
import pandas as pd

from jejak.analyses.matching import stage_matches, with_properties
from jejak.analyses.result import Result, drawn
from jejak.engine.functions import unix_micros, utc_micros
from jejak.language import gettext
from jejak.model.funnel import FunnelStep
from jejak.model.groups import RFM_SEGMENTS as SEGMENTS
from jejak.model.journey import Journey
from jejak.model.roles import roles_of

DAY_US = 86_400_000_000


def segment_of(r: int, f: int) -> str:
    """The named segment of a recency and a frequency score (1-5)."""
    for name, recency, frequency in SEGMENTS:
        if r in recency and f in frequency:
            return name
    raise ValueError(f"scores must be 1-5; got R {r}, F {f}")


@dataclass
class RFM(Result):
    """``table``: one row per buyer with their values, scores and segment."""

    def segments(self) -> pd.DataFrame:
        """Buyers per segment with their share and mean recency, frequency and spend."""
        grouped = self.table.groupby("segment").agg(
            buyers=("person_id", "size"),
            recency_days=("recency_days", "mean"),
            frequency=("frequency", "mean"),
            monetary=("monetary", "mean"),
        )
        grouped["share"] = grouped["buyers"] / grouped["buyers"].sum()
        order = [name for name, _, _ in SEGMENTS if name in grouped.index]
        return grouped.reindex(order).reset_index()

    def figure(self) -> Any:
        return drawn(self)


def rfm(events: ibis.Table, journey: Journey, *, purchase: Any = None, as_of: datetime) -> RFM:
    """Recency, frequency and monetary value per buyer, scored and named (see the module).

    ``table`` columns: person_id, recency_days, frequency, monetary, r, f, m (scores 1-5),
    rfm (e.g. "545"), segment.
    """
    purchase = roles_of(journey).step_or(purchase, "purchase")
    step = FunnelStep.of(purchase)
    matcher = step.as_stage(journey)
    marked = with_properties(events, [matcher])
    end_us = utc_micros(as_of)
    bought = marked.filter(stage_matches(marked, matcher) & (unix_micros(marked.ts) <= end_us))
    per_buyer = bought.group_by("person_id").aggregate(
        last_us=unix_micros(bought.ts).max(),
        frequency=bought.count(),
        monetary=bought.revenue.fill_null(0.0).sum(),
    )
    per_buyer = per_buyer.mutate(recency_days=(end_us - per_buyer.last_us) / DAY_US)

    buyers = per_buyer.count().over(ibis.window())

    def score(order: Any) -> ibis.Value:
        below = ibis.rank().over(order_by=order)  # 0-based: buyers strictly below
        return (below * 5 / buyers).floor().cast("int64") + 1

    scored = per_buyer.mutate(
        r=score(ibis.desc(per_buyer.recency_days)),  # the oldest purchase ranks lowest
        f=score(per_buyer.frequency),
        m=score(per_buyer.monetary),
    )
    columns = ["person_id", "recency_days", "frequency", "monetary", "r", "f", "m"]
    table = scored.select(*columns).to_pandas().sort_values("person_id").reset_index(drop=True)
    table[["r", "f", "m"]] = table[["r", "f", "m"]].astype("int64")
    table["rfm"] = table["r"].astype(str) + table["f"].astype(str) + table["m"].astype(str)
    table["segment"] = [segment_of(r, f) for r, f in zip(table["r"], table["f"], strict=True)]
    meta = {"purchase": step.label, "as_of": as_of, "buyers": len(table)}
    return RFM(title=gettext("RFM segments"), table=table, meta=meta)
