"""The HTML report and its sections, one module per report area (named for its
analysis); :mod:`~jejak.report.html.page` draws the page and holds :class:`Section`.

The server's dashboard pages are built from the same sections.
"""

from __future__ import annotations

from jejak.report.html.advocacy import nps_sections, referral_sections, review_sections
from jejak.report.html.attribution import attribution_sections, direct_note
from jejak.report.html.campaigns import campaign_sections
from jejak.report.html.check import CHECK_COLUMNS, UNPLACED_COLUMNS, check_sections
from jejak.report.html.comparison import comparison_sections
from jejak.report.html.contact import contact_sections
from jejak.report.html.customer_value import amount, value_sections
from jejak.report.html.drivers import driver_sections
from jejak.report.html.effectiveness import touchpoint_sections
from jejak.report.html.experience import experience_sections
from jejak.report.html.funnels import funnel_sections, open_windows_note
from jejak.report.html.journey_map import journey_map_sections
from jejak.report.html.journey_report import customer_sections, journey_report_sections
from jejak.report.html.page import (
    Section,
    intro_html,
    noted,
    notes_html,
    render_report,
    table_html,
    write_report,
)
from jejak.report.html.paths import path_node_sections, path_sections
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
from jejak.report.html.watch import watch_sections

__all__ = [
    "CHECK_COLUMNS",
    "UNPLACED_COLUMNS",
    "Section",
    "amount",
    "attribution_sections",
    "campaign_sections",
    "check_sections",
    "cluster_sections",
    "comparison_sections",
    "contact_sections",
    "customer_sections",
    "direct_note",
    "driver_sections",
    "engagement_sections",
    "experience_sections",
    "funnel_sections",
    "intro_html",
    "journey_map_sections",
    "journey_report_sections",
    "key_number_sections",
    "lifecycle_sections",
    "noted",
    "notes_html",
    "nps_sections",
    "open_windows_note",
    "path_node_sections",
    "path_sections",
    "process_map_sections",
    "referral_sections",
    "render_report",
    "retention_sections",
    "review_sections",
    "rfm_sections",
    "segment_sections",
    "spend_sections",
    "stage_sections",
    "stickiness_sections",
    "stuck_sections",
    "table_html",
    "touchpoint_sections",
    "value_sections",
    "watch_sections",
    "write_report",
]
