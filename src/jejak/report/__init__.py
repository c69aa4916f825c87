"""Plotly figures and the self-contained HTML report; they only draw what analyses computed."""

from jejak.report.figures import PALETTE, stage_color, stage_flow_figure, stage_funnel_figure
from jejak.report.html import Section, render_report, stage_sections, write_report

__all__ = [
    "PALETTE",
    "Section",
    "render_report",
    "stage_color",
    "stage_flow_figure",
    "stage_funnel_figure",
    "stage_sections",
    "write_report",
]
