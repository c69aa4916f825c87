"""Charts of touchpoint effectiveness (:mod:`jejak.analyses.effectiveness`): ratios
and the effects that help people move on, as forest plots."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from jejak import language
from jejak.analyses.effectiveness import TouchpointEffects, TouchpointRatios
from jejak.language import N_, gettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import (
    PALETTE,
    labelled_bars,
    layout,
    plain_label,
    ratio_ticks,
    share_format,
    share_ticks,
)
from jejak.report.figures.registry import draws


def touchpoint_ratio_figure(table: pd.DataFrame, by: str, title: str) -> go.Figure:
    """Each touchpoint's share of conversions, with how many it takes per conversion."""
    # touchpoints that came before no conversion (the conversion itself, after-sale ones)
    # have nothing to show here; the table lists them
    before = table[table["converting_journeys"] > 0]
    rows = before.sort_values("share_of_conversions", ascending=True, kind="stable").tail(20)
    figure = labelled_bars(
        rows[by],
        [0.0 if fmt.is_missing(v) else float(v) for v in rows["share_of_conversions"]],
        [
            gettext("{share} · {count} per conversion").format(
                share=fmt.percent(s), count=fmt.number(p, 1)
            )
            for s, p in zip(rows["share_of_conversions"], rows["per_conversion"], strict=True)
        ],
        PALETTE[0],
    )
    widest = float(rows["share_of_conversions"].max()) if len(rows) else 1.0
    figure.update_xaxes(
        title=gettext("share of conversions whose journey had it"),
        tickformat=share_format(widest),
        tickvals=share_ticks(widest),  # the axis runs on for the labels, not past 100%
    )
    return layout(figure, title, height=max(300, 110 + 30 * len(rows)))


# the analysis's verdicts (data, in English), shown through gettext
VERDICT_COLORS = {
    N_("helps"): "#59A14F",
    N_("hurts"): "#E15759",
    N_("unclear"): "#9AA5B1",
    N_("too few people"): "#D3D8DE",
}


def touchpoint_effect_figure(table: pd.DataFrame, by: str, title: str) -> go.Figure:
    """How many times as fast people move on after a touchpoint (95% interval), per stage."""
    rows = table[table["verdict"] != "too few people"].iloc[::-1]
    labels = [
        f"{plain_label(language.stage(str(s)))} · {plain_label(str(v))}"
        for s, v in zip(rows["stage"], rows[by], strict=True)
    ]
    figure = go.Figure()
    for verdict, colour in VERDICT_COLORS.items():
        part = (rows["verdict"] == verdict).to_numpy()
        if not part.any():
            continue
        chosen = rows[part]
        figure.add_trace(
            go.Scatter(
                name=gettext(verdict),
                y=[label for label, keep in zip(labels, part, strict=True) if keep],
                x=chosen["rate_ratio"].tolist(),
                mode="markers",
                marker=dict(color=colour, size=9),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=(chosen["ci_high"] - chosen["rate_ratio"]).tolist(),
                    arrayminus=(chosen["rate_ratio"] - chosen["ci_low"]).tolist(),
                    color=colour,
                ),
                customdata=[
                    gettext(
                        "moves on {ratio}x as fast with it ({low}x to {high}x); "
                        "{people} people had it"
                    ).format(
                        ratio=fmt.number(r, 2),
                        low=fmt.number(lo, 2),
                        high=fmt.number(hi, 2),
                        people=fmt.people(n),
                    )
                    for r, lo, hi, n in zip(
                        chosen["rate_ratio"],
                        chosen["ci_low"],
                        chosen["ci_high"],
                        chosen["people_with"],
                        strict=True,
                    )
                ],
                hovertemplate="%{y}<br>%{customdata}<extra></extra>",
            )
        )
    figure.update_yaxes(categoryorder="array", categoryarray=labels)  # stages in order
    figure.add_vline(x=1, line=dict(color="#52606D", width=1))
    figure.update_xaxes(
        type="log",
        title=gettext("moves on this many times as fast after it (same time in stage, 95%)"),
        **ratio_ticks([*rows["rate_ratio"], *rows["ci_low"], *rows["ci_high"]]),
    )
    figure = layout(figure, title, height=max(320, 120 + 26 * len(rows)))
    return figure.update_layout(
        showlegend=True, legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0)
    )


@draws(TouchpointRatios)
def _touchpoint_ratios(result: TouchpointRatios) -> go.Figure:
    return touchpoint_ratio_figure(result.table, result.meta["by"], result.title)


@draws(TouchpointEffects)
def _touchpoint_effects(result: TouchpointEffects) -> go.Figure:
    return touchpoint_effect_figure(result.table, result.meta["by"], result.title)
