"""What the simulated shop's ads cost: a figure per day and paid channel, and its truth.

A paid channel's planted cost per acquisition (``ShopPlan.cost_per_acquisition``) times
the buyers it acquired is its budget, paid evenly over the days people arrive (the
acquisition share of the period), +-20% a day, in whole units of the shop's currency. The
ads channel's spend is split over its ad campaigns, the others' is one line without a
campaign. The truth gives each channel's total and its realised cost per acquisition:
the total over the people it acquired (their first touch) who bought within the period.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from jejak.simulate.journeys import CONVERT, Journeys, stream


def ad_spend(journeys: Journeys, seed: int) -> pa.Table:
    """date, channel, campaign, spend, currency: one row per day, channel and campaign."""
    plan = journeys.plan
    days = int(np.ceil(plan.acquisition_share * plan.period_days))
    rows: dict[str, list[Any]] = {k: [] for k in ("date", "channel", "campaign", "spend")}
    rng = stream(seed, "ad_spend")
    buyers = _buyers(journeys)
    for channel, cost in plan.cost_per_acquisition.items():
        daily = cost * buyers.get(channel, 0) / days
        campaigns = plan.ad_campaigns if channel == "ads" else ("",)
        for day in range(days):
            spent = daily * rng.uniform(0.8, 1.2)
            for campaign in campaigns:
                rows["date"].append(plan.start + timedelta(days=day))
                rows["channel"].append(channel)
                rows["campaign"].append(campaign)
                rows["spend"].append(float(round(spent / len(campaigns))))
    table = pa.table(
        {
            "date": pa.array(rows["date"], pa.date32()),
            "channel": pa.array(rows["channel"], pa.string()),
            "campaign": pa.array(rows["campaign"], pa.string()),
            "spend": pa.array(rows["spend"], pa.float64()),
        }
    )
    return table.append_column("currency", pa.array([plan.currency] * table.num_rows))


def _buyers(journeys: Journeys) -> dict[str, int]:
    """The people each channel acquired who bought within the period."""
    j = journeys
    channels = np.asarray(j.plan.channels, dtype=object)[j.channel]
    bought = j.observed(CONVERT)
    return {c: int((bought & (channels == c)).sum()) for c in j.plan.channels}


def spend_truth(journeys: Journeys, spend: pa.Table) -> dict[str, dict[str, float]]:
    """Per paid channel: its total spend, the buyers it acquired and their cost each."""
    buyers = _buyers(journeys)
    truth = {}
    frame = spend.to_pandas()
    for channel, total in frame.groupby("channel")["spend"].sum().items():
        customers = buyers[str(channel)]
        truth[str(channel)] = {
            "spend": float(total),
            "customers": customers,
            "cpa": float(total) / customers if customers else float("nan"),
        }
    return truth
