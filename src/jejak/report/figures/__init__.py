"""Plotly figures of analysis results, drawn so a marketer can read them without a legend.

One module per area, named for its analysis (``stages``, ``funnels``, ``contact``...);
:mod:`~jejak.report.figures.drawing` holds the look they share. Each module registers
how a result type is drawn (:mod:`~jejak.report.figures.registry`): a result's
``figure()`` finds its drawer from its type, so the analyses never import the report.

The ``*_figure`` functions take plain DataFrames rather than the result class, so any
face, or a test, can draw them from a hand-made table.
"""

from __future__ import annotations

from jejak.report.figures.advocacy import nps_figure, referral_figure, reviews_figure
from jejak.report.figures.attribution import MODEL_LABELS, attribution_figure
from jejak.report.figures.campaigns import campaign_figure, campaign_overview_figure
from jejak.report.figures.comparison import comparison_figure
from jejak.report.figures.contact import (
    contact_frequency_figure,
    contact_metrics_figure,
    send_time_figure,
)
from jejak.report.figures.customer_value import customer_value_figure, value_by_figure
from jejak.report.figures.drawing import (
    CHART_WIDTH,
    PALETTE,
    STOPPED_COLOR,
    plain_label,
    stage_color,
)
from jejak.report.figures.drivers import drivers_figure
from jejak.report.figures.effectiveness import (
    VERDICT_COLORS,
    touchpoint_effect_figure,
    touchpoint_ratio_figure,
)
from jejak.report.figures.experience import experience_figure
from jejak.report.figures.funnels import funnel_figure
from jejak.report.figures.journey_feeling import feeling_figure
from jejak.report.figures.journey_map import journey_map_figure
from jejak.report.figures.paths import path_figure, top_paths_figure
from jejak.report.figures.process_map import process_map_figure
from jejak.report.figures.registry import draw, draws
from jejak.report.figures.retention import lifecycle_figure, retention_by_figure, retention_figure
from jejak.report.figures.segments import clusters_figure, engagement_figure, rfm_figure
from jejak.report.figures.spend import spend_return_figure
from jejak.report.figures.stages import (
    stage_flow_figure,
    stage_funnel_by_figure,
    stage_funnel_figure,
)

__all__ = [
    "CHART_WIDTH",
    "MODEL_LABELS",
    "PALETTE",
    "STOPPED_COLOR",
    "VERDICT_COLORS",
    "attribution_figure",
    "campaign_figure",
    "campaign_overview_figure",
    "clusters_figure",
    "comparison_figure",
    "contact_frequency_figure",
    "contact_metrics_figure",
    "customer_value_figure",
    "draw",
    "draws",
    "drivers_figure",
    "engagement_figure",
    "experience_figure",
    "feeling_figure",
    "funnel_figure",
    "journey_map_figure",
    "lifecycle_figure",
    "nps_figure",
    "path_figure",
    "plain_label",
    "process_map_figure",
    "referral_figure",
    "retention_by_figure",
    "retention_figure",
    "reviews_figure",
    "rfm_figure",
    "send_time_figure",
    "spend_return_figure",
    "stage_color",
    "stage_flow_figure",
    "stage_funnel_by_figure",
    "stage_funnel_figure",
    "top_paths_figure",
    "touchpoint_effect_figure",
    "touchpoint_ratio_figure",
    "value_by_figure",
]
