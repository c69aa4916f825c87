"""The chart of experiences (:mod:`jejak.analyses.experience`); its effects are
drawn as :mod:`jejak.report.figures.effectiveness`'s forest plot."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from jejak import language
from jejak.analyses.experience import Experience
from jejak.language import N_, gettext
from jejak.report.figures.drawing import PALETTE, STOPPED_COLOR, layout, plain_label
from jejak.report.figures.effectiveness import touchpoint_effect_figure
from jejak.report.figures.registry import draws

# the experiences' verdicts (data, in English), shown through gettext
BAD, NEUTRAL, GOOD = N_("bad"), N_("neutral"), N_("good")


def experience_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """Good, neutral and bad experiences per stage and touchpoint, most bad on top."""
    rows = table.head(12).iloc[::-1]
    labels = [
        plain_label(f"{language.stage(str(s))} · {t}")
        for s, t in zip(rows["stage"], rows["touchpoint"], strict=True)
    ]
    figure = go.Figure()
    for verdict, colour in ((BAD, PALETTE[3]), (NEUTRAL, STOPPED_COLOR), (GOOD, PALETTE[2])):
        figure.add_trace(
            go.Bar(
                y=labels,
                x=[int(v) for v in rows[verdict]],
                name=gettext(verdict),
                orientation="h",
                marker=dict(color=colour),
                hovertemplate="%{y}<br>%{x:,} " + gettext(verdict) + "<extra></extra>",
            )
        )
    figure.update_xaxes(title=gettext("touchpoints"))
    figure = layout(figure, title, height=max(320, 120 + 34 * len(rows)))
    figure.update_layout(showlegend=True, barmode="stack", legend=dict(orientation="h", y=-0.15))
    return figure


@draws(Experience)
def _experience(result: Experience) -> go.Figure:
    return experience_figure(result.table, result.title)


@draws(Experience, "effect")
def _experience_effects(result: Experience) -> go.Figure:
    effects = result.effects
    if "experience" in effects:
        effects = effects.assign(experience=[gettext(str(v)) for v in effects["experience"]])
    return touchpoint_effect_figure(
        effects, "experience", gettext("After a bad or good experience: moving on")
    )
