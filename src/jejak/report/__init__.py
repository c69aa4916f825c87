"""Plotly figures and the self-contained HTML report; they only draw what analyses computed.

The names below are imported on first use: ``jejak.report.formatting``, which the CLI
needs at start, must not load Plotly.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jejak.report.figures import PALETTE, stage_color, stage_flow_figure, stage_funnel_figure
    from jejak.report.html import Section, render_report, stage_sections, write_report

_MODULE_OF = {
    "PALETTE": "jejak.report.figures",
    "stage_color": "jejak.report.figures",
    "stage_flow_figure": "jejak.report.figures",
    "stage_funnel_figure": "jejak.report.figures",
    "Section": "jejak.report.html",
    "render_report": "jejak.report.html",
    "stage_sections": "jejak.report.html",
    "write_report": "jejak.report.html",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use, then keep it here."""
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'jejak.report' has no attribute {name!r}")
    value = getattr(import_module(_MODULE_OF[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})


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
