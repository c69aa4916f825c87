"""Every analysis of the public API, each with the columns it reads, for the benchmark.

A row's baseline is a plain DuckDB scan-and-sort of those columns from the stored
touchpoints into a table (:func:`baseline_sql`): reading, ordering by person and time,
and materialising, the least any analysis of them has to do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from jejak.analyses import conversion_paths as cp
from jejak.analyses.attribution import MODELS
from jejak.model.journey import Journey, Rule
from jejak.store.workspace import Workspace

# the columns each kind of analysis reads
JOURNEY = ("customer_id", "anonymous_id", "ts", "event", "properties")
MONEY = (*JOURNEY, "channel", "revenue")
CAMPAIGN = (*MONEY, "campaign")
BASELINES = {"journey": JOURNEY, "money": MONEY, "campaign": CAMPAIGN}

FIVE_STEPS = ["page_view", "content_view", "newsletter_signup", "order", "onboarding_complete"]


def baseline_sql(columns: tuple[str, ...]) -> str:
    return (
        f"CREATE OR REPLACE TEMP TABLE _baseline AS SELECT {', '.join(columns)}"
        " FROM touchpoints ORDER BY customer_id, anonymous_id, ts"
    )


def order_number_journey(journey: Journey) -> Journey:
    """The journey with each ``nth`` purchase rule written as an order_number test."""
    stages = []
    for stage in journey.stages:
        rules = []
        for rule in stage.rules:
            if rule.nth is not None:
                rule = Rule(event=rule.event, where={"order_number": rule.nth})
            rules.append(rule)
        stages.append(stage.model_copy(update={"rules": rules}))
    return Journey(name=journey.name, stages=stages)


def every_analysis(ws: Workspace) -> list[tuple[str, str, Callable[[], Any]]]:
    """(name, baseline, call) for each analysis, at the defaults a user sees first."""
    stage = ws.journey.stage_names[1]
    campaign = next(iter(ws.settings.campaigns), None)
    segment = next(iter(ws.settings.segments), None)
    rows: list[tuple[str, str, Callable[[], Any]]] = [
        ("stage funnel", "journey", ws.stages),
        ("stage funnel, order_number rules", "journey",
         lambda: ws.stages(journey=order_number_journey(ws.journey))),
        ("stage entries", "journey", ws.stage_entries),
        ("current stages", "journey", ws.current_stages),
        (f"stuck in {stage} 14 days", "journey", lambda: ws.stuck(stage, 14)),
    ]  # fmt: skip
    for order in ("ordered", "strict", "any"):
        call = lambda order=order: ws.funnel(FIVE_STEPS, window="30d", order=order)  # noqa: E731
        rows.append((f"5-step funnel, {order}", "journey", call))
    rows += [
        ("funnel drop-offs (step 2)", "journey", lambda: ws.funnel_dropoffs(FIVE_STEPS, 2)),
        ("process map", "journey", ws.process_map),
        ("10-step paths after page_view", "journey",
         lambda: ws.paths(after="page_view", steps=10)),
        ("top paths to order", "journey", lambda: ws.top_paths("order")),
        ("journey map", "journey", lambda: ws.journey_map(lanes=False)),
        ("journey map with lanes", "journey", ws.journey_map),
        ("lifecycle", "journey", ws.lifecycle),
        ("retention", "journey", ws.retention),
        ("attribution: path extraction", "money",
         lambda: cp.path_table(ws.events(), ws.journey, "order", lookback=timedelta(days=90))),
    ]  # fmt: skip
    for model in MODELS:
        call = lambda model=model: ws.attribution("order", models=[model])  # noqa: E731
        rows.append((f"attribution: {model}", "money", call))
    rows += [
        ("attribution: all 8 models", "money", lambda: ws.attribution("order")),
        ("touchpoint ratios", "money", ws.touchpoint_ratios),
        ("touchpoint effects", "money", ws.touchpoint_effects),
        ("customer value", "money", ws.customer_value),
        ("value by stage", "money", ws.value_by),
        ("RFM", "money", ws.rfm),
        ("referrals", "money", ws.referrals),
        ("retention by channel", "campaign", lambda: ws.retention(by="channel")),
        ("campaigns (with holdouts)", "campaign", ws.campaigns),
        ("contact by campaign", "campaign", ws.contact_metrics),
        ("messages per week", "campaign", ws.contact_frequency),
        ("send times + best hours", "campaign", ws.send_times),
        ("experience", "campaign", ws.experience),
        ("engagement groups", "campaign", ws.engagement_groups),
        ("clusters (k chosen)", "campaign", ws.clusters),
        ("segments", "campaign", ws.segments),
        ("stage funnel by segment", "campaign", lambda: ws.stages(by="segment")),
        ("NPS", "campaign", ws.nps),
        ("reviews", "campaign", ws.reviews),
        ("data check", "campaign", ws.check),
        ("identity conflicts", "campaign", ws.identity_conflicts),
    ]
    if campaign is not None:
        rows.append((f"campaign {campaign}", "campaign", lambda: ws.campaign(campaign)))
    if segment is not None:
        rows.append((f"audience {segment}", "campaign", lambda: ws.audience(segment)))
    return rows
