"""Ground truth: what an honest analysis of the simulated touchpoints should find.

Expected rates come from the plan alone (analytically, with the period-end censoring computed
exactly on a fine grid), so a test compares measurements with the *planted* numbers rather
than with counts from the same sample. Realised counts are added for exact checks (e.g. a
stage engine must reproduce ``observed_reach`` to the person).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jejak.simulate.journeys import CONVERT, ENGAGEMENT, SUBSCRIBE, Journeys
from jejak.simulate.shop import STAGES, TRANSITIONS, ShopPlan

DEFINITIONS = {
    "reached": "a person reached a stage if at least one of their touchpoints inside the period "
    "matches the stage's rule (value-journey preset); people are counted by identity-resolved "
    "person and split by the channel of their first touchpoint",
    "conversion": "expected_conversion[ch][A->B] = P(reached B | reached A) among people of "
    "channel ch who reached A; guests (skipped Subscribe) make Engagement->Subscribe lower, "
    "but Subscribe->Convert is conditional on Subscribe and so unaffected",
    "reach": "expected_reach[ch][S] = P(a person of channel ch reaches S within the period)",
    "censoring": "censoring[A->B] = share of latent A->B advancers whose entry into B falls "
    "after the period end (already included in the expected rates)",
}


def reach_within_period(plan: ShopPlan, bins: int = 200_000) -> np.ndarray:
    """P(acquisition + first k delays < period end) for every stage k.

    The sum of exponential delays is convolved on a fine grid (FFT, each delay's exact bin
    masses placed at bin midpoints), then averaged over the uniform acquisition time exactly.
    This works for any delays, equal means included, without scipy.
    """
    period = float(plan.period_days)
    window = plan.acquisition_share * period
    low = period - window  # an acquisition at a in [0, W) leaves period - a in (low, period]
    h = period / bins
    edges = np.arange(bins + 1) * h
    size = 1 << math.ceil(math.log2(2 * bins))
    pmf = np.zeros(bins)
    pmf[0] = 1.0
    spectrum = np.fft.rfft(pmf, size)
    reach = [1.0]
    for k, mean in enumerate(plan.delay_days, start=1):
        step = -np.diff(np.exp(-edges / mean))  # P(delay in [ih, (i+1)h))
        spectrum = spectrum * np.fft.rfft(step, size)
        pmf = np.clip(np.fft.irfft(spectrum, size)[:bins], 0.0, None)
        position = (np.arange(bins) + k / 2) * h  # k midpoint offsets of half a bin
        inside = np.clip(period - np.maximum(position, low), 0.0, window)
        reach.append(float(np.dot(pmf, inside) / window))
    return np.array(reach)


def expected_rates(plan: ShopPlan, people_by_channel: dict[str, int]) -> dict[str, Any]:
    """Expected observed reach and step conversion per channel and pooled."""
    within = reach_within_period(plan)
    keep = 1.0 - plan.skip_subscribe
    reach: dict[str, dict[str, float]] = {}
    conversion: dict[str, dict[str, float]] = {}
    for channel in plan.channels:
        a = plan.advance[channel]
        latent = np.concatenate([[1.0], np.cumprod(a)])
        r = latent * within
        r[SUBSCRIBE] *= keep
        reach[channel] = {s: float(r[k]) for k, s in enumerate(STAGES)}
        conversion[channel] = {
            t: float(a[k] * within[k + 1] / within[k] * (keep if k + 1 == SUBSCRIBE else 1.0))
            for k, t in enumerate(TRANSITIONS)
        }

    total = sum(people_by_channel.values())
    pooled_reach = {
        s: sum(people_by_channel[c] * reach[c][s] for c in plan.channels) / total for s in STAGES
    }
    pooled: dict[str, float] = {}
    for k, t in enumerate(TRANSITIONS):
        weights = {c: people_by_channel[c] * reach[c][STAGES[k]] for c in plan.channels}
        mass = sum(weights.values())
        pooled[t] = sum(weights[c] * conversion[c][t] for c in plan.channels) / mass if mass else 0
    censoring = {t: float(1 - within[k + 1] / within[k]) for k, t in enumerate(TRANSITIONS)}
    return {
        "expected_conversion": conversion,
        "expected_conversion_all": pooled,
        "expected_reach": reach,
        "expected_reach_all": pooled_reach,
        "reach_within_period": {s: float(within[k]) for k, s in enumerate(STAGES)},
        "censoring": censoring,
    }


def _by_channel(j: Journeys, mask: np.ndarray) -> dict[str, int]:
    counts = np.bincount(j.channel[mask], minlength=len(j.plan.channels))
    return {c: int(counts[i]) for i, c in enumerate(j.plan.channels)}


def _count(table: pa.Table, event: str) -> int:
    return int(pc.sum(pc.equal(table["event"], event)).as_py() or 0)


def build_truth(plan: ShopPlan, journeys: Journeys, touchpoints: pa.Table) -> dict[str, Any]:
    """The JSON-serialisable truth of one simulated shop."""
    j = journeys
    everyone = np.ones(j.people, dtype=bool)
    people_by_channel = _by_channel(j, everyone)
    observed = {s: _by_channel(j, j.observed(k)) for k, s in enumerate(STAGES)}
    latent = {s: _by_channel(j, j.latent_stage >= k) for k, s in enumerate(STAGES)}
    events = pc.value_counts(touchpoints["event"]).to_pylist()
    orders = pc.equal(touchpoints["event"], "order")
    sent = _count(touchpoints, "email_sent")
    return {
        "stages": list(STAGES),
        "transitions": list(TRANSITIONS),
        "definitions": DEFINITIONS,
        "plan": plan.to_dict(),
        "period": {
            "start": plan.start_datetime.isoformat(),
            "end": plan.end_datetime.isoformat(),
            "acquisition_end_days": plan.acquisition_share * plan.period_days,
        },
        "people": j.people,
        "people_by_channel": people_by_channel,
        **expected_rates(plan, people_by_channel),
        "median_delay_days": {
            t: plan.delay_days[k] * math.log(2) for k, t in enumerate(TRANSITIONS)
        },
        "mean_delay_days": dict(zip(TRANSITIONS, plan.delay_days, strict=True)),
        "skip_subscribe": plan.skip_subscribe,
        "realised": {
            "observed_reach": observed,
            "latent_reach": latent,
            "guests": int(j.guest.sum()),
            "identified": int((j.identify < j.horizon).sum()),
            "referrals_linked": int((j.referrer >= 0).sum()),
            "followers": {
                "engaged": int(j.observed(ENGAGEMENT).sum()),
                "engaged_followers": int((j.observed(ENGAGEMENT) & j.follower).sum()),
                "buyers": int(j.observed(CONVERT).sum()),
                "buying_followers": int((j.observed(CONVERT) & j.follower).sum()),
            },
            "touchpoints": touchpoints.num_rows,
            "events": {e["values"]: int(e["counts"]) for e in events},
            "orders": int(pc.sum(orders).as_py() or 0),
            "revenue": float(pc.sum(pc.filter(touchpoints["revenue"], orders)).as_py() or 0.0),
            "currency": plan.currency,
            "email": {
                "sent": sent,
                "open_rate": _count(touchpoints, "email_open") / sent if sent else 0.0,
                "click_rate": _count(touchpoints, "email_click") / sent if sent else 0.0,
            },
        },
        "campaigns": _campaign_truth(j),
        "experience": _experience_truth(j),
        "conversion_drop": _drop_truth(plan, j),
        "driver": _driver_truth(j),
        "promotions": None
        if plan.promotions is None
        else {
            "fatigue_after": plan.promotions.fatigue_after,
            "hours": list(plan.promotions.hours),
            "definition": "clicks per person-week peak at fatigue_after messages a week; "
            "each person opens promos best at their preferred hour",
        },
        "follower_share": plan.follower_share,
        "repeat_dropout": plan.repeat_dropout,
        "email": {
            "open_rate": plan.email_open_rate,
            "click_rate_of_sent": plan.email_open_rate * plan.email_click_rate,
        },
    }


def _campaign_truth(j: Journeys) -> dict[str, Any]:
    """Per campaign: who it targeted, held out, exposed and moved, and the realised lift
    (moved / exposed: the effect on the exposed that a holdout comparison estimates)."""
    out = {}
    for plan, draw in zip(j.plan.campaigns, j.campaigns, strict=True):
        exposed = int((~draw.held_out).sum())
        moved = int(draw.moved.sum())
        out[plan.name] = {
            "transition": f"{plan.from_stage} -> {plan.to_stage}",
            "planted_lift": plan.lift,
            "targeted": int(draw.person.size),
            "held_out": int(draw.held_out.sum()),
            "exposed": exposed,
            "moved": moved,
            "realised_lift": moved / exposed if exposed else 0.0,
            "window_days": plan.window_days,
            "day": plan.day,
        }
    return out


def _drop_truth(plan: ShopPlan, j: Journeys) -> dict[str, Any] | None:
    """The planted week's drop: its transition, its week (UTC) and the moves it took."""
    d = plan.conversion_drop
    if d is None or j.dropped is None:
        return None
    start = plan.start_datetime + timedelta(days=d.day)
    return {
        "transition": f"{d.from_stage} -> {d.to_stage}",
        "week_start": start.date().isoformat(),
        "week_end": (start + timedelta(days=7)).date().isoformat(),
        "keep": d.keep,
        "lost": int(j.dropped.sum()),
        "definition": "of the people (not guests) who entered from_stage that week, only keep"
        " of those who would have reached the next stage do",
    }


def _experience_truth(j: Journeys) -> dict[str, Any] | None:
    plan = j.plan.experience
    if plan is None or j.bad_ticket_at is None or j.good_ticket_at is None:
        return None
    return {
        "bad_tickets": int((j.bad_ticket_at < j.horizon).sum()),
        "good_tickets": int((j.good_ticket_at < j.horizon).sum()),
        "bad_effect": plan.bad_effect,
        "definition": "an unresolved support ticket in Excite multiplies the chance to reach "
        "Ascend by bad_effect; a resolved one changes nothing",
    }


def _driver_truth(j: Journeys) -> dict[str, Any] | None:
    plan = j.plan.driver
    if plan is None or j.driver_at is None:
        return None
    k = STAGES.index(plan.stage)
    return {
        "event": plan.event,
        "transition": f"{plan.stage} -> {STAGES[k + 1]}",
        "effect": plan.effect,
        "people": int((j.driver_at < j.horizon).sum()),
        "definition": "from the driver touchpoint on, a person still in the stage moves on "
        "to a later stage effect times as fast (their hazard is multiplied); before it, and "
        "in every other stage, it changes nothing",
    }
