"""The chart of experiences (:mod:`jejak.analyses.experience`); its effects are
drawn as :mod:`jejak.report.figures.effectiveness`'s forest plot."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from jejak.analyses.experience import Experience
from jejak.report.figures.drawing import PALETTE, STOPPED_COLOR, layout, plain_label
from jejak.report.figures.effectiveness import touchpoint_effect_figure
from jejak.report.figures.registry import draws


def experience_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """Good, neutral and bad experiences per stage and touchpoint, most bad on top."""
    rows = table.head(12).iloc[::-1]
    labels = [
        plain_label(f"{s} · {t}") for s, t in zip(rows["stage"], rows["touchpoint"], strict=True)
    ]
    figure = go.Figure()
    for verdict, colour in (("bad", PALETTE[3]), ("neutral", STOPPED_COLOR), ("good", PALETTE[2])):
        figure.add_trace(
            go.Bar(
                y=labels,
                x=[int(v) for v in rows[verdict]],
                name=verdict,
                orientation="h",
                marker=dict(color=colour),
                hovertemplate="%{y}<br>%{x:,} " + verdict + "<extra></extra>",
            )
        )
    figure.update_xaxes(title="touchpoints")
    figure = layout(figure, title, height=max(320, 120 + 34 * len(rows)))
    figure.update_layout(showlegend=True, barmode="stack", legend=dict(orientation="h", y=-0.15))
    return figure


@draws(Experience)
def _experience(result: Experience) -> go.Figure:
    return experience_figure(result.table, result.title)


@draws(Experience, "effect")
def _experience_effects(result: Experience) -> go.Figure:
    return touchpoint_effect_figure(
        result.effects, "experience", "After a bad or good experience: moving on"
    )
