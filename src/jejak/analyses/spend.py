"""Spend and return: what each channel (campaign, or traffic source) cost, and what it
brought back.

Definitions (``by`` is ``channel``, ``campaign`` or ``source``; spend comes from ad spend
files, see :mod:`jejak.store.spend`, on the days of the period asked for; spend that
names no campaign or source is that of touchpoints without one):

- *Acquired*: people whose first touchpoint came by the value (their acquisition
  channel, campaign or source).
- *Cost per acquisition* (CPA): spend / the acquired people who reached the goal (by
  default the Convert stage, the first purchase): what a new customer cost.
- *Cost per move* to a stage: spend / the acquired people who entered that stage.
- *Per attribution model*: each model's credited conversions and revenue (see
  :mod:`jejak.analyses.attribution`), the CPA it implies (spend / credited conversions)
  and the return on ad spend, ROAS (credited revenue / spend). Models *disagree* on a
  value when some say it pays back (ROAS of 1 or more) and others say it does not, or
  when the most conversions a model credits it are more than twice the fewest.
- *Incremental return* of a campaign with a holdout: the people it moved beyond its
  holdout (lift x people reached) and the revenue per person beyond the holdout's, times
  people reached, over the campaign's spend. This is the return the campaign caused;
  attribution only shares out what happened.

Amounts are never converted between currencies: a period spent in two currencies is
refused, and spend and revenue are compared only when they are in one currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from jejak.analyses.result import Result, drawn, records
from jejak.errors import JejakError
from jejak.language import gettext

DISAGREE_RATIO = 2.0  # credited conversions this many times apart: the models disagree
FIELDS = ("channel", "campaign", "source")  # what spend is kept per, so can be split by


@dataclass
class SpendReturn(Result):
    """``table``: per ``by`` value, spend, acquired customers and their CPA, and ROAS
    under the first model; ``models``: per value and model, credited conversions and
    revenue, CPA and ROAS, and whether the models disagree; ``moves``: per value and
    stage, the acquired people who entered it and the cost per move; ``campaigns``: per
    campaign of the settings with spend, its incremental return (:func:`campaign_returns`)."""

    models: pd.DataFrame = field(default_factory=pd.DataFrame)
    moves: pd.DataFrame = field(default_factory=pd.DataFrame)
    campaigns: pd.DataFrame = field(default_factory=pd.DataFrame)

    def figure(self) -> Any:
        return drawn(self)

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {
            "models": records(self.models),
            "moves": records(self.moves),
            "campaigns": records(self.campaigns),
        }


def spend_return(
    spend: pd.DataFrame,
    acquired: pd.DataFrame,
    moves: pd.DataFrame,
    credits: pd.DataFrame,
    revenue: pd.DataFrame,
    *,
    by: str,
    goal: str,
    models: list[str],
    revenue_currency: str | None,
    campaigns: pd.DataFrame | None = None,
) -> SpendReturn:
    """Spend and return per ``by`` value (see the module) from:

    - ``spend``: day, ``by``, spend, currency (the period's ad spend rows);
    - ``acquired``: ``by``, customers (acquired people who reached the goal);
    - ``moves``: ``by``, stage, stage_index, people (acquired people who entered it);
    - ``credits`` and ``revenue``: attribution's tables (``by``, one column per model);
    - ``campaigns``: :func:`campaign_returns` of the settings' campaigns.
    """
    codes = sorted(spend["currency"].dropna().unique().tolist())
    if len(codes) > 1:
        raise JejakError(
            gettext(
                "the ad spend of this period is in {currencies}; jejak never converts money:"
                " load spend in one currency, or ask for a period in one"
            ).format(currencies=", ".join(codes))
        )
    currency = codes[0] if codes else revenue_currency
    comparable = revenue_currency is None or currency is None or currency == revenue_currency
    paid = spend.groupby(by, as_index=False)["spend"].sum()
    table = paid.merge(acquired, on=by, how="left").fillna({"customers": 0})
    table["customers"] = table["customers"].astype("int64")
    table["cpa"] = _per(table["spend"], table["customers"])

    rows = []
    for model in models:
        credited = credits[[by, model]].rename(columns={model: "conversions"})
        worth = revenue[[by, model]].rename(columns={model: "revenue"})
        part = paid.merge(credited, on=by, how="left").merge(worth, on=by, how="left")
        part = part.fillna({"conversions": 0.0, "revenue": 0.0})
        part.insert(1, "model", model)
        rows.append(part)
    per_model = pd.concat(rows, ignore_index=True)
    per_model["cpa"] = _per(per_model["spend"], per_model["conversions"])
    per_model["roas"] = _per(per_model["revenue"], per_model["spend"]) if comparable else np.nan
    verdicts = per_model.groupby(by).agg(
        most=("conversions", "max"),
        fewest=("conversions", "min"),
        pays=("roas", lambda r: bool((r >= 1).any())),
        loses=("roas", lambda r: bool((r < 1).any())),
    )
    split = (verdicts["pays"] & verdicts["loses"]) | (
        verdicts["most"] > DISAGREE_RATIO * verdicts["fewest"]
    )
    per_model["disagree"] = per_model[by].map(split).fillna(False).astype(bool)
    first = per_model[per_model["model"] == models[0]].set_index(by)["roas"]
    table["roas"] = table[by].map(first)
    table["disagree"] = table[by].map(split).fillna(False).astype(bool)
    table = table.sort_values("spend", ascending=False, kind="stable").reset_index(drop=True)

    moved = paid.merge(moves, on=by, how="inner")
    moved["cost_per_move"] = _per(moved["spend"], moved["people"])
    moved = moved.sort_values([by, "stage_index"]).reset_index(drop=True)

    meta = {
        "by": by,
        "goal": goal,
        "models": models,
        "currency": currency,
        "spend": float(spend["spend"].sum()),
        "first_day": None if spend.empty else str(pd.Timestamp(spend["day"].min()).date()),
        "last_day": None if spend.empty else str(pd.Timestamp(spend["day"].max()).date()),
        "comparable": comparable,
    }
    title = gettext("Spend and return by {field}").format(field=gettext(by))
    return SpendReturn(
        title=title,
        table=table[[by, "spend", "customers", "cpa", "roas", "disagree"]],
        meta=meta,
        models=per_model[[by, "model", "spend", "conversions", "revenue", "cpa", "roas",
                          "disagree"]],
        moves=moved[[by, "stage", "stage_index", "spend", "people", "cost_per_move"]],
        campaigns=campaign_returns([]) if campaigns is None else campaigns,
    )  # fmt: skip


CAMPAIGN_COLUMNS = [
    "campaign",
    "spend",
    "incremental_customers",
    "incremental_customers_low",
    "incremental_customers_high",
    "incremental_revenue",
    "incremental_revenue_low",
    "incremental_revenue_high",
    "incremental_roas",
    "incremental_roas_low",
    "incremental_roas_high",
    "cost_per_incremental_customer",
    "observational",
]


def campaign_spend(
    spend: pd.DataFrame,
    traffic_source: dict[str, Any],
    start: Any = None,
    end: Any = None,
) -> float:
    """What a campaign cost: the spend rows of its traffic source's channel, campaign and
    source (the fields spend names; a traffic source naming none of them matches nothing),
    on the days from its ``start`` to its ``end`` (each a moment or None). A row that names
    no source is matched by its channel and campaign alone: the spend did not say which
    source it bought."""
    named = {k: v for k, v in traffic_source.items() if k in FIELDS}
    if not named:
        return 0.0
    rows = spend
    for key, value in named.items():
        # a frame of spend from before it had a source names none
        column = rows[key] if key in rows else pd.Series("", index=rows.index)
        matched = column.isin([value] if isinstance(value, str) else list(value))
        if key == "source" and len(named) > 1:
            matched |= column == ""
        rows = rows[matched]
    days = pd.to_datetime(rows["day"]).dt.date
    if start is not None:
        rows = rows[days >= pd.Timestamp(start).date()]
        days = pd.to_datetime(rows["day"]).dt.date
    if end is not None:
        rows = rows[days <= pd.Timestamp(end).date()]
    return float(rows["spend"].sum())


def campaign_returns(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Each campaign's incremental return (see the module) from its spend and its effect's
    meta (``incremental_customers`` and ``incremental_revenue``, each with ``_low`` and
    ``_high``, and ``observational``): incremental ROAS with its interval, and the cost per
    customer it moved beyond its holdout (NaN when it moved none)."""
    table = pd.DataFrame(rows, columns=[c for c in CAMPAIGN_COLUMNS if "roas" not in c
                                        and c != "cost_per_incremental_customer"])  # fmt: skip
    for bound in ("", "_low", "_high"):
        table[f"incremental_roas{bound}"] = table[f"incremental_revenue{bound}"] / table[
            "spend"
        ].where(table["spend"] > 0)
    moved = table["incremental_customers"]
    table["cost_per_incremental_customer"] = table["spend"] / moved.where(moved > 0)
    return table[CAMPAIGN_COLUMNS]


def _per(amount: pd.Series, count: pd.Series) -> pd.Series:
    """amount / count, NaN where count is 0 (nothing to share the amount over)."""
    return amount / count.where(count > 0)
