"""Customer value: each customer's purchase summary, chance of still being a customer, and
expected purchases and revenue over a horizon (BG/NBD and Gamma-Gamma models).

Definitions:
- A *purchase* is a touchpoint matching ``purchase`` (default: the ``purchase`` role). Purchases on
  the same day (UTC) are one purchase, as in the models' papers.
- Per customer, in ``unit`` days (7: weeks): ``x`` repeat purchases (purchase days after
  the first), ``t_x`` the time from the first purchase to the last, ``T`` the time from the
  first purchase to ``as_of``, and ``mean_value`` the mean revenue of the repeat purchase
  days (empty without repeats). Only purchases up to ``as_of`` count.
- The BG/NBD model is fitted on every buyer; Gamma-Gamma on those with repeat purchases
  (see :mod:`jejak.analyses.value_models`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import ibis
import numpy as np
import pandas as pd

from jejak.analyses.diagnosis import warn
from jejak.analyses.matching import stage_matches, with_properties
from jejak.analyses.result import Result, drawn
from jejak.analyses.value_fit import LOG_BOUND
from jejak.analyses.value_models import BetaGeo, GammaGamma
from jejak.engine.functions import unix_micros, utc_micros
from jejak.errors import JejakError
from jejak.language import N_, current, gettext, localised
from jejak.model.funnel import FunnelStep
from jejak.model.journey import Journey
from jejak.model.roles import roles_of

DAY_US = 86_400_000_000
MIN_REPEAT_BUYERS = 2
WHAT_TO_DO = N_(
    "Load a longer stretch of orders, or name your purchase touchpoint under"
    " 'roles: purchase:' in jejak.yaml"
)
"""Below this the BG/NBD model has nothing to learn the drop-out chance from (with one
repeat buyer its fit stays where the search starts, a = b = 1, where expected purchases
are undefined)."""


@dataclass
class CustomerValue(Result):
    """``table``: one row per buyer with their summary, P(alive) and expected value."""

    def figure(self) -> Any:
        return drawn(self)


def purchase_summary(
    events: ibis.Table,
    journey: Journey,
    *,
    purchase: Any = None,
    as_of: datetime,
    unit_days: float = 7.0,
) -> pd.DataFrame:
    """Per buyer: person_id, x, t_x, T (in ``unit_days``), mean_value, first and last
    purchase days (see the module's definitions)."""
    purchase = roles_of(journey).step_or(purchase, "purchase")
    matcher = FunnelStep.of(purchase).as_stage(journey)
    marked = with_properties(events, [matcher])
    end_us = utc_micros(as_of)
    bought = marked.filter(stage_matches(marked, matcher) & (unix_micros(marked.ts) <= end_us))
    bought = bought.select(
        "person_id",
        day=(unix_micros(bought.ts) // DAY_US),
        revenue=bought.revenue.fill_null(0.0),
    )
    days = bought.group_by(["person_id", "day"]).aggregate(revenue=bought.revenue.sum())
    per_person = days.group_by("person_id").aggregate(
        first=days.day.min(),
        last=days.day.max(),
        n=days.count(),
        total=days.revenue.sum(),
        first_revenue=days.revenue.argmin(days.day),
    )
    table = per_person.to_pandas()
    end_day = end_us // DAY_US
    table["x"] = table["n"] - 1
    table["t_x"] = (table["last"] - table["first"]) / unit_days
    table["T"] = (end_day - table["first"]) / unit_days
    with np.errstate(divide="ignore", invalid="ignore"):
        table["mean_value"] = np.where(
            table["x"] > 0, (table["total"] - table["first_revenue"]) / table["x"], np.nan
        )
    table["first_purchase"] = pd.to_datetime(table["first"] * DAY_US, unit="us", utc=True)
    table["last_purchase"] = pd.to_datetime(table["last"] * DAY_US, unit="us", utc=True)
    columns = ["person_id", "x", "t_x", "T", "mean_value", "first_purchase", "last_purchase"]
    return table.sort_values("person_id")[columns].reset_index(drop=True)


def _day(moment: datetime) -> str:
    """A day as a message names it: ``01 Mar 2026``, ``1 Mar 2026`` in Bahasa Indonesia."""
    if current() == "en":
        return f"{moment:%d %b %Y}"
    from babel.dates import format_date

    return format_date(moment, "d MMM y", locale=current())


def customer_value(
    events: ibis.Table,
    journey: Journey,
    *,
    purchase: Any = None,
    as_of: datetime,
    horizon: float = 52.0,
    unit_days: float = 7.0,
) -> CustomerValue:
    """Each buyer's P(alive), expected purchases and revenue over ``horizon`` units.

    ``table`` columns: the summary columns, p_alive (0-1), expected_purchases,
    expected_value (per purchase; Gamma-Gamma, the population's mean for customers
    without repeats), expected_revenue (expected purchases x value, undiscounted).
    ``meta`` holds the fitted parameters.
    """
    purchase = roles_of(journey).step_or(purchase, "purchase")
    summary = purchase_summary(events, journey, purchase=purchase, as_of=as_of, unit_days=unit_days)
    label = FunnelStep.of(purchase).label
    if len(summary) < 2:
        raise JejakError(
            gettext(
                "customer value needs purchases ({label}) by at least two customers;"
                " found {found}. {what_to_do}"
            ).format(label=label, found=len(summary), what_to_do=gettext(WHAT_TO_DO))
        )
    repeaters = int((summary["x"] > 0).sum())
    if repeaters < MIN_REPEAT_BUYERS:
        raise JejakError(
            gettext(
                "customer value needs at least two repeat buyers (customers who bought on two"
                " or more days) to learn how often people buy again; {repeaters} of {buyers}"
                " buyers bought again ({label}, up to {day}). {what_to_do}"
            ).format(
                repeaters=repeaters,
                buyers=len(summary),
                label=label,
                day=_day(as_of),
                what_to_do=gettext(WHAT_TO_DO),
            )
        )
    frequency = BetaGeo.fit(summary["x"], summary["t_x"], summary["T"])
    repeat = summary[(summary["x"] > 0) & (summary["mean_value"] > 0)]
    spend = GammaGamma.fit(repeat["x"], repeat["mean_value"]) if len(repeat) >= 2 else None
    x, t_x, age = summary["x"], summary["t_x"], summary["T"]
    summary["p_alive"] = frequency.p_alive(x, t_x, age)
    summary["expected_purchases"] = frequency.expected_purchases(horizon, x, t_x, age)
    if not np.isfinite(summary["expected_purchases"]).all():
        raise JejakError(
            gettext(
                "the purchase model did not settle on these {buyers} buyers ({repeaters} repeat"
                " buyers; BG/NBD a = {a}, b = {b}): its expected purchases are undefined."
                " Load a longer stretch of orders"
            ).format(
                buyers=len(summary),
                repeaters=repeaters,
                a=localised(f"{frequency.a:.3g}"),
                b=localised(f"{frequency.b:.3g}"),
            )
        )
    if spend is not None:
        summary["expected_value"] = spend.expected_value(x, summary["mean_value"].fillna(0.0))
    else:
        summary["expected_value"] = np.nan
    summary["expected_revenue"] = summary["expected_purchases"] * summary["expected_value"]
    meta = {
        "purchase": label,
        "as_of": as_of,
        "unit_days": unit_days,
        "horizon": horizon,
        "customers": len(summary),
        "bg_nbd": {
            "r": frequency.r,
            "alpha": frequency.alpha,
            "a": frequency.a,
            "b": frequency.b,
            "log_likelihood": frequency.log_likelihood,
        },
        "gamma_gamma": None
        if spend is None
        else {"p": spend.p, "q": spend.q, "gamma": spend.gamma},
    }
    result = CustomerValue(title=gettext("Customer value"), table=summary, meta=meta)
    fitted = {k: v for k, v in meta["bg_nbd"].items() if k != "log_likelihood"}
    at_limit = [name for name, v in fitted.items() if abs(np.log(v)) > LOG_BOUND - 1]
    if at_limit:
        warn(
            result,
            gettext(
                "the purchase model found no settled fit on {buyers} buyers, {repeaters} of"
                " them repeat buyers ({limits} ran to their limits): treat its expected"
                " purchases as rough until more people have bought again"
            ).format(
                buyers=localised(f"{len(summary):,}"),
                repeaters=localised(f"{repeaters:,}"),
                limits=", ".join(at_limit),
            ),
        )
    if spend is None:
        warn(
            result,
            gettext(
                "revenue is not estimated: the spend model needs at least two repeat buyers"
                " with revenue on their repeat purchases; found {found}. Expected purchases"
                " and the chance of still being a customer are estimated"
            ).format(found=localised(f"{len(repeat):,}")),
        )
    return result


@dataclass
class ValueBy(Result):
    """``table``: buyers and their expected value per group (stage, channel, campaign...)."""

    def figure(self) -> Any:
        return drawn(self)


def value_by(
    value: CustomerValue, groups: pd.DataFrame, by: str, *, order: list[str] | None = None
) -> ValueBy:
    """Sum each group's buyers' value: ``groups`` maps person_id to the ``by`` column.

    ``table`` columns: the group, buyers, p_alive (mean), expected_purchases,
    expected_revenue (totals over the horizon), revenue_per_buyer.
    """
    joined = value.table.merge(groups, on="person_id", how="left")
    joined[by] = joined[by].fillna("(none)")
    grouped = joined.groupby(by, sort=False)
    table = grouped.agg(buyers=("person_id", "size"), p_alive=("p_alive", "mean"))
    for column in ("expected_purchases", "expected_revenue"):  # unknown, not 0, if any is
        table[column] = grouped[column].sum(skipna=False)
    table["revenue_per_buyer"] = table["expected_revenue"] / table["buyers"]
    if order is not None:
        table = table.reindex([g for g in [*order, "(none)"] if g in table.index])
    else:
        table = table.sort_values("expected_revenue", ascending=False)
    meta = {**value.meta, "by": by}
    horizon = gettext("{horizon} x {days} days").format(
        horizon=localised(f"{value.meta['horizon']:g}"),
        days=localised(f"{value.meta['unit_days']:g}"),
    )
    return ValueBy(
        title=gettext("Expected value by {field} (next {horizon})").format(
            field=gettext(by), horizon=horizon
        ),
        table=table.reset_index(),
        meta=meta,
    )
