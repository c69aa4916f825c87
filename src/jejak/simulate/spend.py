"""What the simulated shop's ads cost: a figure per day and paid channel, and its truth.

A paid channel's planted cost per acquisition (``ShopPlan.cost_per_acquisition``) times
the buyers it acquired is its budget, paid evenly over the days people arrive (the
acquisition share of the period), +-20% a day, in whole units of the shop's currency. The
ads channel's spend is split over its ad campaigns, the others' is one line without a
campaign. A planted campaign's cost is paid evenly over its first week, on its channel
and in its name. The truth gives each channel's total and its realised cost per
acquisition (the total over the people it acquired, their first touch, who bought within
the period), the acquisition part of it alone, and each campaign's spend.
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
    for campaign in plan.campaigns:
        if not campaign.cost:
            continue
        for day in range(7):
            rows["date"].append(plan.start + timedelta(days=int(campaign.day) + day))
            rows["channel"].append(campaign.channel)
            rows["campaign"].append(campaign.name)
            rows["spend"].append(float(round(campaign.cost / 7)))
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


def spend_truth(journeys: Journeys, spend: pa.Table) -> dict[str, Any]:
    """Per paid channel: its total spend, the buyers it acquired, their cost each, and the
    cost each of the acquisition spend alone; per campaign: its spend."""
    buyers = _buyers(journeys)
    frame = spend.to_pandas()
    planted = {c.name for c in journeys.plan.campaigns}
    acquiring = frame[~frame["campaign"].isin(planted)]
    truth: dict[str, Any] = {"channels": {}, "campaigns": {}}
    for channel, total in frame.groupby("channel")["spend"].sum().items():
        customers = buyers.get(str(channel), 0)  # a campaign's channel acquires nobody
        own = float(acquiring.loc[acquiring["channel"] == channel, "spend"].sum())
        truth["channels"][str(channel)] = {
            "spend": float(total),
            "customers": customers,
            "cpa": float(total) / customers if customers else None,
            "acquisition_cpa": own / customers if customers else None,
        }
    for name, total in frame[frame["campaign"].isin(planted)].groupby("campaign")["spend"].sum(
    ).items():  # fmt: skip
        truth["campaigns"][str(name)] = float(total)
    return truth
