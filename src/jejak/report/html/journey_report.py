"""The whole journey report: every section, in order, from one source."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jejak.analyses.diagnosis import Noting, warnings_of
from jejak.language import N_, gettext
from jejak.report.html.advocacy import nps_sections, referral_sections, review_sections
from jejak.report.html.attribution import attribution_sections
from jejak.report.html.campaigns import campaign_sections
from jejak.report.html.check import check_sections
from jejak.report.html.comparison import segment_comparison_sections
from jejak.report.html.contact import contact_sections
from jejak.report.html.customer_value import value_sections
from jejak.report.html.drivers import driver_sections
from jejak.report.html.effectiveness import touchpoint_sections
from jejak.report.html.experience import experience_sections
from jejak.report.html.funnels import default_funnel_sections
from jejak.report.html.journey_map import journey_map_sections
from jejak.report.html.page import Section, noted
from jejak.report.html.paths import path_sections
from jejak.report.html.process_map import process_map_sections
from jejak.report.html.retention import (
    lifecycle_sections,
    retention_sections,
    stickiness_sections,
)
from jejak.report.html.segments import (
    cluster_sections,
    engagement_sections,
    rfm_sections,
    segment_sections,
)
from jejak.report.html.spend import spend_sections
from jejak.report.html.stages import key_number_sections, stage_sections, stuck_sections


def customer_sections(source: Any, goal: Any = None, min_count: int = 1) -> list[Section]:
    """The report sections on customers: engagement groups, RFM, clusters, segments (the
    largest compared with everyone else on the stage funnel, and the very largest also on
    the journey map, the process map without transitions rarer than ``min_count`` and the
    paths to ``goal``), retention (in the period, and in it or later) and the monthly
    trend, value, NPS, reviews, referrals."""
    return (
        engagement_sections(source)
        + rfm_sections(source)
        + cluster_sections(source)
        + segment_sections(source)
        + segment_comparison_sections(source, goal=goal, min_count=min_count)
        + _retention_sections(source)
        + lifecycle_sections(source)
        + stickiness_sections(source)
        + value_sections(source)
        + nps_sections(source)
        + review_sections(source)
        + referral_sections(source)
    )


def _retention_sections(source: Any) -> list[Section]:
    """Retention in the period, and beside it "on or after" (in it or any later one):
    its cohorts only, the pooled curve and the trend are the first's."""
    on = retention_sections(source)
    return on[:1] + retention_sections(source, returned="on_or_after", pooled=False) + on[1:]


def _path_sections(source: Any, goal: Any) -> list[Section]:
    flows = source.paths(before=goal, steps=5)
    top = source.top_paths(goal, steps=4, limit=10)
    # the nodes' table (path_node_sections) is the dashboard's, where each row saves its
    # people; in a mailed report it would only repeat the chart above it in 40 rows
    return path_sections(flows, top)


def journey_report_sections(
    source: Any,
    *,
    goal: Any = None,
    min_count: int = 1,
    top_touchpoints: int = 5,
    funnel: Any = None,
) -> list[Section]:
    """Every section of the journey report, computed from one source (workspace or part).

    ``goal`` (a touchpoint, rule or stage) is where the paths section leads; by default
    the journey's Convert stage, or its middle stage for journeys without one.
    ``funnel``: the stage funnel, when the caller already has it.
    """
    stages = source.journey.stage_names
    if goal is None:
        middle = stages[len(stages) // 2]
        goal = {"stage": "Convert" if "Convert" in stages else middle}
    funnel = funnel if funnel is not None else source.stages()
    noting = Noting(source)  # each group of sections shows why its answers are empty
    groups: list[tuple[str, Callable[[Any], list[Section]]]] = [
        (
            N_("Stages"),
            lambda s: (
                key_number_sections(funnel) + stage_sections(funnel) + stuck_sections(s, funnel)
            ),
        ),
        (N_("Funnels"), default_funnel_sections),
        (N_("Journey map"), lambda s: journey_map_sections(s.journey_map(top=top_touchpoints))),
        (N_("Journey map"), lambda s: journey_map_sections(s.journey_map(by="channel", top=3))),
        (
            N_("Paths"),
            lambda s: _path_sections(s, goal),
        ),
        (N_("Attribution"), lambda s: attribution_sections(s.attribution(goal))),
        (
            N_("Touchpoints"),
            lambda s: (
                touchpoint_sections(s.touchpoint_ratios(goal), s.touchpoint_effects(by="channel"))
                + driver_sections(s.drivers())
            ),
        ),
        (N_("Process map"), lambda s: process_map_sections(s.process_map(min_count=min_count))),
        (N_("Campaigns"), lambda s: campaign_sections(s) + spend_sections(s)),
        (N_("Contact"), contact_sections),
        (N_("Experience"), experience_sections),
        (N_("Customers"), lambda s: customer_sections(s, goal, min_count)),
    ]
    sections: list[Section] = check_sections(source.check())
    for heading, build in groups:
        built = build(noting)
        notes = noting.take() + (warnings_of(funnel) if heading == "Stages" else [])
        sections += noted(built, notes, gettext(heading), noting.titles)
    return sections
