"""Campaigns: did a campaign move its audience across the transition it aimed at, more
than the people it did not reach?

Definitions (one campaign; see :mod:`jejak.model.campaign` for the settings):
- *Exposed*: people with an ``exposure`` touchpoint (a send or an impression) between
  ``start`` and ``end``; their *index* time is the first one. *Held
  out*: people with a ``holdout`` touchpoint in the period, indexed the same way. Anyone
  with both is left out (and counted in ``meta``).
- Without a holdout rule the comparison is *observational*: people who were in the
  target range at ``start`` (or at the first exposure) and never exposed, indexed there.
- *In target*: at their index time the person's furthest stage is ``target.from`` or
  later but before ``target.to``. Audience fit is the exposed share in target; a
  campaign mostly outside it reached the wrong customers.
- *Moved*: in target and entered ``target.to`` within ``days`` after the index time.
  The transition rate is moved / in target; people whose window runs past the end of
  the data are left out (``meta["incomplete_windows"]``).
- *Call-to-action response*: a ``call_to_action`` touchpoint within ``days`` after the
  index time (of everyone exposed). *Revenue*: ``purchase`` revenue in that window.
- *Lift*: the exposed transition rate minus the held-out one, with a 95% Newcombe
  hybrid-score interval (from Wilson intervals); relative lift = rate ratio - 1 with the
  Katz log interval (SciPy). Incremental customers = lift x exposed in target (with a
  complete window); incremental revenue = difference in mean revenue per person (Welch
  interval) x the same people. The call-to-action response counts everyone exposed,
  windows cut by the end of the data included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

import ibis
import numpy as np
import pandas as pd

from jejak.analyses.intervals import difference_of_proportions
from jejak.analyses.matching import stage_matches, with_properties
from jejak.analyses.result import Result, drawn
from jejak.analyses.stages import entered_column, stage_entries
from jejak.engine.functions import unix_micros, utc_micros
from jejak.language import N_, gettext, stage
from jejak.model.campaign import Campaign
from jejak.model.funnel import FunnelStep
from jejak.model.journey import Journey

DAY_US = 86_400_000_000
MIN_PEOPLE = 30
EXPOSED, HELD_OUT, COMPARISON = "exposed", "held out", "not exposed (comparison)"


@dataclass
class CampaignEffect(Result):
    """``table``: one row per group (exposed, held out or comparison); ``meta``: the lift."""

    def figure(self) -> Any:
        return drawn(self)


@dataclass
class CampaignOverview(Result):
    """``table``: one row per campaign on its transition, and transitions without one."""

    def figure(self) -> Any:
        return drawn(self)


def _moment(value: Any, zone: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _hits(events: ibis.Table, journey: Journey, step: FunnelStep) -> ibis.Table:
    matcher = step.as_stage(journey)
    marked = with_properties(events, [matcher])
    return marked.filter(stage_matches(marked, matcher))


def _first_in_period(hits: ibis.Table, start_us: int | None, end_us: int | None) -> ibis.Table:
    us = unix_micros(hits.ts)
    if start_us is not None:
        hits = hits.filter(us >= start_us)
    if end_us is not None:
        hits = hits.filter(unix_micros(hits.ts) < end_us)
    return hits.group_by("person_id").aggregate(index_us=unix_micros(hits.ts).min())


def _stage_at(wide: ibis.Table, index_us: ibis.Value, n: int) -> ibis.Value:
    """The furthest stage (0-based) entered at or before ``index_us``; -1 before any."""
    cases = [(unix_micros(wide[entered_column(i)]) <= index_us, i) for i in reversed(range(n))]
    return ibis.cases(*cases, else_=-1)


def _in_window(
    audience: ibis.Table, hits: ibis.Table, days_us: int, **aggregates: Any
) -> ibis.Table:
    """Per audience member, aggregates over their ``hits`` within the window after index."""
    joined = audience.select("person_id", "index_us").join(
        hits.select("person_id", "revenue", us=unix_micros(hits.ts)), "person_id"
    )
    inside = (joined.us >= joined.index_us) & (joined.us <= joined.index_us + days_us)
    joined = joined.filter(inside)
    return joined.group_by("person_id").aggregate(**{k: fn(joined) for k, fn in aggregates.items()})


def campaign_effect(
    events: ibis.Table,
    journey: Journey,
    name: str,
    campaign: Campaign,
    *,
    zone: Any,
    as_of: datetime,
    wide: ibis.Table | None = None,
) -> CampaignEffect:
    """Compare the exposed with the held out (see the module's definitions). ``wide``:
    the people's :func:`~jejak.analyses.stages.stage_entries`, when several campaigns
    share them."""
    n = len(journey.stages)
    names = journey.stage_names
    i_from, i_to = names.index(campaign.target.from_), names.index(campaign.target.to)
    start, end = _moment(campaign.start, zone), _moment(campaign.end, zone)
    start_us = None if start is None else utc_micros(start)
    end_us = None if end is None else utc_micros(end)
    days_us = int(campaign.days * DAY_US)
    last_us = utc_micros(as_of)

    exposed = _first_in_period(
        _hits(events, journey, campaign.exposure_step()), start_us, end_us
    ).mutate(group=ibis.literal(EXPOSED))
    wide = stage_entries(events, journey) if wide is None else wide
    if campaign.holdout is not None:
        held = _first_in_period(_hits(events, journey, campaign.holdout), start_us, end_us)
        both = exposed.select("person_id").semi_join(held, "person_id")
        overlap = both.count().to_pyarrow().as_py() or 0
        exposed = exposed.anti_join(both, "person_id")
        others = held.anti_join(both, "person_id").mutate(group=ibis.literal(HELD_OUT))
        observational = False
    else:
        overlap = 0
        observational = True
        first = exposed.index_us.min().to_pyarrow().as_py()
        index_us = start_us if start_us is not None else first
        if index_us is None:
            index_us = last_us
        at_start = wide.mutate(_stage=_stage_at(wide, ibis.literal(index_us), n))
        comparable = at_start.filter((at_start._stage >= i_from) & (at_start._stage < i_to))
        others = (
            comparable.select("person_id")
            .anti_join(exposed, "person_id")
            .mutate(index_us=ibis.literal(index_us, "int64"), group=ibis.literal(COMPARISON))
        )
    audience = ibis.union(exposed, others)
    audience = audience.join(wide, "person_id")
    stage = _stage_at(audience, audience.index_us, n)
    entered_to = unix_micros(audience[entered_column(i_to)])
    audience = audience.mutate(
        in_target=(stage >= i_from) & (stage < i_to),
        complete=audience.index_us + days_us <= last_us,
        moved=(entered_to > audience.index_us) & (entered_to <= audience.index_us + days_us),
        days_to=(entered_to - audience.index_us) / DAY_US,
    )
    cta = _in_window(
        audience,
        _hits(events, journey, campaign.call_to_action),
        days_us,
        responses=lambda t: t.count(),
    )
    spend = _in_window(
        audience,
        _hits(events, journey, campaign.purchase),
        days_us,
        revenue=lambda t: t.revenue.sum(),
    )
    people = audience.left_join(cta, "person_id").drop("person_id_right")
    people = people.left_join(spend, "person_id").drop("person_id_right")
    people = people.mutate(
        responded=people.responses.fill_null(0) > 0, revenue=people.revenue.fill_null(0.0)
    )
    counted = people.in_target & people.complete
    grouped = people.group_by("group").aggregate(
        people=people.count(),
        responded=people.count(where=people.responded),
        in_target=people.count(where=people.in_target),
        incomplete=people.count(where=people.in_target & ~people.complete),
        counted=people.count(where=counted),
        moved=people.count(where=counted & people.moved),
        median_days=people.days_to.quantile(0.5, where=counted & people.moved),
        revenue=people.revenue.sum(where=counted),
        revenue_sq=(people.revenue * people.revenue).sum(where=counted),
    )
    rows = grouped.to_pandas().set_index("group")
    comparison = COMPARISON if observational else HELD_OUT
    rows = rows.reindex([EXPOSED, comparison])
    return _effect(name, campaign, rows, comparison, observational, overlap)


def _count(value: Any) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def _effect(
    name: str,
    campaign: Campaign,
    rows: pd.DataFrame,
    comparison: str,
    observational: bool,
    overlap: int,
) -> CampaignEffect:
    counts = {
        c: [_count(v) for v in rows[c]]
        for c in ("people", "responded", "in_target", "incomplete", "counted", "moved")
    }
    table = pd.DataFrame({"group": [EXPOSED, comparison], **counts})
    table["response_rate"] = _ratio(table["responded"], table["people"])
    table["in_target_share"] = _ratio(table["in_target"], table["people"])
    table["transition_rate"] = _ratio(table["moved"], table["counted"])
    table["median_days_to_move"] = [float(v) for v in rows["median_days"].fillna(np.nan)]
    revenue = rows["revenue"].fillna(0.0).to_numpy(float)
    table["revenue_per_person"] = _ratio(pd.Series(revenue), table["counted"])
    (n1, n0), (m1, m0) = table["counted"], table["moved"]
    meta: dict[str, Any] = {
        "campaign": name,
        "transition": campaign.transition,
        "days": campaign.days,
        "observational": observational,
        "comparison": comparison,
        "in_both_groups": overlap,
        "incomplete_windows": int(table["incomplete"].sum()),
        "audience_fit": table.loc[0, "in_target_share"],
        "wrong_audience": bool(table.loc[0, "in_target_share"] < 0.5),
        "method": (
            "difference of proportions, Newcombe hybrid-score 95% interval; rate ratio, "
            "Katz log 95% interval; revenue difference, Welch 95% interval"
        ),
    }
    meta |= _lift(m1, n1, m0, n0)
    meta |= _revenue_lift(rows, n1, n0)
    exposed_in_target = n1
    for key in ("lift", "lift_low", "lift_high"):
        meta[key.replace("lift", "incremental_customers")] = meta[key] * exposed_in_target
    for key in ("revenue_lift", "revenue_lift_low", "revenue_lift_high"):
        meta[key.replace("revenue_lift", "incremental_revenue")] = meta[key] * exposed_in_target
    meta["verdict"] = _verdict(meta, m1, n1, n0)
    kind = gettext("observational") if observational else gettext("holdout")
    title = gettext("Campaign {name}: {transition} ({kind})").format(
        name=name,
        transition=f"{stage(campaign.target.from_)} → {stage(campaign.target.to)}",
        kind=kind,
    )
    return CampaignEffect(title=title, table=table, meta=meta)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    denominator = pd.Series(denominator, dtype=float)
    return pd.Series(numerator, dtype=float) / denominator.where(denominator > 0)


def _lift(m1: int, n1: int, m0: int, n0: int) -> dict[str, float]:
    nan = float("nan")
    out = dict.fromkeys(("relative_lift", "relative_low", "relative_high"), nan)
    out["lift"], out["lift_low"], out["lift_high"] = difference_of_proportions(m1, n1, m0, n0)
    if n1 and n0 and m0 > 0 and m1 > 0:
        from scipy import stats  # imported when used: see jejak.analyses.intervals

        ratio = stats.contingency.relative_risk(m1, n1, m0, n0)
        interval = ratio.confidence_interval(confidence_level=0.95)
        out["relative_lift"] = float(ratio.relative_risk) - 1
        out["relative_low"] = float(interval.low) - 1
        out["relative_high"] = float(interval.high) - 1
    return out


def _revenue_lift(rows: pd.DataFrame, n1: int, n0: int) -> dict[str, float]:
    nan = float("nan")
    out = {"revenue_lift": nan, "revenue_lift_low": nan, "revenue_lift_high": nan}
    if n1 < 2 or n0 < 2:
        return out
    sums = rows["revenue"].fillna(0.0).to_numpy(float)
    squares = rows["revenue_sq"].fillna(0.0).to_numpy(float)
    n = np.array([n1, n0], float)
    mean = sums / n
    var = np.maximum((squares - n * mean**2) / (n - 1), 0.0)
    se2 = var / n
    diff = float(mean[0] - mean[1])
    se = math.sqrt(se2.sum())
    out["revenue_lift"] = diff
    if se == 0:
        out["revenue_lift_low"] = out["revenue_lift_high"] = diff
        return out
    from scipy import stats  # imported when used: see jejak.analyses.intervals

    dof = se2.sum() ** 2 / np.sum(se2**2 / (n - 1))  # Welch-Satterthwaite
    half = float(stats.t.ppf(0.975, dof)) * se
    out["revenue_lift_low"], out["revenue_lift_high"] = diff - half, diff + half
    return out


def _verdict(meta: dict[str, Any], moved: int, exposed: int, compared: int) -> str:
    if exposed == 0:
        return N_("reached nobody in the target stage")
    if compared < MIN_PEOPLE or exposed < MIN_PEOPLE:
        return N_("too few people to tell")
    if moved == 0:
        return N_("moved nobody")
    if meta["lift_low"] > 0:
        return N_("moved its audience")
    if meta["lift_high"] < 0:
        return N_("held its audience back")
    return N_("no lift detected")


def overview(effects: dict[str, CampaignEffect], journey: Journey) -> CampaignOverview:
    """Every campaign on its transition, and the journey's transitions no campaign aims at."""
    rows = []
    for name, effect in effects.items():
        meta, table = effect.meta, effect.table
        rows.append(
            {
                "transition": meta["transition"],
                "campaign": name,
                "exposed": int(table.loc[0, "people"]),
                "audience_fit": meta["audience_fit"],
                "response_rate": table.loc[0, "response_rate"],
                "exposed_rate": table.loc[0, "transition_rate"],
                "comparison_rate": table.loc[1, "transition_rate"],
                "lift": meta["lift"],
                "lift_low": meta["lift_low"],
                "lift_high": meta["lift_high"],
                "incremental_customers": meta["incremental_customers"],
                "observational": meta["observational"],
                "verdict": meta["verdict"],
            }
        )
    aimed = {row["transition"] for row in rows}
    names = journey.stage_names
    for a, b in pairwise(names):
        transition = f"{a} -> {b}"
        if transition not in aimed:
            rows.append({"transition": transition, "campaign": None, "verdict": "no campaign"})
    columns = [
        "transition",
        "campaign",
        "exposed",
        "audience_fit",
        "response_rate",
        "exposed_rate",
        "comparison_rate",
        "lift",
        "lift_low",
        "lift_high",
        "incremental_customers",
        "observational",
        "verdict",
    ]
    table = pd.DataFrame(rows, columns=columns)
    order = {f"{a} -> {b}": i for i, (a, b) in enumerate(pairwise(names))}
    table["_order"] = [
        order.get(t, names.index(t.split(" -> ")[0]) + 0.5) for t in table["transition"]
    ]
    table = table.sort_values(["_order", "campaign"], na_position="last").drop(columns="_order")
    return CampaignOverview(
        title=gettext("Campaigns by the transition they target"),
        table=table.reset_index(drop=True),
        meta={"campaigns": len(effects)},
    )
