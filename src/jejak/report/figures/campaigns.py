"""Charts of campaigns (:mod:`jejak.analyses.campaigns`): one campaign's effect and
the overview of all."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from jejak import language
from jejak.analyses.campaigns import CampaignEffect, CampaignOverview
from jejak.language import N_, gettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import PALETTE, STOPPED_COLOR, layout, plain_label, share_format
from jejak.report.figures.registry import draws
from jejak.report.tables import transition, transition_stages

# The analysis's words for its groups and verdicts (data, in English), as charts show them
SHOWN_WORDS = (
    N_("exposed"),
    N_("held out"),
    N_("not exposed (comparison)"),
    N_("reached nobody in the target stage"),
    N_("too few people to tell"),
    N_("moved nobody"),
    N_("moved its audience"),
    N_("held its audience back"),
    N_("no lift detected"),
)


def campaign_figure(table: pd.DataFrame, meta: dict[str, Any], title: str) -> go.Figure:
    """Transition rate of the exposed against the comparison, the lift and its interval."""
    rates = [float(r) if pd.notna(r) else 0.0 for r in table["transition_rate"]]
    figure = go.Figure(
        go.Bar(
            x=[plain_label(gettext(g)) for g in table["group"]],
            y=rates,
            marker=dict(color=[PALETTE[0], STOPPED_COLOR]),
            text=[
                gettext("{share} of {people} moved").format(
                    share=fmt.percent(r), people=fmt.people(n)
                )
                for r, n in zip(table["transition_rate"], table["counted"], strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}<br>%{text}<extra></extra>",
        )
    )
    lift = meta.get("lift")
    if lift is not None and pd.notna(lift):
        note = gettext("lift {lift} (95% interval {low} to {high}): {verdict}").format(
            lift=fmt.signed_points(lift),
            low=fmt.signed_points(meta["lift_low"]),
            high=fmt.signed_points(meta["lift_high"]),
            verdict=gettext(str(meta["verdict"])),
        )
        if meta.get("observational"):
            note += " · " + gettext("observational")
        figure.add_annotation(
            text=plain_label(note), xref="paper", yref="paper", x=0, y=1.08,
            showarrow=False, xanchor="left",
        )  # fmt: skip
    top = max([*rates, 0.01])
    figure.update_yaxes(
        title=gettext("moved on to {stage} within {days} days").format(
            stage=language.stage(transition_stages(meta["transition"])[-1]),
            days=language.localised(f"{meta['days']:g}"),
        ),
        tickformat=share_format(top * 1.3),
        range=[0, top * 1.3],
    )
    return layout(figure, title, height=420)


def campaign_overview_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """Each campaign's lift with its interval, grouped by the transition it targets."""
    rows = table[table["campaign"].notna()].iloc[::-1]
    labels = [
        plain_label(f"{transition(t)} · {c}")
        for t, c in zip(rows["transition"], rows["campaign"], strict=True)
    ]
    lifts = [float(v) if pd.notna(v) else 0.0 for v in rows["lift"]]
    high = [
        float(h) - x if pd.notna(h) else 0.0 for h, x in zip(rows["lift_high"], lifts, strict=True)
    ]
    low = [
        x - float(lo) if pd.notna(lo) else 0.0
        for lo, x in zip(rows["lift_low"], lifts, strict=True)
    ]
    figure = go.Figure(
        go.Scatter(
            x=lifts,
            y=labels,
            mode="markers",
            marker=dict(size=11, color=PALETTE[0]),
            error_x=dict(
                type="data",
                symmetric=False,
                array=high,
                arrayminus=low,
                color=PALETTE[0],
            ),
            text=[plain_label(gettext(v)) for v in rows["verdict"]],
            hovertemplate="%{y}<br>"
            + gettext("lift {lift}").format(lift="%{x:.1%}")
            + "<br>%{text}<extra></extra>",
        )
    )  # fmt: skip
    figure.add_vline(x=0, line=dict(color=STOPPED_COLOR, dash="dash"))
    figure.update_xaxes(
        title=gettext("lift in the target transition (percentage points)"), tickformat=".0%"
    )
    return layout(figure, title, height=max(300, 120 + 44 * len(rows)))


@draws(CampaignEffect)
def _campaign(result: CampaignEffect) -> go.Figure:
    return campaign_figure(result.table, result.meta, result.title)


@draws(CampaignOverview)
def _campaign_overview(result: CampaignOverview) -> go.Figure:
    return campaign_overview_figure(result.table, result.title)
